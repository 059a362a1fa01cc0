package io.github.vecprop.kernel;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The provider's choice, observed in fresh JVMs (it is made once per JVM): SIMD with the incubator
 * module, scalar without it or when asked, each with its one log line.
 */
class KernelProviderTest {

    /** Run in a child JVM: prints the chosen kernels and proves they compute. */
    public static final class Probe {
        public static void main(String[] args) {
            Kernels k = KernelProvider.get();
            float[] y = new float[3];
            k.reluForward(new float[] {-1f, 0f, 2f}, 0, y, 0, 3);
            System.out.println(k.name() + " " + y[0] + " " + y[1] + " " + y[2]);
        }
    }

    private record Run(String out, String err) {
    }

    private static Run probe(String... jvmArgs) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElseThrow());
        cmd.addAll(List.of(jvmArgs));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Probe.class.getName());
        Process p = new ProcessBuilder(cmd).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), err);
        return new Run(out, err);
    }

    @Test
    void simdWhenTheModuleIsLoaded() throws Exception {
        Run r = probe("--add-modules", "jdk.incubator.vector");
        assertEquals("panama 0.0 0.0 2.0", r.out());
        assertTrue(r.err().contains("vecprop kernels: panama (SIMD"), r.err());
    }

    @Test
    void scalarWithAHowToWhenTheModuleIsMissing() throws Exception {
        Run r = probe();
        assertEquals("scalar 0.0 0.0 2.0", r.out());
        assertTrue(r.err().contains("vecprop kernels: scalar, because module jdk.incubator.vector is not loaded;"
                + " start the JVM with --add-modules jdk.incubator.vector for the SIMD kernels"), r.err());
    }

    @Test
    void scalarWhenAskedOrWhenC2IsOff() throws Exception {
        assertEquals("scalar 0.0 0.0 2.0", probe("--add-modules", "jdk.incubator.vector", "-Dvecprop.kernels=scalar").out());
        Run r = probe("--add-modules", "jdk.incubator.vector", "-XX:TieredStopAtLevel=1");
        assertEquals("scalar 0.0 0.0 2.0", r.out());
        assertTrue(r.err().contains("because the C2 compiler is off (-XX:TieredStopAtLevel=1)"), r.err());
    }

    /** The steady-state rule on a caller's round: quiet rounds end it, allocating rounds run out the budget. */
    @Test
    void warmUpOfACallersRoundStopsWhenRoundsAreQuiet() {
        assertTrue(KernelProvider.warmUp(() -> { }, 10_000));
        long start = System.nanoTime();
        Object[] sink = new Object[1];
        assertFalse(KernelProvider.warmUp(() -> sink[0] = new byte[64], 100));
        assertTrue(System.nanoTime() - start >= 100_000_000L);
        int[] rounds = new int[1];
        assertFalse(KernelProvider.warmUp(() -> rounds[0]++, 0));
        assertEquals(0, rounds[0]);
        assertEquals("round is null", assertThrows(IllegalArgumentException.class, () -> KernelProvider.warmUp(null, 10)).getMessage());
    }

    @Test
    void scalarWhenVectorsAreTooShort() throws Exception {
        Run r = probe("--add-modules", "jdk.incubator.vector", "-XX:MaxVectorSize=8");
        assertEquals("scalar 0.0 0.0 2.0", r.out());
        assertTrue(r.err().contains("because this JVM's preferred vector holds 2 floats"), r.err());
    }
}
