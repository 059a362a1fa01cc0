package io.github.vecprop.net;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class NumericalGradientTest {

    @Test
    void gradientOfSumOfSquaresIsTwiceX() {
        float[] x = {3f, 4f, -0.5f};
        float[] g = NumericalGradient.numericalGradient(v -> v[0] * v[0] + v[1] * v[1] + v[2] * v[2], x);
        assertArrayEquals(new float[] {6f, 8f, -1f}, g, 1e-3f);
        assertArrayEquals(new float[] {3f, 4f, -0.5f}, x, 0f);

        double[] xd = {3, 4, -0.5};
        double[] gd = NumericalGradient.numericalGradient(v -> v[0] * v[0] + v[1] * v[1] + v[2] * v[2], xd);
        assertArrayEquals(new double[] {6, 8, -1}, gd, 1e-8);
    }

    @Test
    void elementsAreRestoredEvenWhenTheLossThrows() {
        float[] x = {1f, 2f};
        assertThrows(IllegalStateException.class, () -> NumericalGradient.numericalGradient(v -> {
            throw new IllegalStateException("boom");
        }, x));
        assertArrayEquals(new float[] {1f, 2f}, x, 0f);
    }

    @Test
    void relativeErrorUsesTheFloor() {
        assertEquals(0.5, NumericalGradient.relativeError(3, 1, 1e-3), 1e-12);
        assertEquals(1e-7 / 1e-3, NumericalGradient.relativeError(1e-7, 0, 1e-3), 1e-12);
    }

    @Test
    void badArguments() {
        assertEquals("step h must be positive and finite, got 0.0", assertThrows(IllegalArgumentException.class,
                () -> NumericalGradient.numericalGradient(v -> 0, new float[1], 0f)).getMessage());
        assertEquals("parameter array is null", assertThrows(IllegalArgumentException.class,
                () -> NumericalGradient.numericalGradient(v -> 0, (float[]) null)).getMessage());
    }
}
