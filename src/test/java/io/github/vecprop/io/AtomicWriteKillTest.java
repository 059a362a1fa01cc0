package io.github.vecprop.io;

import io.github.vecprop.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link AtomicWrite} under crashes: a child JVM saving a 24 MB model in a loop ({@link SaveLoop}) is
 * killed at random moments, by SIGKILL (no cleanup can run) or SIGTERM (shutdown hooks run). The target
 * is always a whole old or new file, and no temporary file survives the next save.
 */
class AtomicWriteKillTest {
    @TempDir
    Path dir;

    @Test
    void aKilledSaveLeavesTheOldOrNewFileAndTheNextSaveRemovesItsTemporaryFile() throws Exception {
        Path target = dir.resolve("m.vpm");
        ModelFile.write(target, "version 0", Map.of("W", Tensor.of(new float[] {0f}, 1)));
        Random rnd = new Random(42);
        int leftBehind = 0;
        // Six rounds, then more (20 at most) until a SIGKILL has landed mid-write: a kill between two saves finds no
        // temporary file, and three such misses in a row failed a CI run.
        for (int round = 0; round < 6 || leftBehind == 0 && round < 20; round++) {
            boolean hard = round % 2 == 0;
            Process child = new ProcessBuilder(javaCommand(), "-cp", System.getProperty("java.class.path"),
                    SaveLoop.class.getName(), target.toString()).redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
            // Wait until the child is writing (its temporary file exists), then a random moment more.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (temporaryFiles(target).isEmpty() && child.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            Thread.sleep(rnd.nextInt(400));
            if (hard) {
                child.destroyForcibly();
            } else {
                child.destroy();
            }
            assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the child did not die");

            ModelFile.Contents c = ModelFile.read(target);
            float version = Float.parseFloat(c.architecture().substring("version ".length()));
            float[] w = c.params().get("W").data();
            for (float x : w) {
                assertEquals(version, x, "a mixed file after round " + round);
            }
            List<Path> temps = temporaryFiles(target);
            if (hard) {
                leftBehind += temps.size();
            } else {
                assertEquals(List.of(), temps, "SIGTERM ran the shutdown hook, which deletes the temporary file");
            }
            ModelFile.write(target, "version 0", Map.of("W", Tensor.of(new float[] {0f}, 1)));
            assertEquals(List.of(), temporaryFiles(target), "the next save removes what a killed one left");
        }
        assertTrue(leftBehind > 0, "no SIGKILL landed mid-write, so the test proved nothing about cleanup");
    }

    @Test
    void cleanupLeavesFilesThatAreNotOursOrStillLocked() throws Exception {
        Path target = dir.resolve("x.vpm");
        Path abandoned = dir.resolve(".x.vpm.0123456789abcdef.tmp");
        Path locked = dir.resolve(".x.vpm.fedcba9876543210.tmp");
        List<Path> others = List.of(dir.resolve(".x.vpm.0123456789ABCDEF.tmp"), dir.resolve(".x.vpm.backup.tmp"),
                dir.resolve(".y.vpm.0123456789abcdef.tmp"), dir.resolve("x.vpm.0123456789abcdef.tmp"),
                dir.resolve(".x.vpm.0123456789abcdef0.tmp"));
        for (Path p : Stream.concat(Stream.of(abandoned, locked), others.stream()).toList()) {
            Files.writeString(p, "not a model");
        }
        // A write in progress in another process holds its lock: a child JVM holds this one.
        Process holder = new ProcessBuilder(javaCommand(), "-cp", System.getProperty("java.class.path"),
                HoldLock.class.getName(), locked.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            assertEquals("locked", new java.io.BufferedReader(new java.io.InputStreamReader(holder.getInputStream())).readLine());
            ModelFile.write(target, "a", Map.of());
        } finally {
            holder.destroyForcibly();
            holder.waitFor();
        }
        assertFalse(Files.exists(abandoned), "an abandoned temporary file is removed");
        assertTrue(Files.exists(locked), "a locked one is someone's write in progress");
        for (Path p : others) {
            assertTrue(Files.exists(p), p + " is not ours");
        }
    }

    private static List<Path> temporaryFiles(Path target) throws IOException {
        String prefix = "." + target.getFileName() + ".";
        try (Stream<Path> s = Files.list(target.getParent())) {
            return s.filter(p -> p.getFileName().toString().startsWith(prefix) && p.getFileName().toString().endsWith(".tmp")).toList();
        }
    }

    private static String javaCommand() {
        return ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }
}
