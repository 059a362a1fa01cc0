package io.github.vecprop.io;

import io.github.vecprop.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.AbstractMap;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class ModelFileTest {
    @TempDir
    Path dir;

    static Map<String, Tensor> params() {
        Map<String, Tensor> p = new LinkedHashMap<>();
        p.put("W1", Tensor.of(new float[] {1.5f, -2f, Float.NaN, Float.NEGATIVE_INFINITY, -0f, Float.MIN_VALUE}, 2, 3));
        p.put("b1", Tensor.of(new float[] {0.25f, 3f, 1e-30f}, 3));
        p.put("größe", Tensor.zeros(0, 4));
        return p;
    }

    private Path small() throws IOException {
        Path f = dir.resolve("small.vpm");
        ModelFile.write(f, "mlp 2,3,3", params());
        return f;
    }

    /** Replaces the CRC so a deliberately edited file passes the checksum and reaches the check under test. */
    static byte[] withValidCrc(byte[] b) {
        CRC32C crc = new CRC32C();
        crc.update(b, 0, b.length - 4);
        ByteBuffer.wrap(b).putInt(b.length - 4, (int) crc.getValue());
        return b;
    }

    private CorruptFileException corrupt(byte[] bytes) throws IOException {
        Path f = dir.resolve("bad.vpm");
        Files.write(f, bytes);
        try {
            ModelFile.read(f);
        } catch (CorruptFileException e) {
            assertTrue(e.getMessage().startsWith(f + ": "), e.getMessage());
            assertEquals(f, e.file().orElseThrow());
            return e;
        } catch (Exception e) {
            throw new AssertionError("expected CorruptFileException, got " + e, e);
        }
        return fail("no exception for a corrupt file");
    }

    @Test
    void roundTripKeepsArchitectureOrderShapesAndBits() throws IOException {
        ModelFile.Contents m = ModelFile.read(small());
        assertEquals("mlp 2,3,3", m.architecture());
        assertEquals(List.of("W1", "b1", "größe"), List.copyOf(m.params().keySet()));
        for (var e : params().entrySet()) {
            Tensor back = m.params().get(e.getKey());
            assertEquals(e.getValue().shape(), back.shape(), e.getKey());
            for (int i = 0; i < back.size(); i++) {
                assertEquals(Float.floatToRawIntBits(e.getValue().data()[i]), Float.floatToRawIntBits(back.data()[i]));
            }
        }
        assertThrows(UnsupportedOperationException.class, () -> m.params().put("x", Tensor.zeros(1)));
    }

    @Test
    void layoutIsTheDocumentedByteTable() throws IOException {
        Path f = dir.resolve("one.vpm");
        ModelFile.write(f, "ab", Map.of("w", Tensor.of(new float[] {1f, -2f}, 2)));
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(f));
        byte[] magic = new byte[8];
        b.get(magic);
        assertArrayEquals("VECPROP\0".getBytes(StandardCharsets.US_ASCII), magic);
        assertEquals(ModelFile.VERSION, b.getInt(), "version");
        assertEquals(2, b.getInt(), "architecture length");
        assertEquals('a', b.get());
        assertEquals('b', b.get());
        assertEquals(1, b.getInt(), "tensor count");
        assertEquals(1, b.getInt(), "name length");
        assertEquals('w', b.get());
        assertEquals(1, b.getInt(), "rank");
        assertEquals(2, b.getInt(), "dim 0");
        assertEquals(1f, b.getFloat());
        assertEquals(-2f, b.getFloat());
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, b.position());
        assertEquals((int) crc.getValue(), b.getInt(), "CRC32C of everything before it");
        assertEquals(0, b.remaining());
    }

    @Test
    void truncatedAtEveryOffsetReportsWhereItRanOut() throws IOException {
        byte[] good = Files.readAllBytes(small());
        for (int cut = 0; cut < good.length; cut++) {
            CorruptFileException e = corrupt(Arrays.copyOf(good, cut));
            assertEquals(cut, e.offset(), "cut at " + cut + ": " + e.getMessage());
        }
    }

    @Test
    void everyFlippedByteIsDetected() throws IOException {
        byte[] good = Files.readAllBytes(small());
        for (int i = 0; i < good.length; i++) {
            for (int mask : new int[] {0x01, 0x80, 0xFF}) {
                byte[] bad = good.clone();
                bad[i] ^= (byte) mask;
                corrupt(bad);
            }
        }
    }

    @Test
    void aFlippedDataByteIsCaughtByTheChecksum() throws IOException {
        byte[] good = Files.readAllBytes(small());
        // The last float of b1 (1e-30f): flipping its low mantissa bit leaves a perfectly plausible file.
        int offset = indexOfName(good, "größe") - 4 - 1;
        byte[] bad = good.clone();
        bad[offset] ^= 1;
        CorruptFileException e = corrupt(bad);
        assertEquals(good.length - 4, e.offset(), e.getMessage());
        assertTrue(e.getMessage().contains("checksum mismatch"), e.getMessage());
        // Mutant check: with the checksum recomputed, the same file reads fine and the value really changed.
        Path f = dir.resolve("resigned.vpm");
        Files.write(f, withValidCrc(bad));
        float changed = ModelFile.read(f).params().get("b1").data()[2];
        assertTrue(changed != 1e-30f, "the flipped bit must change the value the checksum protects");
    }

    private static int indexOfName(byte[] file, String name) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i + n.length <= file.length; i++) {
            if (Arrays.equals(file, i, i + n.length, n, 0, n.length)) {
                return i;
            }
        }
        throw new AssertionError(name + " not found");
    }

    @Test
    void wrongMagicUnknownVersionAndTrailingBytes() throws IOException {
        byte[] good = Files.readAllBytes(small());
        byte[] magic = good.clone();
        magic[0] = 'X';
        assertTrue(corrupt(magic).getMessage().contains("not a vecprop model file"));

        byte[] v7 = good.clone();
        ByteBuffer.wrap(v7).putInt(8, 7);
        CorruptFileException e = corrupt(withValidCrc(v7));
        assertEquals(8, e.offset());
        assertTrue(e.getMessage().contains("version 7"), e.getMessage());

        CorruptFileException t = corrupt(Arrays.copyOf(good, good.length + 1));
        assertEquals(good.length, t.offset());
        assertTrue(t.getMessage().contains("trailing"), t.getMessage());
    }

    @Test
    void insaneCountsAreRejectedBeforeAllocating() throws IOException {
        byte[] good = Files.readAllBytes(small());
        int archLength = "mlp 2,3,3".length();
        int countAt = 16 + archLength;
        byte[] count = good.clone();
        ByteBuffer.wrap(count).putInt(countAt, Integer.MAX_VALUE);
        assertEquals(countAt, corrupt(withValidCrc(count)).offset());

        byte[] arch = good.clone();
        ByteBuffer.wrap(arch).putInt(12, 1 << 20);
        // Allowed by the limit but longer than the file: reported where the file runs out.
        assertEquals(good.length, corrupt(withValidCrc(arch)).offset());

        byte[] dim = good.clone();
        int dimAt = indexOfName(good, "W1") + 2 + 4;
        ByteBuffer.wrap(dim).putInt(dimAt, 1 << 28);
        CorruptFileException e = corrupt(withValidCrc(dim));
        assertEquals(good.length, e.offset(), e.getMessage());
        assertTrue(e.getMessage().contains("needs"), e.getMessage());
    }

    @Test
    void duplicateNamesAndBadUtf8AreCorrupt() throws IOException {
        byte[] good = Files.readAllBytes(small());
        byte[] dup = good.clone();
        int b1 = indexOfName(good, "b1");
        dup[b1] = 'W';
        dup[b1 + 1] = '1';
        assertTrue(corrupt(withValidCrc(dup)).getMessage().contains("appears twice"));
        byte[] utf = good.clone();
        utf[b1] = (byte) 0xC3;
        utf[b1 + 1] = (byte) 0x28;
        assertTrue(corrupt(withValidCrc(utf)).getMessage().contains("UTF-8"));
    }

    @Test
    void badArgumentsAreRejectedBeforeWriting() {
        Path f = dir.resolve("args.vpm");
        assertThrows(IllegalArgumentException.class, () -> ModelFile.write(f, null, params()));
        assertThrows(IllegalArgumentException.class, () -> ModelFile.write(f, "a", Map.of("", Tensor.zeros(1))));
        assertThrows(IllegalArgumentException.class, () -> ModelFile.write(f, "a", Map.of("\uD800", Tensor.zeros(1))));
        Map<String, Tensor> nullTensor = new LinkedHashMap<>();
        nullTensor.put("w", null);
        assertThrows(IllegalArgumentException.class, () -> ModelFile.write(f, "a", nullTensor));
        assertTrue(Files.notExists(f));
    }

    /** A map whose iteration fails after the first entry: a caller's map that breaks while being saved. */
    private static Map<String, Tensor> failingAfterFirst() {
        return new AbstractMap<>() {
            @Override
            public Set<Entry<String, Tensor>> entrySet() {
                return new java.util.AbstractSet<>() {
                    @Override
                    public Iterator<Entry<String, Tensor>> iterator() {
                        return new Iterator<>() {
                            int n;

                            @Override
                            public boolean hasNext() {
                                return true;
                            }

                            @Override
                            public Entry<String, Tensor> next() {
                                if (n++ == 0) {
                                    return Map.entry("W1", Tensor.zeros(2, 2));
                                }
                                throw new UncheckedIOException(new IOException("source went away"));
                            }
                        };
                    }

                    @Override
                    public int size() {
                        return 2;
                    }
                };
            }
        };
    }

    @Test
    void aFailedWriteLeavesTheOldFileAndNoTemporaryFile() throws IOException {
        Path f = small();
        byte[] before = Files.readAllBytes(f);
        assertThrows(UncheckedIOException.class, () -> ModelFile.write(f, "other", failingAfterFirst()));
        assertArrayEquals(before, Files.readAllBytes(f));
        assertEquals(List.of(f), listDir());
    }

    @Test
    void atomicWriteCleansUpWhenTheBodyFailsMidway() throws IOException {
        Path f = small();
        byte[] before = Files.readAllBytes(f);
        IOException e = assertThrows(IOException.class, () -> AtomicWrite.write(f, out -> {
            out.write(new byte[100_000]);   // more than the buffer, so the temporary file really has content
            throw new IOException("disk full");
        }));
        assertEquals("disk full", e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(f));
        assertEquals(List.of(f), listDir());
        ModelFile.read(f);
    }

    @Test
    void writingIntoAMissingDirectoryFailsCleanly() {
        Path f = dir.resolve("missing").resolve("m.vpm");
        assertThrows(IOException.class, () -> ModelFile.write(f, "a", params()));
        assertTrue(Files.notExists(f.getParent()));
    }

    @Test
    void overwriteReplacesTheWholeFile() throws IOException {
        Path f = small();
        ModelFile.write(f, "tiny", Map.of("x", Tensor.of(new float[] {9f}, 1)));
        ModelFile.Contents m = ModelFile.read(f);
        assertEquals("tiny", m.architecture());
        assertEquals(List.of("x"), List.copyOf(m.params().keySet()));
        assertEquals(List.of(f), listDir());
    }

    private List<Path> listDir() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> !p.getFileName().toString().equals("bad.vpm")).sorted().toList();
        }
    }
}
