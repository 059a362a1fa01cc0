package io.github.vecprop.kernel;

import io.github.vecprop.check.Allocations;
import io.github.vecprop.check.Properties;
import io.github.vecprop.check.Sizes;
import io.github.vecprop.check.TestData;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Kernels#dense} on prepacked weights against the scalar kernels' gemm then addBias on the plain
 * ones: within float rounding of the products' magnitudes for every shape (widths across the vector, 3-vector
 * block and dot-column boundaries, one to twelve rows, odd K), the same bits on every call, nothing written
 * outside y, named errors. Rows that skip their zero inputs give the bits of the full sweep, and a NaN or
 * infinite weight still meets its zero input. Planted bugs in the served path are caught.
 */
class DenseProperties {
    private static final Kernels SCALAR = KernelProvider.scalar();

    /** Checks {@code kernels.dense} on one random problem; {@code (in, out, rows)} from the generators. */
    private static void denseMatchesGemm(Kernels kernels, int in, int out, int rows, long seed) {
        float[] w = TestData.uniform(seed, in * out, -1f, 1f);
        float[] b = TestData.uniform(seed + 1, out, -1f, 1f);
        float[] x = TestData.uniform(seed + 2, 5 + rows * in, -1f, 1f);
        if (seed % 2 == 0) { // half the problems with zero inputs, as images and ReLU outputs have
            zeroSome(x, seed, (seed >>> 1) % 10 / 10.0);
        }
        DenseWeights packed = kernels.packDense(w, 0, in, out, b, 0);
        Arrays.fill(w, Float.NaN); // the packed copy owns its data
        float[] y = new float[3 + rows * out + 4];
        Arrays.fill(y, -7f);
        kernels.dense(packed, x, 5, y, 3, rows);
        float[] again = y.clone();
        kernels.dense(packed, x, 5, again, 3, rows);
        assertArrayEquals(y, again, "the same bits on every call");
        float[] w0 = TestData.uniform(seed, in * out, -1f, 1f);
        float[] ref = new float[rows * out];
        SCALAR.gemm(false, false, rows, out, in, 1f, x, 5, in, w0, 0, out, 0f, ref, 0, out);
        SCALAR.addBias(ref, 0, rows, out, b, 0);
        for (int i = 0; i < 3; i++) {
            assertTrue(y[i] == -7f, "nothing written before y");
        }
        for (int i = 3 + rows * out; i < y.length; i++) {
            assertTrue(y[i] == -7f, "nothing written after y, at " + i);
        }
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < out; j++) {
                double scale = 1; // |b| <= 1 plus the sum of |x * w| over K
                for (int p = 0; p < in; p++) {
                    scale += Math.abs(x[5 + r * in + p] * w0[p * out + j]);
                }
                float got = y[3 + r * out + j];
                float want = ref[r * out + j];
                if (!(Math.abs(got - want) <= 4 * in * Math.ulp(1f) * scale)) {
                    throw new AssertionError(in + " x " + out + ", " + rows + " rows: y[" + r + ", " + j + "] = " + got
                            + " but gemm gives " + want);
                }
            }
        }
    }

    /** Sets each element of x to zero (+0 or -0) with probability {@code share}. */
    private static void zeroSome(float[] x, long seed, double share) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        for (int i = 0; i < x.length; i++) {
            if (r.nextDouble() < share) {
                x[i] = r.nextBoolean() ? 0f : -0f;
            }
        }
    }

    /**
     * One to four rows of {@code in} inputs, a random share of them zero, through {@link PanamaDense#multiply}
     * with skipping forced (at any density, all inputs nonzero included) and without: the same bits.
     * {@code drop} plants a bug outside the kernel, one nonzero input of row 0 hidden from the skipping call,
     * to show the comparison sees a single input's difference (bugs planted in the chains by hand were
     * caught too).
     */
    private static void skippingKeepsTheBits(int in, int out, int rows, long seed, boolean drop) {
        float[] w = TestData.uniform(seed, in * out, -1f, 1f);
        float[] bias = new float[PanamaDense.biasLength(out)];
        System.arraycopy(TestData.uniform(seed + 1, out, -1f, 1f), 0, bias, 0, out);
        float[] bp = PanamaDense.pack(w, 0, in, out);
        float[] x = TestData.uniform(seed + 2, rows * in, -1f, 1f);
        zeroSome(x, seed, (seed >>> 3) % 10 / 10.0); // 0 to 90% of the inputs zero
        float[] full = new float[rows * out];
        float[] skipped = new float[rows * out];
        PanamaDense.RowBlocks blocks = PanamaDense.RowBlocks.of(bp, in, out);
        PanamaDense.multiply(rows, out, in, x, 0, in, bp, blocks, bias, -1.0, full, 0, out);
        if (drop) {
            for (int p = in - 1; p >= 0; p--) {
                if (x[p] != 0f) {
                    x[p] = 0f;
                    break;
                }
            }
        }
        PanamaDense.multiply(rows, out, in, x, 0, in, bp, blocks, bias, 1.0, skipped, 0, out);
        for (int i = 0; i < full.length; i++) {
            if (Float.floatToRawIntBits(full[i]) != Float.floatToRawIntBits(skipped[i])) {
                throw new AssertionError(in + " x " + out + ", " + rows + " rows: y[" + i / out + ", " + i % out
                        + "] is " + skipped[i] + " skipping zero inputs, " + full[i] + " without");
            }
        }
    }

    private static void skippingShapes(boolean drop) {
        Properties.qt().forAll(Sizes.between(1, 200), Sizes.between(1, 70), Sizes.between(1, 4), Sizes.seeds())
                .checkAssert((in, out, rows, seed) -> skippingKeepsTheBits(in, out, rows, seed, drop));
    }

    @Test
    void skippingZeroInputsKeepsEveryBit() {
        assumeSimd();
        skippingShapes(false);
        for (int out : new int[] {10, 16, 48, 50, 64, 128, 256}) {
            for (long seed = 0; seed < 8; seed++) {
                skippingKeepsTheBits(784, out, 1, seed * 977 + out, false);
            }
        }
    }

    @Test
    void catchesASkipThatDropsANonzeroInput() {
        assumeSimd();
        assertThrows(AssertionError.class, () -> skippingShapes(true));
    }

    @Test
    void aNonFiniteWeightStillMeetsItsZeroInput() {
        Kernels k = KernelProvider.get();
        int in = 784, out = 50;
        for (float bad : new float[] {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN}) {
            float[] w = TestData.uniform(5, in * out, -1f, 1f);
            w[300 * out + 7] = bad;
            float[] x = TestData.uniform(6, in, 0f, 1f);
            zeroSome(x, 7, 0.8); // sparse enough to skip, were every weight finite
            x[300] = 0f;
            float[] y = new float[out];
            k.dense(k.packDense(w, 0, in, out, new float[out], 0), x, 0, y, 0, 1);
            assertTrue(Float.isNaN(y[7]), "0 * " + bad + " is NaN, so y[7] is, not " + y[7]);
            assertTrue(Float.isFinite(y[8]), "the other columns stay finite: " + y[8]);
        }
    }

    @Test
    void theSkipGateLooksAtTheDensestChain() {
        float[] x = new float[784];
        assertEquals(0.0, PanamaDense.longestChainDensity(784, x, 0, 4));
        java.util.Arrays.fill(x, 588, 784, 1f); // a quarter of the inputs nonzero, all in the last quarter of K
        assertEquals(1.0, PanamaDense.longestChainDensity(784, x, 0, 4), "quarters");
        assertEquals(0.5, PanamaDense.longestChainDensity(784, x, 0, 2), "halves");
        // Whatever a layer's chains, its densest one is at least half nonzero here, though the row is 1/4.
        for (int n : new int[] {10, 50, 256}) {
            assertTrue(!PanamaDense.skips(784, n, x, 0, 0.4), n + " columns: a row skips on its densest chain");
        }
        x[0] = 1f; // one input in the first quarter: the densest quarter is still full
        assertTrue(PanamaDense.skips(784, 50, x, 0, 1.0));
        java.util.Arrays.fill(x, 1f);
        assertEquals(1.0, PanamaDense.longestChainDensity(3, x, 0, 4), "fewer inputs than chains");
    }

    @Test
    void onlyFiniteWeightsAndNoNegativeZeroBiasAllowSkipping() {
        Kernels k = KernelProvider.get();
        float[] w = TestData.uniform(9, 6, -1f, 1f);
        assertTrue(k.packDense(w, 0, 2, 3, new float[] {0f, 1f, -2f}, 0).zerosSkippable);
        assertTrue(!k.packDense(w, 0, 2, 3, new float[] {0f, -0f, 1f}, 0).zerosSkippable,
                "a -0 bias keeps the full sweep");
        w[4] = Float.POSITIVE_INFINITY;
        assertTrue(!k.packDense(w, 0, 2, 3, new float[3], 0).zerosSkippable, "an infinite weight keeps the full sweep");
    }

    @Test
    void aNaNInputIsNotSkipped() {
        Kernels k = KernelProvider.get();
        float[] x = new float[784];
        x[500] = Float.NaN;
        float[] y = new float[50];
        k.dense(k.packDense(TestData.uniform(8, 784 * 50, -1f, 1f), 0, 784, 50, new float[50], 0), x, 0, y, 0, 1);
        for (float v : y) {
            assertTrue(Float.isNaN(v), "a NaN input makes every output NaN, not " + v);
        }
    }

    private static void assumeSimd() {
        org.junit.jupiter.api.Assumptions.assumeTrue(KernelProvider.get() != SCALAR, "the SIMD kernels are in use");
    }

    private static void allShapes(Kernels kernels) {
        Properties.qt().forAll(Sizes.between(1, 120), Sizes.between(1, 70), Sizes.between(1, 12), Sizes.seeds())
                .checkAssert((in, out, rows, seed) -> denseMatchesGemm(kernels, in, out, rows, seed));
    }

    @Test
    void denseMatchesGemmOnEveryShape() {
        allShapes(KernelProvider.get());
        for (int out : new int[] {10, 16, 18, 32, 47, 48, 50, 52, 64, 96, 256}) {
            for (int rows : new int[] {1, 4, 5, 100}) {
                denseMatchesGemm(KernelProvider.get(), 784, out, rows, out * 31L + rows);
            }
        }
    }

    /**
     * {@code served.dense} of {@code rows} rows against {@code gemm.gemm} then {@code gemm.addBias} on the plain
     * weights, bit for bit; throws {@link AssertionError} naming the first element that differs.
     */
    private static void denseHasGemmBits(Kernels served, Kernels gemm, int in, int out, int rows, long seed) {
        float[] w = TestData.uniform(seed, in * out, -1f, 1f);
        float[] b = TestData.uniform(seed + 1, out, -1f, 1f);
        float[] x = TestData.uniform(seed + 2, rows * in, -1f, 1f);
        float[] y = new float[rows * out];
        served.dense(served.packDense(w, 0, in, out, b, 0), x, 0, y, 0, rows);
        float[] want = new float[rows * out];
        gemm.gemm(false, false, rows, out, in, 1f, x, 0, in, w, 0, out, 0f, want, 0, out);
        gemm.addBias(want, 0, rows, out, b, 0);
        for (int i = 0; i < y.length; i++) {
            if (Float.floatToRawIntBits(y[i]) != Float.floatToRawIntBits(want[i])) {
                throw new AssertionError(in + " x " + out + ", " + rows + " rows: y[" + i / out + ", " + i % out + "] = "
                        + y[i] + " but gemm and addBias give " + want[i]);
            }
        }
    }

    /**
     * From five rows on a served layer runs the GEMM's kernels on the GEMM's panels and thin columns, so a
     * compiled model's batch has the training net's bits for the same weights; except where gemm sums K in
     * two halves (PanamaGemm.splitsK, on any thread count), which the served path does not.
     */
    @Test
    void fiveRowsOrMoreHaveTheGemmsBits() {
        assumeSimd();
        Kernels k = KernelProvider.get();
        for (int in : new int[] {1, 7, 100, 300, 784}) {
            for (int out : new int[] {9, 10, 16, 17, 18, 20, 21, 40, 48, 50, 52, 64, 100, 256}) {
                for (int rows : new int[] {5, 8, 13, 100}) {
                    if (PanamaGemm.splitsK(false, rows, out, in)) {
                        continue;
                    }
                    denseHasGemmBits(k, k, in, out, rows, in * 1009L + out * 31L + rows);
                }
            }
        }
        // The comparison sees a product summed in another order: the scalar GEMM's.
        assertThrows(AssertionError.class, () -> denseHasGemmBits(k, SCALAR, 784, 40, 13, 1));
    }

    @Test
    void catchesAServedLayerThatLosesAColumn() {
        Kernels mutant = new io.github.vecprop.check.ForwardingKernels(KernelProvider.get()) {
            @Override
            public void dense(DenseWeights weights, float[] x, int xOff, float[] y, int yOff, int n) {
                super.dense(weights, x, xOff, y, yOff, n);
                int out = weights.outputWidth();
                if (out > 1) { // the last column left at its bias only, as a kernel that skipped a dot column would
                    for (int r = 0; r < n; r++) {
                        y[yOff + r * out + out - 1] = 0f;
                    }
                }
            }
        };
        assertThrows(AssertionError.class, () -> allShapes(mutant));
    }

    @Test
    void aServedLayerAllocatesNothingOnceCompiled() {
        Kernels k = KernelProvider.get();
        DenseWeights one = k.packDense(TestData.uniform(1, 784 * 50, -1f, 1f), 0, 784, 50, new float[50], 0);
        DenseWeights ten = k.packDense(TestData.uniform(2, 50 * 10, -1f, 1f), 0, 50, 10, new float[10], 0);
        float[] x = TestData.uniform(3, 100 * 784, 0f, 1f);
        zeroSome(x, 4, 0.8); // rows that skip their zero inputs
        float[] dense = TestData.uniform(5, 784, 0.5f, 1f); // and a row without zeros, swept in full
        float[] h = new float[100 * 50];
        float[] y = new float[100 * 10];
        long allocated = Allocations.onceSteady(() -> {
            for (int i = 0; i < 200; i++) {
                k.dense(one, x, 0, h, 0, 1);
                k.dense(one, dense, 0, h, 0, 1);
                k.dense(ten, h, 0, y, 0, 1);
                k.dense(one, x, 0, h, 0, 100);
                k.dense(ten, h, 0, y, 0, 100);
            }
        }, 1);
        assertEquals(0, allocated, "bytes in 1000 served layer calls");
    }

    @Test
    void badCallsNameWhatIsWrong() {
        Kernels k = KernelProvider.get();
        DenseWeights d = k.packDense(new float[6], 0, 2, 3, new float[3], 0);
        assertThrows(IllegalArgumentException.class, () -> k.packDense(new float[5], 0, 2, 3, new float[3], 0));
        assertThrows(IllegalArgumentException.class, () -> k.packDense(new float[6], 0, 0, 3, new float[3], 0));
        assertThrows(IllegalArgumentException.class, () -> k.dense(d, new float[3], 0, new float[6], 0, 2));
        float[] same = new float[20];
        assertThrows(IllegalArgumentException.class, () -> k.dense(d, same, 0, same, 2, 2));
        Kernels other = SCALAR;
        if (k == SCALAR) {
            try {
                other = KernelProvider.panama();
            } catch (IllegalStateException noSimd) {
                return;
            }
        }
        Kernels foreign = other;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> foreign.dense(d, new float[4], 0, new float[6], 0, 2));
        assertTrue(e.getMessage().contains("packed by the"), e.getMessage());
    }
}
