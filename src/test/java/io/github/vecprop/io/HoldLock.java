package io.github.vecprop.io;

import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** A child process of {@link AtomicWriteKillTest}: locks {@code args[0]} as a writer would, says so, and waits to be killed. */
public final class HoldLock {
    private HoldLock() {
    }

    public static void main(String[] args) throws Exception {
        try (FileChannel c = FileChannel.open(Path.of(args[0]), StandardOpenOption.WRITE)) {
            c.lock();
            System.out.println("locked");
            System.out.flush();
            Thread.sleep(Long.MAX_VALUE);
        }
    }
}
