package io.github.vecprop.io;

import io.github.vecprop.tensor.Shape;
import io.github.vecprop.tensor.Tensor;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Reads and writes NumPy {@code .npz} archives: zip files whose members {@code <key>.npy} are
 * {@link Npy} arrays, as written by {@code numpy.savez} (members stored) and
 * {@code numpy.savez_compressed} (members deflated). Both are read; the same rules as {@link Npy}
 * apply to each member (float32/float64, C order, rank 0 to 4, float64 narrowed to float32).
 *
 * <p>Reading is strict ({@link ZipArchive}): the central directory drives it, every member's local
 * header must agree with its directory entry, and every member's CRC-32 and size are checked, so a
 * damaged archive never loads as data (NumPy rejects the same files). Stored, deflated and zip64
 * archives are read; encrypted members and other compression methods are rejected. Errors name the
 * archive and, for a member's contents, the member ({@code "a.npz (member W1.npy): at byte 10: ..."});
 * offsets in a member count from the start of its uncompressed data, offsets in the zip structure
 * from the start of the archive. Memory stays within the {@link ReadLimit} over all members.
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
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return read(ZipArchive.of(channel), file, file.toString(), new ByteInput.Budget());
        }
    }

    /**
     * As {@link #read(Path)}, from a stream (not closed) of a whole archive, named {@code name} in
     * error messages. A zip archive is read from its end, so the stream is first read into memory,
     * as it arrives and within the {@link ReadLimit}.
     */
    public static Map<String, Tensor> read(InputStream in, String name) throws IOException {
        Shape.requireNonNull("input stream", in);
        Shape.requireNonNull("stream name", name);
        ByteInput.Budget budget = new ByteInput.Budget();
        ByteInput bin = new ByteInput(in, null, name, null, -1, budget);
        byte[] bytes = bin.readRest("the archive");
        return read(ZipArchive.of(bytes), null, name, budget);
    }

    private static Map<String, Tensor> read(ZipArchive.Source source, Path file, String name, ByteInput.Budget budget)
            throws IOException {
        ZipArchive zip = new ZipArchive(source, file, name, budget);
        Map<String, Tensor> arrays = new LinkedHashMap<>();
        for (ZipArchive.Member m : zip.members()) {
            if (m.name().endsWith("/") && m.size() == 0) {
                continue;
            }
            String key = key(m.name(), file, name, arrays);
            String member = name + " (member " + m.name() + ")";
            CRC32 crc = new CRC32();
            try (InputStream in = zip.open(m)) {
                // A stored member's size is what the archive holds; a deflated one's is only claimed, so it grows as it inflates.
                ByteInput bin = new ByteInput(in, file, member, crc, m.deflated() ? -1 : m.size(), budget);
                Tensor t = Npy.read(bin);
                if (bin.position() != m.size()) {
                    throw new CorruptFileException(file, member, bin.position(), "the zip directory says the member holds "
                            + m.size() + " bytes, but it holds " + bin.position(), null);
                }
                if (crc.getValue() != m.crc()) {
                    throw new CorruptFileException(file, member, -1, String.format(
                            "CRC-32 mismatch: the zip directory says %08x but the member's data gives %08x", m.crc(), crc.getValue()), null);
                }
                arrays.put(key, t);
            }
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

    private static String key(String n, Path file, String name, Map<String, Tensor> seen) throws CorruptFileException {
        if (!n.endsWith(".npy") || n.length() == 4) {
            throw new CorruptFileException(file, name, -1, "member '" + n + "' is not a <key>.npy array", null);
        }
        String key = n.substring(0, n.length() - 4);
        if (seen.containsKey(key)) {
            throw new CorruptFileException(file, name, -1, "member '" + n + "' appears twice", null);
        }
        return key;
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
