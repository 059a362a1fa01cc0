package io.github.vecprop.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes a file so that readers see either the old content or the complete new content, never a
 * partial file: the bytes go to a temporary file in the target's directory (same file system, so
 * the rename can be atomic), are forced to disk, and the temporary file is then renamed over the
 * target with {@link StandardCopyOption#ATOMIC_MOVE}. On any failure the temporary file is deleted
 * and the target is untouched.
 */
public final class AtomicWrite {
    /** The body of a write: produces the file's bytes on {@code out} (which it must not close). */
    @FunctionalInterface
    public interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    private AtomicWrite() {
    }

    /**
     * Writes {@code target} with the bytes {@code body} produces, atomically as described above.
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
        // A hidden, random name in the same directory: never collides with the target or a parallel writer.
        Path temp = dir.resolve("." + absolute.getFileName() + "."
                + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()) + ".tmp");
        boolean moved = false;
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
                body.writeTo(out);
                out.flush();
                channel.force(true);
            }
            Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            moved = true;
        } finally {
            if (!moved) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException suppressed) {
                    // The original failure matters more; a leftover hidden .tmp file is harmless.
                }
            }
        }
    }
}
