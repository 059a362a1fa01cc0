package io.github.vecprop.tensor;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class TensorTest {

    private static String message(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }

    @Test
    void factoriesAndElementAccessAreRowMajor() {
        Tensor t = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        assertEquals(6f, t.get(1, 2));
        t.set(9f, 0, 1);
        assertEquals(9f, t.data()[1]);
        assertArrayEquals(new float[] {7, 7}, Tensor.filled(7f, 2).data());
        assertEquals(Shape.of(2, 3, 4, 5), Tensor.zeros(2, 3, 4, 5).shape());
        assertEquals(120, Tensor.zeros(2, 3, 4, 5).size());
    }

    @Test
    void reshapeSharesDataAndCopyDoesNot() {
        Tensor t = Tensor.zeros(2, 3);
        Tensor r = t.reshape(3, 2);
        assertSame(t.data(), r.data());
        r.set(5f, 2, 1);
        assertEquals(5f, t.get(1, 2));
        Tensor c = t.copy();
        assertNotSame(t.data(), c.data());
        c.set(1f, 0, 0);
        assertEquals(0f, t.get(0, 0));
    }

    @Test
    void gaussianIsSeededAndHasTheRequestedSpread() {
        Tensor a = Tensor.gaussian(42, 0.5f, 100, 100);
        assertArrayEquals(a.data(), Tensor.gaussian(42, 0.5f, 100, 100).data());
        assertNotEquals(a.get(0, 0), Tensor.gaussian(43, 0.5f, 100, 100).get(0, 0));
        double sum = 0;
        double sq = 0;
        for (float v : a.data()) {
            sum += v;
            sq += v * v;
        }
        double mean = sum / a.size();
        assertEquals(0, mean, 0.02);
        assertEquals(0.5, Math.sqrt(sq / a.size() - mean * mean), 0.02);
    }

    @Test
    void badShapesAndIndicesAreNamed() {
        assertEquals("data has 5 elements but shape [2, 3] needs 6", message(() -> Tensor.of(new float[5], 2, 3)));
        assertEquals("cannot reshape [2, 3] (6 elements) to [4] (4 elements)", message(() -> Tensor.zeros(2, 3).reshape(4)));
        assertEquals("index [2, 0] is out of bounds for shape [2, 3]", message(() -> Tensor.zeros(2, 3).get(2, 0)));
        assertEquals("index [1] does not match the rank of shape [2, 3]", message(() -> Tensor.zeros(2, 3).get(1)));
        assertEquals("shape [1, 1, 1, 1, 1] has rank 5; ranks 1 to 4 are supported", message(() -> Tensor.zeros(1, 1, 1, 1, 1)));
        assertEquals("shape [2, -1] has a negative dimension", message(() -> Tensor.zeros(2, -1)));
        assertEquals("data is null", message(() -> Tensor.of(null, 1)));
        assertEquals("destination has shape [2] but source has shape [3]; they must match",
                message(() -> Tensor.zeros(2).copyFrom(Tensor.zeros(3))));
        assertEquals("shape [65536, 65536] has 4294967296 elements, more than a Java array can hold",
                message(() -> Tensor.zeros(65536, 65536)));
    }
}
