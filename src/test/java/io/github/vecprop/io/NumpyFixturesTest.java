package io.github.vecprop.io;

import io.github.vecprop.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The readers against files written by real NumPy (1.24.2, by {@code scripts/make-numpy-fixtures.py}),
 * not by this project: {@code np.save} of float32, float64, big-endian, 3-d, 0-d and empty arrays, the
 * two files that must be refused (Fortran order, int32), and {@code np.savez} / {@code np.savez_compressed}.
 * Every value in them is {@code (i + 1) / 8 - 1} in C order, exact in float32, except in the 0-d file
 * (2.5) and the int32 one.
 */
class NumpyFixturesTest {
    @TempDir
    Path dir;

    static Path fixture(String name) throws URISyntaxException {
        return Path.of(NumpyFixturesTest.class.getResource("numpy/" + name).toURI());
    }

    static float[] ramp(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (i + 1) / 8f - 1f;
        }
        return v;
    }

    static void assertRamp(Tensor t, int... shape) {
        assertArrayEquals(shape, t.shape().dims(), "shape");
        assertArrayEquals(ramp(t.size()), t.data(), "values");
    }

    @Test
    void readsWhatNumpySaves() throws Exception {
        assertRamp(Npy.read(fixture("f4-2x3.npy")), 2, 3);
        assertRamp(Npy.read(fixture("f8-3x2.npy")), 3, 2);
        assertRamp(Npy.read(fixture("f4-be-4.npy")), 4);
        assertRamp(Npy.read(fixture("f4-2x3x2.npy")), 2, 3, 2);
        Tensor scalar = Npy.read(fixture("f4-scalar.npy"));
        assertArrayEquals(new int[] {1}, scalar.shape().dims());
        assertEquals(2.5f, scalar.data()[0]);
    }

    @Test
    void readsAnEmptyArray() throws Exception {
        Tensor t = Npy.read(fixture("f4-0x3.npy"));
        assertArrayEquals(new int[] {0, 3}, t.shape().dims());
        assertEquals(0, t.data().length);
    }

    @Test
    void refusesFortranOrderAndIntegers() throws Exception {
        CorruptFileException fortran = assertThrows(CorruptFileException.class, () -> Npy.read(fixture("f4-fortran-2x3.npy")));
        assertTrue(fortran.getMessage().contains("f4-fortran-2x3.npy"), fortran.getMessage());
        assertTrue(fortran.getMessage().toLowerCase().contains("fortran"), fortran.getMessage());
        CorruptFileException ints = assertThrows(CorruptFileException.class, () -> Npy.read(fixture("i4-2x3.npy")));
        assertTrue(ints.getMessage().contains("<i4"), ints.getMessage());
    }

    @Test
    void readsSavezAndSavezCompressed() throws Exception {
        for (String name : new String[] {"params.npz", "params-compressed.npz"}) {
            Map<String, Tensor> arrays = Npz.read(fixture(name));
            assertEquals(4, arrays.size(), name);
            assertRamp(arrays.get("W1"), 4, 3);
            assertRamp(arrays.get("b1"), 3);
            assertRamp(arrays.get("W2"), 3, 2);
            assertRamp(arrays.get("b2"), 2);
        }
    }

    @Test
    void writesTheBytesNumpyWrites() throws Exception {
        // np.save of a '<f4' C-order array is byte for byte what Npy.write produces for the same tensor.
        Path mine = dir.resolve("mine.npy");
        Npy.write(mine, Tensor.of(ramp(6), 2, 3));
        assertArrayEquals(Files.readAllBytes(fixture("f4-2x3.npy")), Files.readAllBytes(mine));
        Path mine64 = dir.resolve("mine64.npy");
        Npy.writeFloat64(mine64, Tensor.of(ramp(6), 3, 2));
        assertArrayEquals(Files.readAllBytes(fixture("f8-3x2.npy")), Files.readAllBytes(mine64));
    }

}
