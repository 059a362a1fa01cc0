package io.github.vecprop.kernel;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link KernelProvider#warmUp} in a fresh JVM, as an application calls it at start-up (this test
 * JVM's kernels are already hot from other tests): afterwards, kernel calls allocate nothing.
 */
class WarmUpTest {

    /** Run in a child JVM: warms up, then prints the bytes each kernel call allocates. */
    public static final class Probe {
        public static void main(String[] args) {
            boolean warm = KernelProvider.warmUp(30_000);
            com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            Kernels k = KernelProvider.get();
            float[] a = new float[64 * 96];
            float[] b = new float[96 * 80];
            float[] c = new float[64 * 80];
            float[] x = new float[1000];
            float[] y = new float[1000];
            float[] d = new float[1000];
            int[] labels = new int[10];
            String[] names = {"gemm 1x80x96", "gemm 64x80x96", "gemm TN 64x80x96", "sigmoidForward", "softmaxCrossEntropy"};
            long[] bytes = new long[names.length];
            StringBuilder first = new StringBuilder();
            for (int i = 0; i < 100; i++) {
                for (int kernel = 0; kernel < names.length; kernel++) {
                    long before = mx.getCurrentThreadAllocatedBytes();
                    switch (kernel) {
                        case 0 -> k.gemm(false, false, 1, 80, 96, 1f, a, 0, 96, b, 0, 80, 0f, c, 0, 80);
                        case 1 -> k.gemm(false, false, 64, 80, 96, 1f, a, 0, 96, b, 0, 80, 0f, c, 0, 80);
                        case 2 -> k.gemm(true, false, 64, 80, 96, 1f, a, 0, 64, b, 0, 80, 0f, c, 0, 80);
                        case 3 -> k.sigmoidForward(x, 0, y, 0, 1000);
                        default -> k.softmaxCrossEntropy(x, 0, 10, 100, labels, 0, y, 0, d, 0);
                    }
                    long allocated = mx.getCurrentThreadAllocatedBytes() - before;
                    if (allocated != 0 && bytes[kernel] == 0) {
                        first.append("; ").append(names[kernel]).append(" first allocated at call ").append(i).append(": ").append(allocated).append(" B");
                    }
                    bytes[kernel] += allocated;
                }
            }
            // Where it allocated, by kernel, so that a failure in CI says which kernel and when.
            System.out.println(warm + " " + java.util.Arrays.stream(bytes).sum() + first);
        }
    }

    @Test
    void afterWarmUpKernelCallsAllocateNothing() throws Exception {
        Process p = new ProcessBuilder(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"), Probe.class.getName()))
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertEquals(0, p.waitFor());
        assertEquals("true 0", out, "warmUp reached steady state, then allocated bytes");
    }
}
