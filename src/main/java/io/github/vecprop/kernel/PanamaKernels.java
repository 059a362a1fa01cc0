package io.github.vecprop.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Kernels on the JDK Vector API ({@code jdk.incubator.vector}). Each method is a {@code loopBound}
 * main loop over full vectors followed by one scalar tail, and matches its {@link ScalarKernels} twin
 * within float rounding (reductions may sum in another order). Only {@link KernelProvider} should
 * load this class: touching it without {@code --add-modules jdk.incubator.vector} fails.
 * Stateless and thread-safe.
 */
public final class PanamaKernels implements Kernels {
    /** The shared instance. */
    public static final PanamaKernels INSTANCE = new PanamaKernels();

    // A constant species lets C2 turn every vector op into one instruction; a non-constant one is slower than scalar code.
    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = SPECIES.length();
    private static final VectorSpecies<Integer> INTS = SPECIES.withLanes(int.class);
    private static final float MAX_CODE = PixelCodes.MAX_CODE;
    private static final float INVERSE_MAX_CODE = 1f / MAX_CODE;

    private PanamaKernels() {
    }

    /**
     * Whether this machine's vectors suit these kernels (at least 4 floats). Where they do not, {@link KernelProvider} chooses the scalar kernels.
     */
    static boolean supported() {
        return PanamaGemm.supported();
    }

    /** Lanes per vector on this machine (16 with AVX-512). */
    public static int lanes() {
        return LANES;
    }

    @Override
    public String name() {
        return "panama";
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k,
                     float alpha, float[] a, int aOff, int lda,
                     float[] b, int bOff, int ldb,
                     float beta, float[] c, int cOff, int ldc) {
        PanamaGemm.gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc,
                GemmThreads.defaultParallelism());
    }

    @Override
    public DenseWeights packDense(float[] w, int wOff, int in, int out, float[] b, int bOff) {
        DenseWeights.checkPack(w, wOff, in, out, b, bOff);
        float[] bias = new float[PanamaDense.biasLength(out)];
        System.arraycopy(b, bOff, bias, 0, out);
        float[] packed = PanamaDense.pack(w, wOff, in, out);
        return new DenseWeights(this, in, out, packed, PanamaDense.RowBlocks.of(packed, in, out), bias);
    }

    @Override
    public void dense(DenseWeights weights, float[] x, int xOff, float[] y, int yOff, int n) {
        weights.checkRun(this, x, xOff, y, yOff, n);
        int in = weights.in;
        int out = weights.out;
        PanamaDense.multiply(n, out, in, x, xOff, in, weights.w, weights.blocks, weights.bias, weights.zerosSkippable,
                y, yOff, out);
        if (n > PanamaGemm.SMALL_M) {
            addBias(y, yOff, n, out, weights.bias, 0);
        }
    }

    @Override
    public void addBias(float[] x, int xOff, int rows, int cols, float[] bias, int biasOff) {
        Checks.range("x", x, xOff, Checks.dims(rows, cols));
        Checks.range("bias", bias, biasOff, cols);
        if (NARROW_BIAS_FITS && narrowRows(rows, cols)) {
            addBiasNarrow(x, xOff, rows, cols, bias, biasOff);
            return;
        }
        int bound = SPECIES.loopBound(cols);
        for (int r = 0; r < rows; r++) {
            int row = xOff + r * cols;
            int j = 0;
            for (; j < bound; j += LANES) {
                FloatVector.fromArray(SPECIES, x, row + j)
                        .add(FloatVector.fromArray(SPECIES, bias, biasOff + j))
                        .intoArray(x, row + j);
            }
            for (; j < cols; j++) {
                x[row + j] += bias[biasOff + j];
            }
        }
    }

    /**
     * Whether rows narrower than a vector (the 10 classes) go through the narrow paths of {@link #addBias} and
     * {@link #columnSums}: at least one vector in all.
     */
    private static boolean narrowRows(int rows, int cols) {
        return cols > 0 && cols < LANES && (long) rows * cols >= LANES;
    }

    /**
     * Whether the bias repeated over {@code lcm(cols, LANES)} floats, at most {@code (LANES - 1) * LANES}, fits the
     * scratch tile for every narrow width: up to 25 lanes.
     */
    private static final boolean NARROW_BIAS_FITS = (LANES - 1) * LANES <= PanamaGemm.TILE_FLOATS;

    /** {@code lcm(cols, LANES)}: after that many floats, rows of {@code cols} start on a vector boundary again. */
    private static int period(int cols) {
        int a = cols;
        int b = LANES;
        while (b != 0) {
            int t = a % b;
            a = b;
            b = t;
        }
        return cols / a * LANES;
    }

    /**
     * {@link #addBias} for rows narrower than a vector: the rows as one run of whole vectors, each added to the
     * bias repeated from the right column on, so each element gets the same one addition. A row at a time was a
     * scalar loop of {@code cols} elements (0.63-0.69 µs for 100 x 10, against 0.21-0.31 now).
     */
    private static void addBiasNarrow(float[] x, int xOff, int rows, int cols, float[] bias, int biasOff) {
        int period = period(cols);
        float[] repeated = PanamaGemm.SCRATCH.get().tile;
        for (int i = 0; i < period; i += cols) {
            System.arraycopy(bias, biasOff, repeated, i, cols);
        }
        int n = rows * cols;
        int bound = SPECIES.loopBound(n);
        int i = 0;
        for (int p = 0; i < bound; i += LANES) {
            FloatVector.fromArray(SPECIES, x, xOff + i).add(FloatVector.fromArray(SPECIES, repeated, p))
                    .intoArray(x, xOff + i);
            p += LANES;
            if (p == period) {
                p = 0;
            }
        }
        for (int j = i % cols; i < n; i++, j = j + 1 == cols ? 0 : j + 1) {
            x[xOff + i] += bias[biasOff + j];
        }
    }

    @Override
    public void columnSums(float[] x, int xOff, int rows, int cols, float[] out, int outOff) {
        Checks.range("x", x, xOff, Checks.dims(rows, cols));
        Checks.range("out", out, outOff, cols);
        if (narrowRows(rows, cols)) {
            columnSumsNarrow(x, xOff, rows, cols, out, outOff);
            return;
        }
        int bound = SPECIES.loopBound(cols);
        int j = 0;
        // Column blocks outermost: each block's running sum stays in a register across all rows.
        for (; j < bound; j += LANES) {
            FloatVector acc = FloatVector.zero(SPECIES);
            for (int r = 0; r < rows; r++) {
                acc = acc.add(FloatVector.fromArray(SPECIES, x, xOff + r * cols + j));
            }
            acc.intoArray(out, outOff + j);
        }
        for (; j < cols; j++) {
            float s = 0f;
            for (int r = 0; r < rows; r++) {
                s += x[xOff + r * cols + j];
            }
            out[outOff + j] = s;
        }
    }

    /**
     * {@link #columnSums} for rows narrower than a vector: a row a vector, masked, so the lanes hold the columns'
     * running sums, each in row order as the scalar loop adds them (the same bits); rows whose window would pass
     * the end of x go on one element at a time. Column by column, each sum waited on its own 100 adds.
     */
    private static void columnSumsNarrow(float[] x, int xOff, int rows, int cols, float[] out, int outOff) {
        VectorMask<Float> row = SPECIES.indexInRange(0, cols);
        int vectorRows = windowRows(x.length - xOff, rows, cols);
        FloatVector acc = FloatVector.zero(SPECIES);
        for (int r = 0; r < vectorRows; r++) {
            acc = acc.add(FloatVector.fromArray(SPECIES, x, xOff + r * cols, row));
        }
        float[] sums = PanamaGemm.SCRATCH.get().tile;
        acc.intoArray(sums, 0);
        for (int j = 0; j < cols; j++) {
            float s = sums[j];
            for (int r = vectorRows; r < rows; r++) {
                s += x[xOff + r * cols + j];
            }
            out[outOff + j] = s;
        }
    }

    @Override
    public void reluForward(float[] x, int xOff, float[] y, int yOff, int n) {
        Checks.range("x", x, xOff, n);
        Checks.range("y", y, yOff, n);
        int bound = SPECIES.loopBound(n);
        int i = 0;
        for (; i < bound; i += LANES) {
            FloatVector.fromArray(SPECIES, x, xOff + i).max(0f).intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            float v = x[xOff + i];
            y[yOff + i] = v > 0f ? v : 0f;
        }
    }

    @Override
    public void reluBackward(float[] x, int xOff, float[] dout, int doutOff, float[] dx, int dxOff, int n) {
        Checks.range("x", x, xOff, n);
        Checks.range("dout", dout, doutOff, n);
        Checks.range("dx", dx, dxOff, n);
        FloatVector zero = FloatVector.zero(SPECIES);
        int bound = SPECIES.loopBound(n);
        int i = 0;
        for (; i < bound; i += LANES) {
            VectorMask<Float> positive = FloatVector.fromArray(SPECIES, x, xOff + i).compare(VectorOperators.GT, 0f);
            zero.blend(FloatVector.fromArray(SPECIES, dout, doutOff + i), positive).intoArray(dx, dxOff + i);
        }
        for (; i < n; i++) {
            dx[dxOff + i] = x[xOff + i] > 0f ? dout[doutOff + i] : 0f;
        }
    }

    @Override
    public void sigmoidForward(float[] x, int xOff, float[] y, int yOff, int n) {
        Checks.range("x", x, xOff, n);
        Checks.range("y", y, yOff, n);
        // e^-x first, then 1 / (e + 1): two sweeps over rows that are in L1, and y may be x.
        VectorMath.exp(x, xOff, -1f, y, yOff, n);
        FloatVector one = FloatVector.broadcast(SPECIES, 1f);
        int bound = SPECIES.loopBound(n);
        int i = 0;
        for (; i < bound; i += LANES) {
            one.div(FloatVector.fromArray(SPECIES, y, yOff + i).add(1f)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] = 1f / (y[yOff + i] + 1f);
        }
    }

    @Override
    public void sigmoidBackward(float[] y, int yOff, float[] dout, int doutOff, float[] dx, int dxOff, int n) {
        Checks.range("y", y, yOff, n);
        Checks.range("dout", dout, doutOff, n);
        Checks.range("dx", dx, dxOff, n);
        int bound = SPECIES.loopBound(n);
        int i = 0;
        for (; i < bound; i += LANES) {
            FloatVector v = FloatVector.fromArray(SPECIES, y, yOff + i);
            FloatVector.fromArray(SPECIES, dout, doutOff + i).mul(v.neg().add(1f)).mul(v).intoArray(dx, dxOff + i);
        }
        for (; i < n; i++) {
            float v = y[yOff + i];
            dx[dxOff + i] = dout[doutOff + i] * (1f - v) * v;
        }
    }

    @Override
    public void tanhForward(float[] x, int xOff, float[] y, int yOff, int n) {
        Checks.range("x", x, xOff, n);
        Checks.range("y", y, yOff, n);
        VectorMath.tanh(x, xOff, y, yOff, n);
    }

    @Override
    public void tanhBackward(float[] y, int yOff, float[] dout, int doutOff, float[] dx, int dxOff, int n) {
        Checks.range("y", y, yOff, n);
        Checks.range("dout", dout, doutOff, n);
        Checks.range("dx", dx, dxOff, n);
        FloatVector one = FloatVector.broadcast(SPECIES, 1f);
        int bound = SPECIES.loopBound(n);
        int i = 0;
        for (; i < bound; i += LANES) {
            FloatVector v = FloatVector.fromArray(SPECIES, y, yOff + i);
            // 1 - y*y fused (-y * y + 1); the scalar tail uses Math.fma too, so a tail element rounds as a lane would.
            FloatVector.fromArray(SPECIES, dout, doutOff + i).mul(v.neg().fma(v, one)).intoArray(dx, dxOff + i);
        }
        for (; i < n; i++) {
            float v = y[yOff + i];
            dx[dxOff + i] = dout[doutOff + i] * Math.fma(-v, v, 1f);
        }
    }

    @Override
    public void multiply(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int n) {
        Checks.range("a", a, aOff, n);
        Checks.range("b", b, bOff, n);
        Checks.range("out", out, outOff, n);
        int bound = SPECIES.loopBound(n);
        int i = 0;
        for (; i < bound; i += LANES) {
            FloatVector.fromArray(SPECIES, a, aOff + i).mul(FloatVector.fromArray(SPECIES, b, bOff + i)).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] = a[aOff + i] * b[bOff + i];
        }
    }

    @Override
    public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        Checks.range("x", x, xOff, n);
        Checks.range("y", y, yOff, n);
        FloatVector a = FloatVector.broadcast(SPECIES, alpha);
        int bound = SPECIES.loopBound(n);
        int i = 0;
        for (; i < bound; i += LANES) {
            FloatVector.fromArray(SPECIES, x, xOff + i).fma(a, FloatVector.fromArray(SPECIES, y, yOff + i))
                    .intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] = Math.fma(alpha, x[xOff + i], y[yOff + i]);
        }
    }

    @Override
    public void batchNormForward(float[] x, int rows, int cols, float[] gamma, float[] beta, float eps,
                                 float[] mean, float[] invStd, float[] xhat, float[] y) {
        Checks.batchNorm(x, rows, cols, gamma, beta, mean, invStd, xhat, y);
        // Column statistics with rows outer and columns in vectors: mean and invStd are the accumulators.
        int bound = SPECIES.loopBound(cols);
        java.util.Arrays.fill(mean, 0, cols, 0f);
        java.util.Arrays.fill(invStd, 0, cols, 0f);
        for (int r = 0; r < rows; r++) {
            addRow(x, r * cols, mean, cols, bound);
        }
        float inv = 1f / rows;
        for (int j = 0; j < cols; j++) {
            mean[j] *= inv;
        }
        for (int r = 0; r < rows; r++) {
            int row = r * cols;
            int j = 0;
            for (; j < bound; j += LANES) {
                FloatVector c = FloatVector.fromArray(SPECIES, x, row + j).sub(FloatVector.fromArray(SPECIES, mean, j));
                c.fma(c, FloatVector.fromArray(SPECIES, invStd, j)).intoArray(invStd, j);
            }
            for (; j < cols; j++) {
                float c = x[row + j] - mean[j];
                invStd[j] = Math.fma(c, c, invStd[j]);
            }
        }
        for (int j = 0; j < cols; j++) {
            invStd[j] = (float) (1.0 / Math.sqrt(invStd[j] * inv + eps));
        }
        for (int r = 0; r < rows; r++) {
            int row = r * cols;
            int j = 0;
            for (; j < bound; j += LANES) {
                FloatVector h = FloatVector.fromArray(SPECIES, x, row + j).sub(FloatVector.fromArray(SPECIES, mean, j))
                        .mul(FloatVector.fromArray(SPECIES, invStd, j));
                h.intoArray(xhat, row + j);
                h.fma(FloatVector.fromArray(SPECIES, gamma, j), FloatVector.fromArray(SPECIES, beta, j)).intoArray(y, row + j);
            }
            for (; j < cols; j++) {
                float h = (x[row + j] - mean[j]) * invStd[j];
                xhat[row + j] = h;
                y[row + j] = Math.fma(h, gamma[j], beta[j]);
            }
        }
    }

    /** {@code acc[j] += x[row + j]} for {@code j < cols}. */
    private static void addRow(float[] x, int row, float[] acc, int cols, int bound) {
        int j = 0;
        for (; j < bound; j += LANES) {
            FloatVector.fromArray(SPECIES, x, row + j).add(FloatVector.fromArray(SPECIES, acc, j)).intoArray(acc, j);
        }
        for (; j < cols; j++) {
            acc[j] += x[row + j];
        }
    }

    @Override
    public void batchNormBackward(float[] xhat, float[] invStd, float[] gamma, float[] dout, int rows, int cols,
                                  float[] dgamma, float[] dbeta, float[] dx) {
        Checks.batchNorm(xhat, rows, cols, gamma, invStd, dgamma, dbeta, dout, dx);
        int bound = SPECIES.loopBound(cols);
        java.util.Arrays.fill(dbeta, 0, cols, 0f);
        java.util.Arrays.fill(dgamma, 0, cols, 0f);
        for (int r = 0; r < rows; r++) {
            int row = r * cols;
            addRow(dout, row, dbeta, cols, bound);
            int j = 0;
            for (; j < bound; j += LANES) {
                FloatVector.fromArray(SPECIES, dout, row + j).fma(FloatVector.fromArray(SPECIES, xhat, row + j),
                        FloatVector.fromArray(SPECIES, dgamma, j)).intoArray(dgamma, j);
            }
            for (; j < cols; j++) {
                dgamma[j] = Math.fma(dout[row + j], xhat[row + j], dgamma[j]);
            }
        }
        float inv = 1f / rows;
        for (int r = 0; r < rows; r++) {
            int row = r * cols;
            int j = 0;
            for (; j < bound; j += LANES) {
                FloatVector g = FloatVector.fromArray(SPECIES, gamma, j).mul(FloatVector.fromArray(SPECIES, invStd, j));
                FloatVector t = FloatVector.fromArray(SPECIES, dout, row + j)
                        .sub(FloatVector.fromArray(SPECIES, dbeta, j).mul(inv))
                        .sub(FloatVector.fromArray(SPECIES, xhat, row + j).mul(FloatVector.fromArray(SPECIES, dgamma, j).mul(inv)));
                g.mul(t).intoArray(dx, row + j);
            }
            for (; j < cols; j++) {
                dx[row + j] = gamma[j] * invStd[j] * (dout[row + j] - dbeta[j] * inv - xhat[row + j] * (dgamma[j] * inv));
            }
        }
    }

    @Override
    public void scaleShiftColumns(float[] x, int xOff, int rows, int cols, float[] scale, float[] shift, float[] y, int yOff) {
        Checks.scaleShift(x, xOff, rows, cols, scale, shift, y, yOff);
        int bound = SPECIES.loopBound(cols);
        for (int r = 0; r < rows; r++) {
            int xr = xOff + r * cols;
            int yr = yOff + r * cols;
            int j = 0;
            for (; j < bound; j += LANES) {
                FloatVector.fromArray(SPECIES, x, xr + j).fma(FloatVector.fromArray(SPECIES, scale, j),
                        FloatVector.fromArray(SPECIES, shift, j)).intoArray(y, yr + j);
            }
            for (; j < cols; j++) {
                y[yr + j] = Math.fma(x[xr + j], scale[j], shift[j]);
            }
        }
    }

    @Override
    public void softmaxRows(float[] x, int xOff, float[] y, int yOff, int rows, int cols) {
        long size = Checks.dims(rows, cols);
        Checks.range("x", x, xOff, size);
        Checks.range("y", y, yOff, size);
        boolean narrow = cols < LANES;
        float[] invs = null;
        if (narrow) {
            expMinusRowMaxNarrow(x, xOff, y, yOff, rows, cols);
            invs = inverseRowSums(y, yOff, rows, cols);
        }
        float[] tmp = PanamaGemm.SCRATCH.get().tile; // L floats for each wide row's lane sum
        for (int r = 0; r < rows; r++) {
            int xr = xOff + r * cols;
            int yr = yOff + r * cols;
            float inv = narrow ? invs[r] : (float) (1.0 / expMinusMax(x, xr, y, yr, cols, tmp));
            int bound = SPECIES.loopBound(cols);
            int j = 0;
            for (; j < bound; j += LANES) {
                FloatVector.fromArray(SPECIES, y, yr + j).mul(inv).intoArray(y, yr + j);
            }
            for (; j < cols; j++) {
                y[yr + j] *= inv;
            }
        }
    }

    /** The largest of {@code x[xr .. xr + cols)}, or -infinity for an empty row. */
    private static float rowMax(float[] x, int xr, int cols) {
        int bound = SPECIES.loopBound(cols);
        int bound4 = cols - cols % (4 * LANES);
        // Four chains: a vector max with Math.max's NaN rule is a chain of several instructions, and one
        // accumulator made this pass take a third of a 100x1000 softmax.
        FloatVector vmax = FloatVector.broadcast(SPECIES, Float.NEGATIVE_INFINITY);
        FloatVector m1 = vmax, m2 = vmax, m3 = vmax;
        int j = 0;
        for (; j < bound4; j += 4 * LANES) {
            vmax = vmax.max(FloatVector.fromArray(SPECIES, x, xr + j));
            m1 = m1.max(FloatVector.fromArray(SPECIES, x, xr + j + LANES));
            m2 = m2.max(FloatVector.fromArray(SPECIES, x, xr + j + 2 * LANES));
            m3 = m3.max(FloatVector.fromArray(SPECIES, x, xr + j + 3 * LANES));
        }
        for (; j < bound; j += LANES) {
            vmax = vmax.max(FloatVector.fromArray(SPECIES, x, xr + j));
        }
        vmax = vmax.max(m1).max(m2.max(m3));
        if (j < cols && xr + j + LANES <= x.length) {
            // One masked vector for the tail (rows narrower than a vector, 10 classes, are all tail), but only
            // where the whole window fits the array: a masked access past the end takes the Vector API's slow
            // path, and C2 may then compile the kernel with every vector boxed.
            VectorMask<Float> tail = SPECIES.indexInRange(j, cols);
            vmax = vmax.blend(vmax.max(FloatVector.fromArray(SPECIES, x, xr + j, tail)), tail);
            j = cols;
        }
        float max = vmax.reduceLanes(VectorOperators.MAX);
        for (; j < cols; j++) {
            max = Math.max(max, x[xr + j]);
        }
        return max;
    }

    /**
     * The sweeps of a softmax row before the normalisation (max, exp, sum): {@code y[j] = exp(x[j] - max(x))}
     * for the row of {@code cols} elements, returning their sum. Scalars in and out, so it inlines without boxing.
     */
    private static double expMinusMax(float[] x, int xr, float[] y, int yr, int cols, float[] tmp) {
        int bound = SPECIES.loopBound(cols);
        float max = rowMax(x, xr, cols);
        int j = 0;
        for (; j < bound; j += LANES) {
            FloatVector.fromArray(SPECIES, x, xr + j).sub(max).intoArray(y, yr + j);
        }
        for (; j < cols; j++) {
            y[yr + j] = x[xr + j] - max;
        }
        VectorMath.exp(y, yr, 1f, y, yr, cols);
        // Summed in a separate sweep over y (in L1), four chains, so no accumulator lives across the exp.
        int bound4 = bound - bound % (4 * LANES);
        FloatVector vsum = FloatVector.zero(SPECIES);
        FloatVector s1 = vsum, s2 = vsum, s3 = vsum;
        int q = 0;
        for (; q < bound4; q += 4 * LANES) {
            vsum = vsum.add(FloatVector.fromArray(SPECIES, y, yr + q));
            s1 = s1.add(FloatVector.fromArray(SPECIES, y, yr + q + LANES));
            s2 = s2.add(FloatVector.fromArray(SPECIES, y, yr + q + 2 * LANES));
            s3 = s3.add(FloatVector.fromArray(SPECIES, y, yr + q + 3 * LANES));
        }
        for (; q < bound; q += LANES) {
            vsum = vsum.add(FloatVector.fromArray(SPECIES, y, yr + q));
        }
        // Lanes added in a fixed order through tmp (PanamaGemm.dot says why not reduceLanes).
        vsum.add(s1).add(s2.add(s3)).intoArray(tmp, 0);
        double sum = PanamaGemm.sumLanes(tmp, 0);
        for (; q < cols; q++) {
            sum += y[yr + q];
        }
        return sum;
    }

    /**
     * The first two sweeps of a softmax whose rows are narrower than a vector (10 classes):
     * {@code y = exp(x - max of its row)} for the whole {@code rows x cols} block. Each row's max and shift
     * is one masked vector; the exp then runs over the block as one flat array, so each of its vectors holds
     * parts of several rows (an exp per masked row would leave most lanes idle).
     */
    private static void expMinusRowMaxNarrow(float[] x, int xOff, float[] y, int yOff, int rows, int cols) {
        // A row a vector, masked: its max a lane reduction (Math.max's order does not matter: it is associative,
        // NaN and signed zeros included), so the bits are the one-row loop's. Rows whose vector window would pass
        // the end of x or y (masked accesses there take the slow path) go one element at a time.
        VectorMask<Float> row = SPECIES.indexInRange(0, cols);
        FloatVector lowest = FloatVector.broadcast(SPECIES, Float.NEGATIVE_INFINITY);
        int vectorRows = Math.min(windowRows(x.length - xOff, rows, cols), windowRows(y.length - yOff, rows, cols));
        int r = 0;
        for (; r < vectorRows; r++) {
            FloatVector v = lowest.blend(FloatVector.fromArray(SPECIES, x, xOff + r * cols, row), row);
            v.sub(v.reduceLanes(VectorOperators.MAX)).intoArray(y, yOff + r * cols, row);
        }
        for (; r < rows; r++) {
            int xr = xOff + r * cols;
            int yr = yOff + r * cols;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < cols; j++) {
                max = Math.max(max, x[xr + j]);
            }
            for (int j = 0; j < cols; j++) {
                y[yr + j] = x[xr + j] - max;
            }
        }
        VectorMath.exp(y, yOff, 1f, y, yOff, rows * cols);
    }

    /** How many leading rows of {@code cols} floats have a whole vector window in {@code available} floats. */
    private static int windowRows(int available, int rows, int cols) {
        // No row of no columns needs a window (and (available - LANES) / 0 would throw).
        return available < LANES || cols == 0 ? 0 : Math.min(rows, (available - LANES) / cols + 1);
    }

    /**
     * {@code inv[r] = (float) (1 / sum of row r of y)} for narrow rows, each row summed in order in double, four
     * rows at a time (independent chains: one row at a time waited on each add). {@code inv} comes from
     * {@link PanamaGemm.Scratch#rowScale}.
     */
    private static float[] inverseRowSums(float[] y, int yOff, int rows, int cols) {
        float[] inv = PanamaGemm.SCRATCH.get().rowScale(rows);
        int r = 0;
        for (; r + 4 <= rows; r += 4) {
            int y0 = yOff + r * cols;
            double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            for (int j = 0; j < cols; j++) {
                s0 += y[y0 + j];
                s1 += y[y0 + cols + j];
                s2 += y[y0 + 2 * cols + j];
                s3 += y[y0 + 3 * cols + j];
            }
            inv[r] = (float) (1.0 / s0);
            inv[r + 1] = (float) (1.0 / s1);
            inv[r + 2] = (float) (1.0 / s2);
            inv[r + 3] = (float) (1.0 / s3);
        }
        for (; r < rows; r++) {
            double sum = 0;
            for (int j = 0; j < cols; j++) {
                sum += y[yOff + r * cols + j];
            }
            inv[r] = (float) (1.0 / sum);
        }
        return inv;
    }

    @Override
    public double crossEntropyLabels(float[] p, int pOff, int rows, int cols, int[] labels, int labelsOff) {
        // One gathered element per row: there is nothing to vectorise, and the scalar twin is exact in double.
        return ScalarKernels.INSTANCE.crossEntropyLabels(p, pOff, rows, cols, labels, labelsOff);
    }

    @Override
    public double crossEntropyDense(float[] p, int pOff, float[] t, int tOff, int rows, int cols) {
        // The scalar twin, in double: lanewise(LOG) gives other bits once C2 compiles it, and a loss must
        // not change from run to run. A loss over N x C is never the hot path.
        return ScalarKernels.INSTANCE.crossEntropyDense(p, pOff, t, tOff, rows, cols);
    }

    @Override
    public double softmaxCrossEntropy(float[] x, int xOff, int rows, int cols, int[] labels, int labelsOff,
                                      float[] y, int yOff, float[] dx, int dxOff) {
        long size = Checks.dims(rows, cols);
        Checks.range("x", x, xOff, size);
        Checks.range("y", y, yOff, size);
        Checks.range("dx", dx, dxOff, size);
        Checks.labels(labels, labelsOff, rows, cols);
        float scale = 1f / rows;
        int bound = SPECIES.loopBound(cols);
        boolean narrow = cols < LANES;
        float[] invs = null;
        // Made on every call, never null: a mask that may be null is a phi C2 cannot keep in a register, and it
        // then boxes it (the warm-up never reached an allocation-free round that way).
        VectorMask<Float> row = SPECIES.indexInRange(0, Math.min(cols, LANES));
        int vectorRows = 0;
        if (narrow) {
            expMinusRowMaxNarrow(x, xOff, y, yOff, rows, cols);
            invs = inverseRowSums(y, yOff, rows, cols);
            vectorRows = Math.min(windowRows(y.length - yOff, rows, cols), windowRows(dx.length - dxOff, rows, cols));
        }
        float[] tmp = PanamaGemm.SCRATCH.get().tile; // L floats for each wide row's lane sum
        double loss = 0;
        for (int r = 0; r < rows; r++) {
            int xr = xOff + r * cols;
            int yr = yOff + r * cols;
            int dr = dxOff + r * cols;
            float inv = narrow ? invs[r] : (float) (1.0 / expMinusMax(x, xr, y, yr, cols, tmp));
            float dscale = inv * scale;
            // The label's outputs from its exp, read before the row is stored: reading them back from the vector
            // stores (or adding to dx in place) waited on store forwarding, about 1 us a 100-row batch.
            int label = labels[labelsOff + r];
            float eLabel = y[yr + label];
            float yLabel = eLabel * inv;
            float dLabel = eLabel * dscale - scale;
            // The normalising pass writes both outputs: y, and dx = y / rows before the label's correction.
            int j = 0;
            for (; j < bound; j += LANES) {
                FloatVector e = FloatVector.fromArray(SPECIES, y, yr + j);
                e.mul(inv).intoArray(y, yr + j);
                e.mul(dscale).intoArray(dx, dr + j);
            }
            if (r < vectorRows) { // a narrow row, masked (see expMinusRowMaxNarrow)
                FloatVector e = FloatVector.fromArray(SPECIES, y, yr, row);
                e.mul(inv).intoArray(y, yr, row);
                e.mul(dscale).intoArray(dx, dr, row);
                j = cols;
            }
            for (; j < cols; j++) {
                float e = y[yr + j];
                y[yr + j] = e * inv;
                dx[dr + j] = e * dscale;
            }
            dx[dr + label] = dLabel;
            loss += Math.log(yLabel + ScalarKernels.LOG_GUARD);
        }
        return -loss / rows;
    }

    @Override
    public void argmaxRows(float[] x, int xOff, int rows, int cols, int[] out, int outOff) {
        if (cols < 1) {
            throw new IllegalArgumentException("argmax needs at least one column, got cols=" + cols);
        }
        Checks.range("x", x, xOff, Checks.dims(rows, cols));
        Checks.range("out", out, outOff, rows);
        for (int r = 0; r < rows; r++) {
            int row = xOff + r * cols;
            float max = rowMax(x, row, cols);
            // The scalar twin keeps the first strictly greater element, so find the first occurrence of the
            // max: a vector compare per block, scalar only in the tail. A row of NaNs finds none: index cols - 1.
            int bound = SPECIES.loopBound(cols);
            int best = -1;
            int j = 0;
            for (; j < bound; j += LANES) {
                VectorMask<Float> hit = FloatVector.fromArray(SPECIES, x, row + j).compare(VectorOperators.EQ, max);
                if (hit.anyTrue()) {
                    best = j + hit.firstTrue();
                    break;
                }
            }
            for (; best < 0 && j < cols; j++) {
                if (x[row + j] == max) {
                    best = j;
                }
            }
            out[outOff + r] = best < 0 ? cols - 1 : best;
        }
    }

    @Override
    public int codeLanes() {
        return LANES;
    }

    @Override
    public boolean packCodes(float[] x, int xOff, int n, int lanes, int[] codes, int codesOff) {
        Checks.range("codes", codes, codesOff, PixelCodes.intsPerRow(n, lanes));
        Checks.range("x", x, xOff, n);
        if (lanes != LANES) {
            return PixelCodes.packFrom(x, xOff, 0, n, lanes, codes, codesOff);
        }
        FloatVector inverse = FloatVector.broadcast(SPECIES, INVERSE_MAX_CODE);
        FloatVector negativeMax = FloatVector.broadcast(SPECIES, -MAX_CODE);
        FloatVector max = FloatVector.broadcast(SPECIES, MAX_CODE);
        FloatVector half = FloatVector.broadcast(SPECIES, 0.5f);
        int block = 4 * LANES;
        int p = 0;
        int c = codesOff;
        for (; p + block <= n; p += block, c += LANES) {
            IntVector packed = IntVector.zero(INTS);
            IntVector differ = IntVector.zero(INTS); // the bits where a value and its code's quotient differ
            for (int j = 0; j < 4; j++) {
                FloatVector v = FloatVector.fromArray(SPECIES, x, xOff + p + j * LANES);
                // A guess the bits then confirm: if v is c / 255f, the guess is c (Java's conversion sends NaN to 0).
                IntVector code = ((IntVector) v.fma(max, half).convert(VectorOperators.F2I, 0)).and(PixelCodes.MAX_CODE);
                // The quotient as widenCodes computes it, written out here too: no vector may cross a call (package-info).
                FloatVector b = (FloatVector) code.convert(VectorOperators.I2F, 0);
                FloatVector q = b.mul(inverse);
                FloatVector back = q.fma(negativeMax, b).fma(inverse, q);
                differ = differ.or(back.reinterpretAsInts().lanewise(VectorOperators.XOR, v.reinterpretAsInts()));
                packed = packed.or(code.lanewise(VectorOperators.LSHL, 8 * j));
            }
            if (differ.compare(VectorOperators.NE, 0).anyTrue()) {
                return false;
            }
            packed.intoArray(codes, c);
        }
        return PixelCodes.packFrom(x, xOff, p, n, LANES, codes, codesOff);
    }

    @Override
    public void widenCodes(int[] codes, int codesOff, int lanes, float[] y, int yOff, int n) {
        Checks.range("codes", codes, codesOff, PixelCodes.intsPerRow(n, lanes));
        Checks.range("y", y, yOff, n);
        if (lanes != LANES) {
            ScalarKernels.INSTANCE.widenCodes(codes, codesOff, lanes, y, yOff, n);
            return;
        }
        FloatVector inverse = FloatVector.broadcast(SPECIES, INVERSE_MAX_CODE);
        FloatVector negativeMax = FloatVector.broadcast(SPECIES, -MAX_CODE);
        int p = 0;
        for (int c = codesOff; p + LANES <= n; c += LANES) { // a vector of ints: byte j holds the values at p + j * LANES
            IntVector v = IntVector.fromArray(INTS, codes, c);
            for (int shift = 0; shift < Integer.SIZE && p + LANES <= n; shift += Byte.SIZE, p += LANES) {
                FloatVector b = (FloatVector) v.lanewise(VectorOperators.LSHR, shift).and(PixelCodes.MAX_CODE)
                        .convert(VectorOperators.I2F, 0);
                // b / 255f as the division rounds it, for every code (PixelCodesTest checks all 256): the product by
                // the reciprocal, then one correction from its remainder. A vector division costs several times more.
                FloatVector q = b.mul(inverse);
                q.fma(negativeMax, b).fma(inverse, q).intoArray(y, yOff + p);
            }
        }
        for (; p < n; p++) {
            y[yOff + p] = PixelCodes.value(PixelCodes.code(codes, codesOff, p, LANES));
        }
    }
}
