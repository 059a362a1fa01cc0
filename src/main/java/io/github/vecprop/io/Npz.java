package io.github.vecprop.io;

import io.github.vecprop.tensor.Shape;
import io.github.vecprop.tensor.Tensor;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PushbackInputStream;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Reads and writes NumPy {@code .npz} archives: zip files whose members {@code <key>.npy} are
 * {@link Npy} arrays, as written by {@code numpy.savez} (members stored) and
 * {@code numpy.savez_compressed} (members deflated). Both are read; the same rules as {@link Npy}
 * apply to each member (float32/float64, C order, rank 0 to 4, float64 narrowed to float32).
 *
 * <p>Errors name the archive and the member ({@code "a.npz (member W1.npy): at byte 10: ..."}); the
 * offset counts from the start of the member's uncompressed data.
 *
 * <p>All methods are static and thread-safe (tensors must not be written to while being saved).
 * Writers replace the target atomically and produce byte-identical archives for equal input (every
 * member is dated 1980-01-01 00:00).
 */
public final class Npz {
    private static final LocalDateTime FIXED_TIME = LocalDateTime.of(1980, 1, 1, 0, 0);

    private Npz() {
    }

    /**
     * Reads every member of the archive, in archive order, keyed by its name without {@code .npy}.
     *
     * @return a new mutable {@link LinkedHashMap}, owned by the caller
     * @throws CorruptFileException if the file is not a zip archive, a member is not a {@code .npy}
     *     file, two members share a key, or a member is not a readable array
     * @throws IOException if the file cannot be read
     */
    public static Map<String, Tensor> read(Path file) throws IOException {
        Shape.requireNonNull("file", file);
        String name = file.toString();
        ZipFile zip;
        try {
            zip = new ZipFile(file.toFile());
        } catch (ZipException | IllegalArgumentException e) {
            // IllegalArgumentException: a member name that is not valid in the archive's charset.
            throw new CorruptFileException(file, name, -1, "not a valid zip archive (" + e.getMessage() + ")", e);
        }
        try (zip) {
            Map<String, Tensor> arrays = new LinkedHashMap<>();
            ByteInput.Budget budget = new ByteInput.Budget();
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (true) {
                ZipEntry entry;
                try {
                    if (!entries.hasMoreElements()) {
                        break;
                    }
                    entry = entries.nextElement();
                } catch (IllegalArgumentException | IllegalStateException e) {
                    throw new CorruptFileException(file, name, -1, "the zip directory is damaged (" + e.getMessage() + ")", e);
                }
                if (entry.isDirectory()) {
                    continue;
                }
                String key = key(entry, file, name, arrays);
                String member = member(name, entry);
                try (InputStream in = new BufferedInputStream(zip.getInputStream(entry), 1 << 16)) {
                    // A stored member's size is what the archive holds; a deflated one's is only claimed, so it grows as it inflates.
                    long length = entry.getMethod() == ZipEntry.STORED ? entry.getSize() : -1;
                    CRC32 crc = new CRC32();
                    ByteInput bin = new ByteInput(in, file, member, crc, length, budget);
                    Tensor t = Npy.read(bin);
                    checkMember(entry, bin, crc, file, member);
                    arrays.put(key, t);
                } catch (ZipException e) {
                    throw new CorruptFileException(file, member, -1, "cannot read the member (" + e.getMessage() + ")", e);
                }
            }
            return arrays;
        }
    }

    /**
     * {@link ZipFile} checks neither a member's CRC-32 nor its uncompressed size: a flipped byte in a
     * stored member would load as data.
     */
    private static void checkMember(ZipEntry entry, ByteInput bin, CRC32 crc, Path file, String member) throws CorruptFileException {
        if (entry.getSize() >= 0 && bin.position() != entry.getSize()) {
            throw new CorruptFileException(file, member, bin.position(), "the zip directory says the member holds "
                    + entry.getSize() + " bytes, but it holds " + bin.position(), null);
        }
        if (entry.getCrc() >= 0 && crc.getValue() != entry.getCrc()) {
            throw new CorruptFileException(file, member, -1, String.format(
                    "CRC-32 mismatch: the zip directory says %08x but the member's data gives %08x", entry.getCrc(), crc.getValue()), null);
        }
    }

    /**
     * As {@link #read(Path)}, from a stream (not closed) of a whole archive, named {@code name} in
     * error messages. The stream is read sequentially, so members written with data descriptors
     * (streamed, not seekable, output) must be deflated.
     */
    public static Map<String, Tensor> read(InputStream in, String name) throws IOException {
        Shape.requireNonNull("input stream", in);
        Shape.requireNonNull("stream name", name);
        PushbackInputStream peek = new PushbackInputStream(new BufferedInputStream(in, 1 << 16), 4);
        byte[] signature = new byte[4];
        int got = peek.readNBytes(signature, 0, 4);
        peek.unread(signature, 0, got);
        // ZipInputStream reads anything that is not a zip as an empty archive: check the signature of a
        // first member (PK 3 4) or of an empty archive's end record (PK 5 6) ourselves.
        if (got < 4 || signature[0] != 'P' || signature[1] != 'K'
                || !((signature[2] == 3 && signature[3] == 4) || (signature[2] == 5 && signature[3] == 6))) {
            throw new CorruptFileException(null, name, 0, "not a zip archive (no PK signature at the start)", null);
        }
        ZipInputStream zip = new ZipInputStream(peek);
        Map<String, Tensor> arrays = new LinkedHashMap<>();
        ByteInput.Budget budget = new ByteInput.Budget();
        while (true) {
            ZipEntry entry;
            try {
                entry = zip.getNextEntry();
            } catch (ZipException | IllegalArgumentException e) {
                throw new CorruptFileException(null, name, -1, "not a valid zip archive (" + e.getMessage() + ")", e);
            }
            if (entry == null) {
                break;
            }
            if (entry.isDirectory()) {
                continue;
            }
            String key = key(entry, null, name, arrays);
            // ZipInputStream checks each member's CRC-32 and sizes as it ends, and Npy.read turns what it
            // reports into a CorruptFileException naming the member.
            arrays.put(key, Npy.read(zip, null, member(name, entry), -1, budget));
        }
        return arrays;
    }

    /**
     * Writes {@code arrays} as an uncompressed archive, like {@code numpy.savez}: member
     * {@code <key>.npy} per entry, in the map's iteration order, each a version 1.0 {@code '<f4'} array.
     * Replaces {@code file} atomically.
     *
     * @throws IllegalArgumentException if a key is null or empty or a tensor is null
     */
    public static void write(Path file, Map<String, Tensor> arrays) throws IOException {
        write(file, arrays, false);
    }

    /** As {@link #write(Path, Map)}, with deflated members, like {@code numpy.savez_compressed}. */
    public static void writeCompressed(Path file, Map<String, Tensor> arrays) throws IOException {
        write(file, arrays, true);
    }

    private static void write(Path file, Map<String, Tensor> arrays, boolean compressed) throws IOException {
        Shape.requireNonNull("file", file);
        Shape.requireNonNull("arrays", arrays);
        // A snapshot, validated before any byte is written, so a bad entry never costs a partial archive.
        List<Map.Entry<String, Tensor>> entries = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : arrays.entrySet()) {
            if (e.getKey() == null || e.getKey().isEmpty()) {
                throw new IllegalArgumentException("array names must be non-empty, got " + (e.getKey() == null ? "null" : "\"\""));
            }
            Shape.requireNonNull("array '" + e.getKey() + "'", e.getValue());
            entries.add(Map.entry(e.getKey(), e.getValue()));
        }
        AtomicWrite.write(file, out -> {
            ZipOutputStream zip = new ZipOutputStream(out);
            for (Map.Entry<String, Tensor> e : entries) {
                ZipEntry entry = new ZipEntry(e.getKey() + ".npy");
                entry.setTimeLocal(FIXED_TIME);
                if (compressed) {
                    entry.setMethod(ZipEntry.DEFLATED);
                } else {
                    // A stored entry needs its size and CRC up front: one pass to measure, one to write.
                    CrcCounter counter = new CrcCounter();
                    Npy.write(counter, e.getValue(), false);
                    entry.setMethod(ZipEntry.STORED);
                    entry.setSize(counter.count);
                    entry.setCompressedSize(counter.count);
                    entry.setCrc(counter.crc.getValue());
                }
                zip.putNextEntry(entry);
                Npy.write(zip, e.getValue(), false);
                zip.closeEntry();
            }
            zip.finish();
        });
    }

    private static String key(ZipEntry entry, Path file, String name, Map<String, Tensor> seen) throws CorruptFileException {
        String n = entry.getName();
        if (!n.endsWith(".npy") || n.length() == 4) {
            throw new CorruptFileException(file, name, -1, "member '" + n + "' is not a <key>.npy array", null);
        }
        String key = n.substring(0, n.length() - 4);
        if (seen.containsKey(key)) {
            throw new CorruptFileException(file, name, -1, "member '" + n + "' appears twice", null);
        }
        return key;
    }

    private static String member(String archive, ZipEntry entry) {
        return archive + " (member " + entry.getName() + ")";
    }

    /** Discards bytes, keeping their count and CRC-32. */
    private static final class CrcCounter extends OutputStream {
        final CRC32 crc = new CRC32();
        long count;

        @Override
        public void write(int b) {
            crc.update(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            crc.update(b, off, len);
            count += len;
        }
    }
}
