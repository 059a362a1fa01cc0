package io.github.vecprop.io;

import io.github.vecprop.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NpzTest {
    @TempDir
    Path dir;

    static Map<String, Tensor> sample() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("W1", Tensor.gaussian(1, 1f, 4, 3));
        m.put("b1", Tensor.of(new float[] {1, -2, 3}, 3));
        m.put("z", Tensor.zeros(0, 2));
        m.put("x4", Tensor.gaussian(2, 1f, 2, 1, 3, 2));
        return m;
    }

    static void assertSameArrays(Map<String, Tensor> expected, Map<String, Tensor> actual) {
        assertEquals(List.copyOf(expected.keySet()), List.copyOf(actual.keySet()), "keys in order");
        for (String k : expected.keySet()) {
            assertEquals(expected.get(k).shape(), actual.get(k).shape(), k);
            assertArrayEquals(expected.get(k).data(), actual.get(k).data(), k);
        }
    }

    @Test
    void storedAndCompressedRoundTripInOrder() throws IOException {
        Path stored = dir.resolve("s.npz");
        Path compressed = dir.resolve("c.npz");
        Npz.write(stored, sample());
        Npz.writeCompressed(compressed, sample());
        assertSameArrays(sample(), Npz.read(stored));
        assertSameArrays(sample(), Npz.read(compressed));
        try (InputStream in = Files.newInputStream(stored)) {
            assertSameArrays(sample(), Npz.read(in, "s.npz"));
        }
        try (InputStream in = Files.newInputStream(compressed)) {
            assertSameArrays(sample(), Npz.read(in, "c.npz"));
        }
        try (ZipFile s = new ZipFile(stored.toFile()); ZipFile c = new ZipFile(compressed.toFile())) {
            assertEquals(ZipEntry.STORED, s.getEntry("W1.npy").getMethod(), "numpy.savez stores");
            assertEquals(ZipEntry.DEFLATED, c.getEntry("W1.npy").getMethod(), "numpy.savez_compressed deflates");
            // Each member is exactly the .npy NumPy would write for the array.
            ByteArrayOutputStream npy = new ByteArrayOutputStream();
            Npy.write(npy, sample().get("b1"), false);
            assertArrayEquals(npy.toByteArray(), s.getInputStream(s.getEntry("b1.npy")).readAllBytes());
        }
    }

    @Test
    void outputIsReproducible() throws IOException {
        Path a = dir.resolve("a.npz");
        Path b = dir.resolve("b.npz");
        Npz.writeCompressed(a, sample());
        Npz.writeCompressed(b, sample());
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
    }

    private Path zip(String name, Map<String, byte[]> members, boolean deflate) throws IOException {
        Path f = dir.resolve(name);
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(f))) {
            z.setMethod(deflate ? ZipOutputStream.DEFLATED : ZipOutputStream.STORED);
            for (var m : members.entrySet()) {
                ZipEntry e = new ZipEntry(m.getKey());
                if (!deflate) {
                    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
                    crc.update(m.getValue());
                    e.setSize(m.getValue().length);
                    e.setCrc(crc.getValue());
                }
                z.putNextEntry(e);
                z.write(m.getValue());
                z.closeEntry();
            }
        }
        return f;
    }

    @Test
    void errorsNameTheArchiveAndTheMember() throws IOException {
        byte[] good = NpyTest.numpyArange6();
        Map<String, byte[]> members = new LinkedHashMap<>();
        members.put("ok.npy", good);
        members.put("cut.npy", Arrays.copyOf(good, 100));
        for (boolean deflate : new boolean[] {false, true}) {
            Path f = zip("bad" + deflate + ".npz", members, deflate);
            CorruptFileException e = assertThrows(CorruptFileException.class, () -> Npz.read(f));
            assertTrue(e.getMessage().startsWith(f + " (member cut.npy): at byte 100: "), e.getMessage());
            assertEquals(f, e.file().orElseThrow());
            CorruptFileException s = assertThrows(CorruptFileException.class,
                    () -> Npz.read(new ByteArrayInputStream(Files.readAllBytes(f)), "stream.npz"));
            assertTrue(s.getMessage().startsWith("stream.npz (member cut.npy): at byte 100: "), s.getMessage());
        }
    }

    @Test
    void nonArrayMembersAndNonZipFilesAreRejected() throws IOException {
        Path f = zip("txt.npz", Map.of("readme.txt", new byte[] {1}), true);
        assertTrue(assertThrows(CorruptFileException.class, () -> Npz.read(f)).getMessage().contains("readme.txt"));
        Path notZip = dir.resolve("not.npz");
        Files.write(notZip, NpyTest.numpyArange6());
        CorruptFileException e = assertThrows(CorruptFileException.class, () -> Npz.read(notZip));
        assertTrue(e.getMessage().startsWith(notZip + ": "), e.getMessage());
        assertThrows(CorruptFileException.class, () -> Npz.read(new ByteArrayInputStream(NpyTest.numpyArange6()), "not.npz"));
    }

    @Test
    void emptyArchiveRoundTrips() throws IOException {
        Path f = dir.resolve("empty.npz");
        Npz.write(f, Map.of());
        assertTrue(Npz.read(f).isEmpty());
        assertTrue(Npz.read(new ByteArrayInputStream(Files.readAllBytes(f)), "empty.npz").isEmpty());
    }

    @Test
    void badNamesAreRejectedBeforeWriting() {
        Path f = dir.resolve("n.npz");
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("", Tensor.zeros(1));
        assertThrows(IllegalArgumentException.class, () -> Npz.write(f, m));
        Map<String, Tensor> nullTensor = new LinkedHashMap<>();
        nullTensor.put("a", null);
        assertThrows(IllegalArgumentException.class, () -> Npz.write(f, nullTensor));
        assertTrue(Files.notExists(f));
    }
}
