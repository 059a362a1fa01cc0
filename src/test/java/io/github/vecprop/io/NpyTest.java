package io.github.vecprop.io;

import io.github.vecprop.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NpyTest {
    @TempDir
    Path dir;

    /**
     * The bytes NumPy 1.x's {@code np.save} writes for {@code np.arange(6, dtype='<f4').reshape(2, 3)},
     * spelled out: magic, version 1.0, header length 118 (little-endian), the dict, 58 spaces and
     * '\n' so that 10 + 118 = 128 is a multiple of 64, then six little-endian floats.
     */
    static byte[] numpyArange6() {
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
        assertEquals(59, dict.length());
        String header = dict + " ".repeat(58) + "\n";
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 118, 0});
        b.writeBytes(header.getBytes(StandardCharsets.US_ASCII));
        b.writeBytes(new byte[] {
            0, 0, 0, 0, 0, 0, (byte) 0x80, 0x3f, 0, 0, 0, 0x40, 0, 0, 0x40, 0x40, 0, 0, (byte) 0x80, 0x40, 0, 0, (byte) 0xa0, 0x40});
        return b.toByteArray();
    }

    /** A .npy file with the given version, header text (padded to 64 bytes) and data. */
    static byte[] npy(int major, String dict, byte[] data) {
        int lengthBytes = major == 1 ? 2 : 4;
        int unpadded = 6 + 2 + lengthBytes + dict.length() + 1;
        String header = dict + " ".repeat((64 - unpadded % 64) % 64) + "\n";
        byte[] text = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + lengthBytes + text.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        if (major == 1) {
            b.putShort((short) text.length);
        } else {
            b.putInt(text.length);
        }
        return b.put(text).put(data).array();
    }

    static byte[] floats(ByteOrder order, float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(order);
        for (float x : v) {
            b.putFloat(x);
        }
        return b.array();
    }

    static byte[] doubles(ByteOrder order, double... v) {
        ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(order);
        for (double x : v) {
            b.putDouble(x);
        }
        return b.array();
    }

    private Tensor read(byte[] bytes) throws IOException {
        Path f = dir.resolve("a.npy");
        Files.write(f, bytes);
        return Npy.read(f);
    }

    private CorruptFileException corrupt(byte[] bytes) throws IOException {
        Path f = dir.resolve("bad.npy");
        Files.write(f, bytes);
        CorruptFileException e = assertThrows(CorruptFileException.class, () -> Npy.read(f));
        assertTrue(e.getMessage().startsWith(f + ": "), e.getMessage());
        return e;
    }

    @Test
    void readsNumPy1BytesExactly() throws IOException {
        byte[] bytes = numpyArange6();
        assertEquals(128 + 24, bytes.length);
        Tensor t = read(bytes);
        assertTrue(t.shape().is(2, 3), t.shape().toString());
        assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, t.data());
    }

    @Test
    void writesWhatNumPy1Writes() throws IOException {
        Path f = dir.resolve("w.npy");
        Npy.write(f, Tensor.of(new float[] {0, 1, 2, 3, 4, 5}, 2, 3));
        assertArrayEquals(numpyArange6(), Files.readAllBytes(f));
    }

    @Test
    void headerOfRankOneUsesPythonOneTupleAndIsAligned() {
        byte[] h = Npy.header(io.github.vecprop.tensor.Shape.of(5), "<f4");
        assertEquals(0, h.length % 64);
        String text = new String(h, 10, h.length - 10, StandardCharsets.US_ASCII);
        assertTrue(text.startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }"), text);
        assertTrue(text.endsWith(" \n"), text);
    }

    @Test
    void float64IsNarrowedToFloat32() throws IOException {
        Tensor t = read(npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (4,), }",
                doubles(ByteOrder.LITTLE_ENDIAN, 0.1, -2.5, 1e300, 1e-50)));
        assertTrue(t.shape().is(4));
        assertArrayEquals(new float[] {0.1f, -2.5f, Float.POSITIVE_INFINITY, 0f}, t.data());
    }

    @Test
    void bigEndianDtypesAreRead() throws IOException {
        assertArrayEquals(new float[] {1.5f, -3f}, read(npy(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }",
                floats(ByteOrder.BIG_ENDIAN, 1.5f, -3f))).data());
        assertArrayEquals(new float[] {1.5f, -3f}, read(npy(1, "{'descr': '>f8', 'fortran_order': False, 'shape': (2,), }",
                doubles(ByteOrder.BIG_ENDIAN, 1.5, -3))).data());
    }

    @Test
    void versions2And3HaveFourByteHeaderLengths() throws IOException {
        for (int major = 2; major <= 3; major++) {
            Tensor t = read(npy(major, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 1, 1), }",
                    floats(ByteOrder.LITTLE_ENDIAN, 7f, 8f)));
            assertTrue(t.shape().is(1, 2, 1, 1), t.shape().toString());
            assertArrayEquals(new float[] {7f, 8f}, t.data());
        }
    }

    @Test
    void zeroDimensionalArrayBecomesShapeOne() throws IOException {
        Tensor t = read(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", floats(ByteOrder.LITTLE_ENDIAN, 42f)));
        assertTrue(t.shape().is(1), t.shape().toString());
        assertEquals(42f, t.data()[0]);
    }

    @Test
    void emptyArraysKeepTheirShape() throws IOException {
        Tensor t = read(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 3), }", new byte[0]));
        assertTrue(t.shape().is(0, 3), t.shape().toString());
    }

    @Test
    void headerParsingToleratesPythonSpellings() throws IOException {
        // Key order, double quotes, Python 2 long suffixes, no trailing comma, odd spacing.
        Tensor t = read(npy(1, "{ \"shape\" :(2L,1L) ,'fortran_order':False,'descr':'<f4'}", floats(ByteOrder.LITTLE_ENDIAN, 1f, 2f)));
        assertTrue(t.shape().is(2, 1), t.shape().toString());
    }

    @Test
    void fortranOrderIsRejectedNamingTheFile() throws IOException {
        CorruptFileException e = corrupt(npy(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }",
                floats(ByteOrder.LITTLE_ENDIAN, 1, 2, 3, 4, 5, 6)));
        assertTrue(e.getMessage().contains("Fortran"), e.getMessage());
        assertTrue(e.file().isPresent());
    }

    @Test
    void fortranOrderWithOneNonTrivialAxisIsTheSameLayout() throws IOException {
        Tensor t = read(npy(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (1, 3), }", floats(ByteOrder.LITTLE_ENDIAN, 1, 2, 3)));
        assertArrayEquals(new float[] {1, 2, 3}, t.data());
    }

    @Test
    void unsupportedDtypesAreNamed() throws IOException {
        for (String dtype : new String[] {"<i8", "|u1", "<f2", "<c8"}) {
            CorruptFileException e = corrupt(npy(1, "{'descr': '" + dtype + "', 'fortran_order': False, 'shape': (1,), }", new byte[8]));
            assertTrue(e.getMessage().contains("unsupported dtype '" + dtype + "'"), e.getMessage());
        }
        CorruptFileException e = corrupt(npy(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", new byte[4]));
        assertTrue(e.getMessage().contains("structured"), e.getMessage());
    }

    @Test
    void malformedFilesAreRejectedClearly() throws IOException {
        assertTrue(corrupt("not numpy at all".getBytes(StandardCharsets.US_ASCII)).getMessage().contains("\\x93NUMPY"));
        assertTrue(corrupt(npy(4, "{}", new byte[0])).getMessage().contains("version 4.0"));
        assertTrue(corrupt(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1, 1, 1), }", new byte[4]))
                .getMessage().contains("rank 5"));
        assertTrue(corrupt(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", new byte[4]))
                .getMessage().contains("non-negative"));
        assertTrue(corrupt(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (65536, 65536), }", new byte[4]))
                .getMessage().contains("more elements"));
        assertTrue(corrupt(npy(1, "{'descr': '<f4', 'shape': (1,), }", new byte[4])).getMessage().contains("'fortran_order'"));
        assertTrue(corrupt(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}", new byte[4]))
                .getMessage().contains("keys other than"));
        assertTrue(corrupt(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,", new byte[4]))
                .getMessage().contains("cannot parse"));
        assertTrue(corrupt(npy(1, "{'descr': '<f4', 'fortran_order': Maybe, 'shape': (1,)}", new byte[4]))
                .getMessage().contains("cannot parse"));
        assertTrue(corrupt(npy(1, "[1, 2]", new byte[4])).getMessage().contains("not a dict"));
        assertTrue(corrupt(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)} junk", new byte[4]))
                .getMessage().contains("after the header"));
    }

    @Test
    void truncatedAtEveryOffsetReportsWhereTheDataRanOut() throws IOException {
        byte[] good = numpyArange6();
        for (int cut = 0; cut < good.length; cut++) {
            CorruptFileException e = corrupt(Arrays.copyOf(good, cut));
            assertEquals(cut, e.offset(), e.getMessage());
        }
    }

    @Test
    void trailingBytesAreAnError() throws IOException {
        byte[] good = numpyArange6();
        CorruptFileException e = corrupt(Arrays.copyOf(good, good.length + 4));
        assertEquals(good.length, e.offset());
        assertTrue(e.getMessage().contains("trailing"), e.getMessage());
    }

    @Test
    void float64RoundTripAndStreams() throws IOException {
        Tensor t = Tensor.of(new float[] {Float.MIN_VALUE, -0f, Float.MAX_VALUE, Float.NaN, 1f / 3}, 5, 1);
        Path f = dir.resolve("d.npy");
        Npy.writeFloat64(f, t);
        String header = new String(Files.readAllBytes(f), 10, 40, StandardCharsets.US_ASCII);
        assertTrue(header.contains("'<f8'"), header);
        Tensor back = Npy.read(f);
        assertTrue(back.shape().is(5, 1));
        for (int i = 0; i < t.size(); i++) {
            assertEquals(Float.floatToIntBits(t.data()[i]), Float.floatToIntBits(back.data()[i]), "element " + i);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Npy.write(out, t, false);
        Tensor fromStream = Npy.read(new ByteArrayInputStream(out.toByteArray()), "mem");
        assertArrayEquals(t.data(), fromStream.data());
        CorruptFileException e = assertThrows(CorruptFileException.class,
                () -> Npy.read(new ByteArrayInputStream(Arrays.copyOf(out.toByteArray(), 20)), "mem"));
        assertTrue(e.getMessage().startsWith("mem: at byte 20: "), e.getMessage());
    }
}
