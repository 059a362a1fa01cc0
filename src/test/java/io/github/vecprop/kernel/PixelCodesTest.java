package io.github.vecprop.kernel;

import io.github.vecprop.check.ForwardingKernels;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Packing rows of pixel codes and widening them back, on both kernel implementations, bit for bit. */
class PixelCodesTest {
    /** Row widths around the block and vector boundaries of 4, 8 and 16 lanes, and a Fashion-MNIST image. */
    private static final int[] WIDTHS = {0, 1, 3, 4, 15, 16, 17, 31, 32, 33, 63, 64, 65, 79, 80, 81, 127, 128, 150, 784, 790};
    private static final int[] LANES = {1, 2, 4, 8, 16};

    private static int[] lanesToTry(Kernels k) {
        int[] lanes = Arrays.copyOf(LANES, LANES.length + 1);
        lanes[LANES.length] = k.codeLanes();
        return lanes;
    }

    /** Every code of 0..255 comes back as {@code c / 255f}, with the float division's bits. */
    @Test
    void everyCodeWidensToItsQuotient() {
        everyCodeWidensToItsQuotient(KernelProvider.panama());
        everyCodeWidensToItsQuotient(KernelProvider.scalar());
    }

    private static void everyCodeWidensToItsQuotient(Kernels k) {
        float[] values = new float[256];
        for (int c = 0; c < 256; c++) {
            values[c] = c / 255f;
        }
        for (int lanes : lanesToTry(k)) {
            assertRoundTrip(k, values, 1, 256, lanes);
        }
    }

    /** Random rows of codes at every width and lane count: packed, then widened, they are the rows again. */
    @Test
    void packedRowsWidenToTheirFloats() {
        packedRowsWidenToTheirFloats(KernelProvider.panama());
        packedRowsWidenToTheirFloats(KernelProvider.scalar());
    }

    private static void packedRowsWidenToTheirFloats(Kernels k) {
        SplittableRandom r = new SplittableRandom(17);
        for (int n : WIDTHS) {
            int rows = 3;
            float[] x = new float[rows * n];
            for (int i = 0; i < x.length; i++) {
                x[i] = PixelCodes.value(r.nextInt(4) == 0 ? r.nextInt(256) : 0);
            }
            for (int lanes : lanesToTry(k)) {
                assertRoundTrip(k, x, rows, n, lanes);
            }
        }
    }

    private static void assertRoundTrip(Kernels k, float[] x, int rows, int n, int lanes) {
        int perRow = PixelCodes.intsPerRow(n, lanes);
        int[] codes = new int[2 + rows * perRow];
        Arrays.fill(codes, -1); // pack must clear what it does not set
        assertTrue(PixelCodes.pack(k, x, 0, rows, n, lanes, codes, 2));
        float[] y = new float[1 + rows * n + 1];
        Arrays.fill(y, Float.NaN);
        for (int row = 0; row < rows; row++) {
            k.widenCodes(codes, 2 + row * perRow, lanes, y, 1 + row * n, n);
        }
        String where = k.name() + " n=" + n + " lanes=" + lanes;
        assertArrayEquals(bits(x, 0, rows * n), bits(y, 1, rows * n), where);
        assertTrue(Float.isNaN(y[0]) && Float.isNaN(y[y.length - 1]), "wrote outside its row: " + where);
    }

    private static int[] bits(float[] a, int off, int len) {
        int[] b = new int[len];
        for (int i = 0; i < len; i++) {
            b[i] = Float.floatToRawIntBits(a[off + i]);
        }
        return b;
    }

    /** The layout the class documents: value 4L*k + L*j + i is byte j of int L*k + i. */
    @Test
    void valuesSitWhereTheLayoutSays() {
        int n = 150;
        float[] x = new float[n];
        for (int p = 0; p < n; p++) {
            x[p] = PixelCodes.value(p + 1);
        }
        for (int lanes : new int[] {1, 2, 4, 8, 16, PanamaKernels.lanes()}) {
            int[] codes = new int[PixelCodes.intsPerRow(n, lanes)];
            assertEquals(lanes * ((n + 4 * lanes - 1) / (4 * lanes)), codes.length);
            assertTrue(PixelCodes.pack(KernelProvider.scalar(), x, 0, 1, n, lanes, codes, 0));
            int[] expected = new int[codes.length];
            for (int p = 0; p < n; p++) {
                int k = p / (4 * lanes);
                int j = p % (4 * lanes) / lanes;
                int i = p % lanes;
                expected[lanes * k + i] |= (p + 1) << (8 * j);
            }
            assertArrayEquals(expected, codes, "lanes=" + lanes);
            int[] panama = new int[codes.length];
            assertTrue(PixelCodes.pack(KernelProvider.panama(), x, 0, 1, n, lanes, panama, 0));
            assertArrayEquals(expected, panama, "panama, lanes=" + lanes);
        }
    }

    /** A value that is not c / 255f bit for bit stops the packing, wherever it is. */
    @Test
    void anythingButACodeIsRefused() {
        anythingButACodeIsRefused(KernelProvider.scalar());
        anythingButACodeIsRefused(KernelProvider.panama());
    }

    private static void anythingButACodeIsRefused(Kernels k) {
        float[] notCodes = {-0f, Float.NaN, -1f / 255f, 256f / 255f, 0.5f, Math.nextUp(1f / 255f), Math.nextDown(1f),
                Float.POSITIVE_INFINITY, Float.MIN_VALUE, 1e30f};
        for (int lanes : lanesToTry(k)) {
            int n = 150; // whole blocks, then a partial one, at every lane count tried
            for (float bad : notCodes) {
                for (int at : new int[] {0, 17, 70, 149, 150 + 63, 299}) {
                    float[] x = new float[2 * n];
                    x[at] = bad;
                    assertFalse(PixelCodes.pack(k, x, 0, 2, n, lanes, new int[2 * PixelCodes.intsPerRow(n, lanes)], 0),
                            k.name() + ": " + bad + " at " + at + ", lanes=" + lanes);
                }
            }
        }
        assertTrue(PixelCodes.pack(k, new float[] {0f, 1f, 128f / 255f}, 0, 1, 3, 4, new int[4], 0));
    }

    /** A widening that drops the correction step (the reciprocal's product alone) fails the round trip. */
    @Test
    void catchesAWideningWithoutTheCorrection() {
        Kernels mutant = new ForwardingKernels(KernelProvider.panama()) {
            @Override
            public void widenCodes(int[] codes, int codesOff, int lanes, float[] y, int yOff, int n) {
                super.widenCodes(codes, codesOff, lanes, y, yOff, n);
                for (int p = 0; p < n; p++) {
                    y[yOff + p] = Math.round(y[yOff + p] * 255f) * (1f / 255f);
                }
            }
        };
        assertThrows(AssertionError.class, () -> everyCodeWidensToItsQuotient(mutant));
    }

    /** A packing that takes -0.0 for the code 0 (and nothing else wrongly) fails the refusals. */
    @Test
    void catchesAPackThatTakesMinusZeroForZero() {
        Kernels mutant = new ForwardingKernels(KernelProvider.panama()) {
            @Override
            public boolean packCodes(float[] x, int xOff, int n, int lanes, int[] codes, int codesOff) {
                float[] plusZero = x.clone();
                for (int i = 0; i < plusZero.length; i++) {
                    if (Float.floatToRawIntBits(plusZero[i]) == Float.floatToRawIntBits(-0f)) {
                        plusZero[i] = 0f;
                    }
                }
                return super.packCodes(plusZero, xOff, n, lanes, codes, codesOff);
            }
        };
        AssertionError e = assertThrows(AssertionError.class, () -> anythingButACodeIsRefused(mutant));
        assertTrue(e.getMessage().contains(": -0.0 at"), e.getMessage());
    }

    /** A widening that reads the layout's bytes in the wrong order (j swapped with 3 - j) fails the random rows. */
    @Test
    void catchesAWideningThatSwapsTheBytes() {
        Kernels mutant = new ForwardingKernels(KernelProvider.panama()) {
            @Override
            public void widenCodes(int[] codes, int codesOff, int lanes, float[] y, int yOff, int n) {
                int[] swapped = codes.clone();
                for (int i = codesOff; i < codesOff + PixelCodes.intsPerRow(n, lanes); i++) {
                    swapped[i] = Integer.reverseBytes(codes[i]);
                }
                super.widenCodes(swapped, codesOff, lanes, y, yOff, n);
            }
        };
        assertThrows(AssertionError.class, () -> packedRowsWidenToTheirFloats(mutant));
    }

    /** The batch gather widens the rows it is asked for, in its order, at their place in y. */
    @Test
    void gatherWidensTheRowsAskedFor() {
        int n = 150;
        SplittableRandom r = new SplittableRandom(5);
        float[] x = new float[4 * n];
        for (int i = 0; i < x.length; i++) {
            x[i] = PixelCodes.value(r.nextInt(256));
        }
        for (Kernels k : new Kernels[] {KernelProvider.scalar(), KernelProvider.panama()}) {
            int lanes = k.codeLanes();
            int[] codes = new int[4 * PixelCodes.intsPerRow(n, lanes)];
            assertTrue(PixelCodes.pack(k, x, 0, 4, n, lanes, codes, 0));
            int[] rows = {9, 2, 0, 3, 9};
            float[] y = new float[1 + 3 * n];
            PixelCodes.gather(k, codes, lanes, n, rows, 1, 3, y, 1);
            for (int out = 0; out < 3; out++) {
                int row = rows[1 + out];
                assertArrayEquals(bits(x, row * n, n), bits(y, 1 + out * n, n), k.name() + " row " + row);
            }
            assertEquals("row 9 (ints [" + 9 * codes.length / 4 + ", " + 10 * codes.length / 4 + ")) is outside codes of length "
                    + codes.length, assertThrows(IllegalArgumentException.class,
                    () -> PixelCodes.gather(k, codes, lanes, n, rows, 0, 2, new float[2 * n], 0)).getMessage());
            assertEquals("y: elements [1, " + (1 + 3 * n) + ") are outside its array of length " + 3 * n,
                    assertThrows(IllegalArgumentException.class,
                            () -> PixelCodes.gather(k, codes, lanes, n, rows, 1, 3, new float[3 * n], 1)).getMessage());
            assertEquals("rows: elements [3, 6) are outside its array of length 5", assertThrows(IllegalArgumentException.class,
                    () -> PixelCodes.gather(k, codes, lanes, n, rows, 3, 3, new float[3 * n], 0)).getMessage());
        }
    }

    @Test
    void badArgumentsAreNamed() {
        assertEquals("pixel codes need n >= 0 and 1 <= lanes <= 1048576, got n=5, lanes=0",
                assertThrows(IllegalArgumentException.class, () -> PixelCodes.intsPerRow(5, 0)).getMessage());
        assertEquals("pixel codes need n >= 0 and 1 <= lanes <= 1048576, got n=-1, lanes=4",
                assertThrows(IllegalArgumentException.class, () -> PixelCodes.intsPerRow(-1, 4)).getMessage());
        assertEquals("pixel codes need n >= 0 and 1 <= lanes <= 1048576, got n=1073741824, lanes=1073741824",
                assertThrows(IllegalArgumentException.class, () -> KernelProvider.panama().packCodes(new float[0], 0, 1 << 30,
                        1 << 30, new int[0], 0)).getMessage());
        assertEquals("codes: elements [0, 8) are outside its array of length 7",
                assertThrows(IllegalArgumentException.class,
                        () -> PixelCodes.pack(KernelProvider.panama(), new float[20], 0, 2, 10, 4, new int[7], 0)).getMessage());
        assertEquals("x: elements [0, 20) are outside its array of length 19",
                assertThrows(IllegalArgumentException.class,
                        () -> PixelCodes.pack(KernelProvider.panama(), new float[19], 0, 2, 10, 4, new int[8], 0)).getMessage());
        for (Kernels k : new Kernels[] {KernelProvider.scalar(), KernelProvider.panama()}) {
            assertEquals("codes: elements [1, 17) are outside its array of length 16",
                    assertThrows(IllegalArgumentException.class,
                            () -> k.widenCodes(new int[16], 1, 16, new float[64], 0, 64)).getMessage(), k.name());
            assertEquals("y: elements [1, 65) are outside its array of length 64",
                    assertThrows(IllegalArgumentException.class,
                            () -> k.widenCodes(new int[16], 0, 16, new float[64], 1, 64)).getMessage(), k.name());
            assertEquals("pixel codes need n >= 0 and 1 <= lanes <= 1048576, got n=4, lanes=0",
                    assertThrows(IllegalArgumentException.class,
                            () -> k.widenCodes(new int[16], 0, 0, new float[64], 0, 4)).getMessage(), k.name());
        }
    }
}
