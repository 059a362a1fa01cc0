package io.github.vecprop.kernel;

import io.github.vecprop.check.ForwardingKernels;
import io.github.vecprop.check.Properties;
import io.github.vecprop.check.Sizes;
import io.github.vecprop.check.TestData;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Every SIMD kernel against its scalar twin on sizes around the vector length (0, 1, lanes - 1,
 * lanes, lanes + 1, primes), at random offsets into larger arrays. Elementwise kernels whose twin
 * does the same float operations must match exactly; kernels that use a vector exp or log, or that
 * reduce in another order, match within a tolerance that grows with the reduction length. Elements
 * outside the addressed range must be left untouched. gemm has its own, deeper properties in
 * {@link GemmProperties}.
 */
class KernelProperties {
    private static final Kernels SCALAR = ScalarKernels.INSTANCE;
    private static final Gen<Integer> OFFSETS = Generate.range(0, 7);

    /** Calls one kernel on {@code (input arrays, output array)}. */
    private interface Call {
        void run(Kernels k, float[] out);
    }

    /** Runs {@code call} on both kernels with outputs pre-filled with the same garbage, then compares. */
    private static void compare(String what, Kernels candidate, int outLength, double tolerance, Call call) {
        float[] expected = new float[outLength];
        Arrays.fill(expected, -12345f);
        float[] actual = expected.clone();
        call.run(SCALAR, expected);
        call.run(candidate, actual);
        for (int i = 0; i < outLength; i++) {
            if (!(Math.abs(actual[i] - expected[i]) <= tolerance) && !(Float.compare(actual[i], expected[i]) == 0)) {
                throw new AssertionError(what + " on " + candidate.name() + ": element " + i + " is " + actual[i]
                        + ", scalar twin gives " + expected[i] + " (tolerance " + tolerance + ")");
            }
        }
    }

    static void elementwiseMatchesScalar(Kernels k) {
        Properties.qt().forAll(Sizes.between(0, 300), OFFSETS, OFFSETS, Sizes.seeds()).checkAssert((n, xo, yo, seed) -> {
            float[] x = TestData.uniform(seed, n + xo, -8f, 8f);
            float[] d = TestData.uniform(seed + 1, n + xo, -2f, 2f);
            float[] y = TestData.uniform(seed + 2, n + xo, 0f, 1f);
            int len = n + yo + 3;
            compare("reluForward", k, len, 0, (kk, out) -> kk.reluForward(x, xo, out, yo, n));
            compare("reluBackward", k, len, 0, (kk, out) -> kk.reluBackward(x, xo, d, xo, out, yo, n));
            compare("sigmoidForward", k, len, 1e-6, (kk, out) -> kk.sigmoidForward(x, xo, out, yo, n));
            compare("sigmoidBackward", k, len, 1e-7, (kk, out) -> kk.sigmoidBackward(y, xo, d, xo, out, yo, n));
            compare("multiply", k, len, 0, (kk, out) -> kk.multiply(x, xo, d, xo, out, yo, n));
            float[] acc = TestData.uniform(seed + 3, len, -1f, 1f);
            compare("axpy", k, len, 1e-6, (kk, out) -> {
                System.arraycopy(acc, 0, out, 0, len);
                kk.axpy(-0.7f, x, xo, out, yo, n);
            });
            compare("tanhForward", k, len, 1e-6, (kk, out) -> kk.tanhForward(x, xo, out, yo, n));
            compare("tanhBackward", k, len, 3e-7, (kk, out) -> kk.tanhBackward(y, xo, d, xo, out, yo, n));
        });
    }

    static void rowKernelsMatchScalar(Kernels k) {
        Properties.qt().forAll(Sizes.between(0, 40), Sizes.between(1, 120), OFFSETS, Sizes.seeds()).checkAssert((rows, cols, off, seed) -> {
            int size = rows * cols;
            int off2 = (off + 3) % 7; // the bias's and the sums' offset, never x's
            float[] x = TestData.uniform(seed, size + off, -5f, 5f);
            float[] bias = TestData.uniform(seed + 1, cols + off2, -1f, 1f);
            compare("addBias", k, size + off, 0, (kk, out) -> {
                System.arraycopy(x, 0, out, 0, size + off);
                kk.addBias(out, off, rows, cols, bias, off2);
            });
            // The same adds in the same order (each column from zero, row by row), narrow rows included: exact.
            compare("columnSums", k, cols + off2 + 2, 0, (kk, out) -> kk.columnSums(x, off, rows, cols, out, off2));
            compare("softmaxRows", k, size + off, 1e-6, (kk, out) -> kk.softmaxRows(x, off, out, off, rows, cols));
            compare("softmaxRows in place", k, size + off, 1e-6, (kk, out) -> {
                System.arraycopy(x, 0, out, 0, size + off);
                kk.softmaxRows(out, off, out, off, rows, cols);
            });

            int[] expected = new int[rows + off];
            int[] actual = new int[rows + off];
            SCALAR.argmaxRows(x, off, rows, cols, expected, off);
            k.argmaxRows(x, off, rows, cols, actual, off);
            assertArrayEquals(expected, actual, "argmaxRows");

            float[] p = new float[size];
            SCALAR.softmaxRows(x, off, p, 0, rows, cols);
            if (rows > 0) {
                int[] labels = TestData.labels(seed + 2, rows, cols);
                float[] t = TestData.oneHot(labels, cols);
                double tol = 1e-6 * (1 + cols);
                compare("crossEntropyLabels", k, 1, tol,
                        (kk, out) -> out[0] = (float) kk.crossEntropyLabels(p, 0, rows, cols, labels, 0));
                compare("crossEntropyDense", k, 1, tol,
                        (kk, out) -> out[0] = (float) kk.crossEntropyDense(p, 0, t, 0, rows, cols));
                // Fused softmax + cross-entropy: [loss, y..., dx...] in one output array.
                compare("softmaxCrossEntropy", k, 1 + 2 * size, tol, (kk, out) -> out[0] = (float) kk.softmaxCrossEntropy(
                        x, off, rows, cols, labels, 0, out, 1, out, 1 + size));
            }
        });
    }

    static void batchNormMatchesScalar(Kernels k) {
        Properties.qt().forAll(Sizes.between(1, 40), Sizes.between(1, 120), Sizes.seeds()).checkAssert((rows, cols, seed) -> {
            int size = rows * cols;
            float[] x = TestData.uniform(seed, size, -3f, 3f);
            float[] gamma = TestData.uniform(seed + 1, cols, 0.5f, 2f);
            float[] beta = TestData.uniform(seed + 2, cols, -1f, 1f);
            float[] dout = TestData.uniform(seed + 3, size, -1f, 1f);
            // [mean, invStd, xhat, y] and [dgamma, dbeta, dx] packed into one output each.
            int fwd = 2 * cols + 2 * size;
            double tol = 1e-5;
            compare("batchNormForward", k, fwd, tol, (kk, out) -> {
                float[] mean = new float[cols];
                float[] inv = new float[cols];
                float[] xhat = new float[size];
                float[] y = new float[size];
                kk.batchNormForward(x, rows, cols, gamma, beta, 1e-5f, mean, inv, xhat, y);
                System.arraycopy(mean, 0, out, 0, cols);
                for (int j = 0; j < cols; j++) {
                    out[cols + j] = inv[j] * 1e-3f; // invStd can reach 300 for constant columns; compare it relatively
                }
                System.arraycopy(xhat, 0, out, 2 * cols, size);
                System.arraycopy(y, 0, out, 2 * cols + size, size);
            });
            float[] xhat = new float[size];
            float[] inv = new float[cols];
            SCALAR.batchNormForward(x, rows, cols, gamma, beta, 1e-5f, new float[cols], inv, xhat, new float[size]);
            compare("batchNormBackward", k, 2 * cols + size, 1e-5 * rows, (kk, out) -> {
                float[] dg = new float[cols];
                float[] db = new float[cols];
                float[] dx = new float[size];
                kk.batchNormBackward(xhat, inv, gamma, dout, rows, cols, dg, db, dx);
                System.arraycopy(dg, 0, out, 0, cols);
                System.arraycopy(db, 0, out, cols, cols);
                System.arraycopy(dx, 0, out, 2 * cols, size);
            });
            float[] scale = TestData.uniform(seed + 4, cols, -2f, 2f);
            compare("scaleShiftColumns", k, size, 1e-6, (kk, out) -> kk.scaleShiftColumns(x, 0, rows, cols, scale, beta, out, 0));
        });
    }

    @Test
    void batchNormKernels() {
        batchNormMatchesScalar(KernelProvider.panama());
    }

    @Test
    void catchesABatchNormBackwardThatForgetsTheMeanTerm() {
        Kernels mutant = new ForwardingKernels(KernelProvider.panama()) {
            @Override
            public void batchNormBackward(float[] xhat, float[] invStd, float[] gamma, float[] dout, int rows, int cols,
                                          float[] dgamma, float[] dbeta, float[] dx) {
                super.batchNormBackward(xhat, invStd, gamma, dout, rows, cols, dgamma, dbeta, dx);
                // dx without "- dbeta / rows" in the vector part of every row.
                int full = cols - cols % PanamaKernels.lanes();
                for (int r = 0; r < rows; r++) {
                    for (int j = 0; j < full; j++) {
                        dx[r * cols + j] += gamma[j] * invStd[j] * dbeta[j] / rows;
                    }
                }
            }
        };
        assertThrows(AssertionError.class, () -> batchNormMatchesScalar(mutant));
    }

    @Test
    void elementwiseKernels() {
        elementwiseMatchesScalar(KernelProvider.panama());
    }

    @Test
    void rowKernels() {
        rowKernelsMatchScalar(KernelProvider.panama());
    }

    /** Rows of no columns are nothing to do, on arrays longer than a vector too (the narrow path's window). */
    @Test
    void rowsOfNoColumnsAreNothingToDo() {
        for (Kernels k : new Kernels[] {KernelProvider.scalar(), KernelProvider.panama()}) {
            float[] x = new float[40];
            float[] y = new float[40];
            Arrays.fill(y, 7f);
            k.softmaxRows(x, 0, y, 0, 3, 0);
            k.softmaxCrossEntropy(x, 0, 0, 0, new int[0], 0, y, 0, y, 0);
            float[] untouched = new float[40];
            Arrays.fill(untouched, 7f);
            assertArrayEquals(untouched, y, k.name());
        }
    }

    @Test
    void catchesAWrongTailInAnElementwiseKernel() {
        // A classic vector-loop bug: the scalar tail forgets the max(0, x).
        Kernels mutant = new ForwardingKernels(KernelProvider.panama()) {
            @Override
            public void reluForward(float[] x, int xOff, float[] y, int yOff, int n) {
                super.reluForward(x, xOff, y, yOff, n);
                int tail = n % PanamaKernels.lanes();
                System.arraycopy(x, xOff + n - tail, y, yOff + n - tail, tail);
            }
        };
        assertThrows(AssertionError.class, () -> elementwiseMatchesScalar(mutant));
    }

    @Test
    void catchesATanhBackwardThatForgetsTheSquare() {
        // d tanh = 1 - y^2 written as 1 - y, in the vector loop only: the tail still agrees.
        Kernels mutant = new ForwardingKernels(KernelProvider.panama()) {
            @Override
            public void tanhBackward(float[] y, int yOff, float[] dout, int doutOff, float[] dx, int dxOff, int n) {
                super.tanhBackward(y, yOff, dout, doutOff, dx, dxOff, n);
                int full = n - n % PanamaKernels.lanes();
                for (int i = 0; i < full; i++) {
                    dx[dxOff + i] = dout[doutOff + i] * (1f - y[yOff + i]);
                }
            }
        };
        assertThrows(AssertionError.class, () -> elementwiseMatchesScalar(mutant));
    }

    /** Rows narrower than a vector take their own paths in addBias and columnSums: the property must reach them. */
    @Test
    void catchesNarrowRowKernelsOffByOneColumnOrRow() {
        Kernels shiftedBias = new ForwardingKernels(KernelProvider.panama()) {
            @Override
            public void addBias(float[] x, int xOff, int rows, int cols, float[] bias, int biasOff) {
                super.addBias(x, xOff, rows, cols, bias, biasOff);
                // Narrow rows only (as PanamaKernels.narrowRows): the second row gets column 0's bias in column 1.
                if (cols > 1 && cols < PanamaKernels.lanes() && rows > 1 && rows * cols >= PanamaKernels.lanes()) {
                    x[xOff + cols + 1] += bias[biasOff] - bias[biasOff + 1];
                }
            }
        };
        assertThrows(AssertionError.class, () -> rowKernelsMatchScalar(shiftedBias));
        Kernels lastRowTwice = new ForwardingKernels(KernelProvider.panama()) {
            @Override
            public void columnSums(float[] x, int xOff, int rows, int cols, float[] out, int outOff) {
                super.columnSums(x, xOff, rows, cols, out, outOff);
                if (cols < PanamaKernels.lanes() && rows > 1 && rows * cols >= PanamaKernels.lanes()) {
                    for (int j = 0; j < cols; j++) {
                        out[outOff + j] += x[xOff + (rows - 1) * cols + j];
                    }
                }
            }
        };
        assertThrows(AssertionError.class, () -> rowKernelsMatchScalar(lastRowTwice));
    }

    @Test
    void catchesASoftmaxThatSkipsTheLastColumn() {
        Kernels mutant = new ForwardingKernels(KernelProvider.panama()) {
            @Override
            public void softmaxRows(float[] x, int xOff, float[] y, int yOff, int rows, int cols) {
                super.softmaxRows(x, xOff, y, yOff, rows, cols);
                for (int r = 0; r < rows; r++) {
                    y[yOff + r * cols + cols - 1] = 0f;
                }
            }
        };
        assertThrows(AssertionError.class, () -> rowKernelsMatchScalar(mutant));
    }

    @Test
    void badArgumentsAreNamedOnBothImplementations() {
        for (Kernels k : new Kernels[] {SCALAR, KernelProvider.panama()}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> k.reluForward(new float[4], 2, new float[4], 0, 3));
            org.junit.jupiter.api.Assertions.assertEquals("x: elements [2, 5) are outside its array of length 4", e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> k.crossEntropyLabels(new float[6], 0, 2, 3, new int[] {1, 7}, 0));
            org.junit.jupiter.api.Assertions.assertEquals("label 7 at row 1 is outside [0, 3)", e.getMessage());
        }
    }
}
