package io.github.vecprop.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes a file so that readers see either the old content or the complete new content, never a
 * partial file: the bytes go to a temporary file in the target's directory (same file system, so
 * the rename can be atomic), are forced to disk, and the temporary file is then renamed over the
 * target with {@link StandardCopyOption#ATOMIC_MOVE}. On any failure the temporary file is deleted
 * and the target is untouched.
 *
 * <p>The temporary file is named {@code .<target name>.<16 hex digits>.tmp} and its writer holds an
 * exclusive lock on it until the rename. A process killed mid-write (where no cleanup can run) leaves
 * it behind; the next write to the same target deletes every file of exactly that name pattern whose
 * lock it can take, which is only possible once its writer is gone, so a concurrent writer's file, or
 * any file not named by this pattern, is never touched. A JVM that exits normally or on
 * {@code SIGTERM} deletes the temporary files of writes still in progress.
 */
public final class AtomicWrite {
    /** The body of a write: produces the file's bytes on {@code out} (which it must not close). */
    @FunctionalInterface
    public interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    private static final String SUFFIX = ".tmp";
    private static final int RANDOM_DIGITS = 16;
    /**
     * This JVM's writes in progress: temporary file name (64 random bits, so unique whatever the path's
     * spelling) to its path.
     */
    private static final Map<String, Path> IN_PROGRESS = new ConcurrentHashMap<>();
    private static volatile boolean hookAdded;
    private static volatile boolean shuttingDown;

    private AtomicWrite() {
    }

    /**
     * Writes {@code target} with the bytes {@code body} produces, atomically as described above, after
     * deleting temporary files that interrupted writes to {@code target} left behind.
     *
     * @throws IOException if writing or renaming fails; the target is then unchanged
     */
    public static void write(Path target, Body body) throws IOException {
        if (target == null) {
            throw new IllegalArgumentException("target file is null");
        }
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        if (dir == null || absolute.getFileName() == null) {
            throw new IllegalArgumentException("cannot write to " + target + ": it has no parent directory");
        }
        String name = absolute.getFileName().toString();
        removeAbandoned(dir, name);
        addShutdownHook();
        while (true) {
            Path temp = dir.resolve("." + name + "." + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()) + SUFFIX);
            boolean moved = false;
            boolean retry = false;
            String tempName = temp.getFileName().toString();
            // Registered under the hook's lock: a write either registers before shutdown starts (and the hook
            // waits for it) or sees the flag and never creates a file.
            synchronized (IN_PROGRESS) {
                if (shuttingDown) {
                    throw new IOException("cannot write " + target + ": the JVM is shutting down");
                }
                IN_PROGRESS.put(tempName, temp);
            }
            try {
                FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                boolean closed = false;
                try {
                    if (!lock(channel)) {
                        // Another write's cleanup took the lock between our create and our lock, and will delete the file.
                        retry = true;
                        continue;
                    }
                    if (!Files.exists(temp, LinkOption.NOFOLLOW_LINKS)) {
                        // A cleanup locked, deleted and unlocked it before our lock: what we hold is unlinked.
                        retry = true;
                        continue;
                    }
                    OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
                    body.writeTo(out);
                    out.flush();
                    channel.force(true);
                    try {
                        // Renamed while locked, so no cleanup can mistake it for abandoned.
                        Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                    } catch (FileSystemException e) {
                        if (e instanceof NoSuchFileException) {
                            throw e;
                        }
                        // Windows refuses to rename an open file: close it, then rename.
                        channel.close();
                        closed = true;
                        Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                    }
                    moved = true;
                    return;
                } finally {
                    if (!closed) {
                        channel.close();
                    }
                }
            } finally {
                IN_PROGRESS.remove(tempName);
                if (!moved && !retry) {
                    try {
                        Files.deleteIfExists(temp);
                    } catch (IOException suppressed) {
                        // The original failure matters more; the next write to this target removes the file.
                    }
                }
            }
        }
    }

    /**
     * Takes the channel's exclusive lock; false if someone else (another process, or a cleanup in this
     * JVM) holds it. Where the file system has no locks (some network mounts), true without one: no
     * cleanup can then take the lock either, so none ever deletes the file.
     */
    private static boolean lock(FileChannel channel) {
        try {
            return channel.tryLock() != null;
        } catch (OverlappingFileLockException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    /** Deletes {@code .<name>.<16 hex>.tmp} files in {@code dir} whose writer is gone (their lock is free). */
    private static void removeAbandoned(Path dir, String name) {
        String prefix = "." + name + ".";
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path p : files) {
                String file = String.valueOf(p.getFileName());
                // Never open a file of this JVM's own writes: closing any channel to it would drop the writer's
                // lock, since POSIX locks belong to the process.
                if (isOurs(file, prefix) && !IN_PROGRESS.containsKey(file) && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    deleteIfAbandoned(p);
                }
            }
        } catch (IOException | RuntimeException e) {
            // Cleanup is best effort: an unreadable directory will fail the write itself with a clear error.
        }
    }

    private static boolean isOurs(String file, String prefix) {
        if (!file.startsWith(prefix) || !file.endsWith(SUFFIX) || file.length() != prefix.length() + RANDOM_DIGITS + SUFFIX.length()) {
            return false;
        }
        for (int i = prefix.length(); i < prefix.length() + RANDOM_DIGITS; i++) {
            char c = file.charAt(i);
            if (!(c >= '0' && c <= '9') && !(c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    private static void deleteIfAbandoned(Path p) {
        try (FileChannel channel = FileChannel.open(p, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                return;
            }
            if (lock != null) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // Gone already, or not ours to open: leave it.
        }
    }

    /**
     * Other threads keep running while hooks run: no write starts after the flag, and the files of the
     * writes already registered are deleted again and again (one may be created just after a pass) until
     * those writes end or half a second passes.
     */
    private static void cleanUpAtExit() {
        synchronized (IN_PROGRESS) {
            shuttingDown = true;
        }
        long deadline = System.nanoTime() + 500_000_000L;
        do {
            for (Path p : IN_PROGRESS.values()) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // Exiting: the next write to the target removes it.
                }
            }
            if (IN_PROGRESS.isEmpty()) {
                return;
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                return;
            }
        } while (System.nanoTime() < deadline);
    }

    private static void addShutdownHook() {
        if (hookAdded) {
            return;
        }
        synchronized (IN_PROGRESS) {
            if (hookAdded) {
                return;
            }
            try {
                Runtime.getRuntime().addShutdownHook(new Thread(AtomicWrite::cleanUpAtExit, "vecprop-atomic-write-cleanup"));
            } catch (IllegalStateException e) {
                // Already shutting down: nothing to register for.
            }
            hookAdded = true;
        }
    }
}
