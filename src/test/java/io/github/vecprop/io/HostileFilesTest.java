package io.github.vecprop.io;

import io.github.vecprop.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One example of each class of hostile file the issue names, with the exception, its message and the memory it cost. */
class HostileFilesTest {
    @TempDir
    Path dir;

    @FunctionalInterface
    interface Read {
        Object run() throws IOException;
    }

    /** The exception {@code read} throws, after checking it allocated less than {@code maxBytes}. */
    private static CorruptFileException rejects(long maxBytes, Read read) {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = mx.getCurrentThreadAllocatedBytes();
        CorruptFileException e = assertThrows(CorruptFileException.class, read::run);
        long allocated = mx.getCurrentThreadAllocatedBytes() - before;
        assertTrue(allocated < maxBytes, "allocated " + allocated + " bytes: " + e.getMessage());
        return e;
    }

    private static byte[] idxHeader(int n, int rows, int cols, int dataBytes) {
        return ByteBuffer.allocate(16 + dataBytes).putInt(0x0803).putInt(n).putInt(rows).putInt(cols).array();
    }

    private static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    @Test
    void anIdxHeaderDeclaringTwoBillionImagesCostsOnlyWhatTheFileHolds() throws Exception {
        Path raw = dir.resolve("huge.idx");
        Files.write(raw, idxHeader(2_000_000_000, 28, 28, 4096));
        CorruptFileException e = rejects(1 << 20, () -> Idx.readImages(raw));
        assertEquals(raw + ": at byte 8: IDX dimensions [2000000000, 28] give more elements than a Java array can hold", e.getMessage());
        Files.write(raw, idxHeader(2_000_000_000, 1, 1, 4096));
        e = rejects(1 << 20, () -> Idx.readImages(raw));
        assertEquals(raw + ": at byte 4112: the data ends here, but the IDX data (2000000000 bytes for dimensions"
                + " [2000000000, 1, 1]) needs 2000000000 bytes from byte 16", e.getMessage());
        // Two billion 1 x 1 images fit a Java array: the declared 2 GB (and 8 GB of floats) are never allocated.
        Path gz = dir.resolve("huge.idx.gz");
        Files.write(gz, gzip(idxHeader(2_000_000_000, 1, 1, 4096)));
        long old = ReadLimit.maxBytes();
        try {
            // Without a limit to stop it first, the gzip reader grows its array only as data arrives.
            ReadLimit.setMaxBytes(Long.MAX_VALUE);
            e = rejects(8 << 20, () -> Idx.readImages(gz));
            assertTrue(e.getMessage().startsWith(gz + ": at byte 4112: data ends here, 1999995904 bytes short"), e.getMessage());
            e = rejects(8 << 20, () -> Idx.readImages(new ByteArrayInputStream(Files.readAllBytes(gz)), "a stream"));
            assertTrue(e.getMessage().startsWith("a stream: at byte 4112: data ends here"), e.getMessage());
        } finally {
            ReadLimit.setMaxBytes(old);
        }
    }

    @Test
    void anNpyMemberDeclaringAHugeShapeCostsOnlyWhatTheArchiveHolds() throws Exception {
        byte[] header = Npy.header(io.github.vecprop.tensor.Shape.of(1 << 30), "<f4");
        byte[] member = new byte[header.length + 64];
        System.arraycopy(header, 0, member, 0, header.length);
        for (int method : new int[] {ZipEntry.STORED, ZipEntry.DEFLATED}) {
            Path npz = dir.resolve("huge-" + method + ".npz");
            Files.write(npz, zip(Map.of("W1.npy", member), method));
            CorruptFileException e = rejects(8 << 20, () -> Npz.read(npz));
            assertTrue(e.getMessage().startsWith(npz + " (member W1.npy): at byte "), e.getMessage());
            assertTrue(e.getMessage().contains("the array data (1073741824 elements of <f4)"), e.getMessage());
        }
    }

    @Test
    void aRealPayloadOverTheReadLimitIsACleanError() throws Exception {
        long old = ReadLimit.maxBytes();
        try {
            ReadLimit.setMaxBytes(16 << 20);
            // 8 M pixels inflate to 32 MB of floats from a 10 KB file.
            Path gz = dir.resolve("big.idx.gz");
            Files.write(gz, gzip(idxHeader(8 << 20, 1, 1, 8 << 20)));
            FileTooLargeException e = assertInstanceOf(FileTooLargeException.class, rejects(4 << 20, () -> Idx.readImages(gz)));
            assertEquals(gz + ": at byte 4: the IDX data (8388608 bytes for dimensions [8388608, 1, 1]) as 4-byte values needs"
                    + " 33554432 bytes in memory, over the read limit of 16777216 bytes (io.github.vecprop.io.ReadLimit,"
                    + " -Dvecprop.io.maxBytes)", e.getMessage());

            Path npz = dir.resolve("big.npz");
            Map<String, Tensor> two = new LinkedHashMap<>();
            two.put("W1", Tensor.zeros(3 << 20));
            two.put("W2", Tensor.zeros(3 << 20));
            Npz.writeCompressed(npz, two);
            // W1's 12 MB, once as it inflated in chunks and once assembled: compressed input briefly holds its data twice.
            e = assertInstanceOf(FileTooLargeException.class, rejects(32 << 20, () -> Npz.read(npz)));
            // After W1 and the zip's central directory.
            assertTrue(e.getMessage().startsWith(npz + " (member W2.npy): at byte 10: the array data (3145728 elements of <f4)"
                    + " needs 12582912 bytes in memory after 12583034 already read, over the read limit"), e.getMessage());
        } finally {
            ReadLimit.setMaxBytes(old);
        }
        assertThrows(IllegalArgumentException.class, () -> ReadLimit.setMaxBytes(0));
    }

    @Test
    void aFlippedDataByteInAStoredNpzFailsItsCrc() throws Exception {
        Path npz = dir.resolve("p.npz");
        Npz.write(npz, Map.of("W1", Tensor.of(new float[] {1, 2, 3, 4}, 2, 2)));
        byte[] b = Files.readAllBytes(npz);
        b[indexOf(b, new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'}) + 128 + 5] ^= 1;
        Files.write(npz, b);
        CorruptFileException e = rejects(1 << 20, () -> Npz.read(npz));
        assertTrue(e.getMessage().startsWith(npz + " (member W1.npy): CRC-32 mismatch: the zip directory says "), e.getMessage());
        e = rejects(1 << 20, () -> Npz.read(new ByteArrayInputStream(b), "s.npz"));
        assertTrue(e.getMessage().startsWith("s.npz (member W1.npy): CRC-32 mismatch"), e.getMessage());
    }

    @Test
    void zipStructureEditsAreNamed() throws Exception {
        Map<String, Tensor> arrays = new LinkedHashMap<>();
        arrays.put("W1", Tensor.of(new float[] {1, 2}, 2));
        arrays.put("b1", Tensor.of(new float[] {3}, 1));
        Path npz = dir.resolve("z.npz");
        Npz.write(npz, arrays);
        byte[] valid = Files.readAllBytes(npz);
        int central = indexOf(valid, new byte[] {'P', 'K', 1, 2});

        byte[] renamed = valid.clone();
        renamed[central + 46] = 'X';
        Files.write(npz, renamed);
        assertEquals(npz + ": at byte 30: the local header names member 'W1.npy' but the central directory 'X1.npy'",
                rejects(1 << 20, () -> Npz.read(npz)).getMessage());

        byte[] bzip = valid.clone();
        bzip[central + 10] = 12;
        Files.write(npz, bzip);
        assertEquals(npz + ": at byte " + (central + 10) + ": member 'W1.npy' uses compression method 12; only stored (0)"
                + " and deflated (8) are supported", rejects(1 << 20, () -> Npz.read(npz)).getMessage());

        // A stream that ends before the central directory lost members: it no longer loads as the ones before.
        byte[] cut = java.util.Arrays.copyOf(valid, central);
        assertTrue(rejects(1 << 20, () -> Npz.read(new ByteArrayInputStream(cut), "cut.npz")).getMessage()
                .startsWith("cut.npz: at byte " + central + ": not a zip archive: no end of central directory record"));
    }

    @Test
    void messagesQuoteAtMostAnExcerptOfAHeader() throws Exception {
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': '" + "A".repeat(5000) + "', }";
        byte[] text = (dict + "\n").getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(10 + text.length + 8).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) text.length).put(text);
        Path npy = dir.resolve("long.npy");
        Files.write(npy, b.array());
        CorruptFileException e = rejects(1 << 20, () -> Npy.read(npy));
        assertTrue(e.getMessage().length() < 500 && e.getMessage().contains("characters)"), e.getMessage());
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        for (int i = 0; i + needle.length <= hay.length; i++) {
            if (java.util.Arrays.equals(hay, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        throw new AssertionError("not found");
    }

    private static byte[] zip(Map<String, byte[]> members, int method) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(out)) {
            for (var m : members.entrySet()) {
                ZipEntry e = new ZipEntry(m.getKey());
                e.setMethod(method);
                if (method == ZipEntry.STORED) {
                    CRC32 crc = new CRC32();
                    crc.update(m.getValue());
                    e.setSize(m.getValue().length);
                    e.setCompressedSize(m.getValue().length);
                    e.setCrc(crc.getValue());
                }
                z.putNextEntry(e);
                z.write(m.getValue());
                z.closeEntry();
            }
        }
        return out.toByteArray();
    }
}
