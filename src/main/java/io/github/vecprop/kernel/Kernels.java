package io.github.vecprop.kernel;

/**
 * The arithmetic every layer needs, on flat row-major {@code float[]} buffers.
 *
 * <p>Two implementations exist: {@link ScalarKernels} (plain loops; the test oracle and the fallback)
 * and {@code PanamaKernels} (the JDK Vector API). {@link KernelProvider#get()} picks one once per JVM.
 *
 * <p>Conventions shared by every method: matrices are row-major and addressed as
 * {@code (array, offset, leadingDimension)}, so sub-blocks need no copies; outputs are written into
 * caller-provided arrays and nothing is allocated; outputs may not overlap inputs unless a method says
 * so. Arguments are validated cheaply (bounds of the addressed region) and a violation throws
 * {@link IllegalArgumentException} naming the offending sizes. Implementations are stateless and
 * thread-safe.
 */
public interface Kernels {

    /** A short name for logs and benchmarks: {@code "panama"} or {@code "scalar"}. */
    String name();

    /**
     * General matrix multiply: {@code C = alpha * op(A) * op(B) + beta * C}, where {@code op(A)} is
     * {@code m x k} and {@code op(B)} is {@code k x n}.
     *
     * <p>With {@code transA} false, A is stored as {@code m x k} (row stride {@code lda >= k});
     * with it true, A is stored as {@code k x m} ({@code lda >= m}) and read transposed, without
     * materialising the transpose. Likewise B is {@code k x n} ({@code ldb >= n}) or, transposed,
     * {@code n x k} ({@code ldb >= k}). C is {@code m x n} with {@code ldc >= n}. With {@code beta}
     * zero, C is not read (NaNs in it do not propagate). C may not share its array with A or B.
     *
     * <p>Backprop uses the three forms: forward {@code X·W} (NN), {@code dX = dY·Wᵀ} (NT),
     * {@code dW = Xᵀ·dY} (TN).
     */
    void gemm(boolean transA, boolean transB, int m, int n, int k,
              float alpha, float[] a, int aOff, int lda,
              float[] b, int bOff, int ldb,
              float beta, float[] c, int cOff, int ldc);

    /**
     * Copies W ({@code in x out}, row-major from {@code w[wOff]}) and b ({@code out} floats from {@code b[bOff]})
     * into the layout {@link #dense} of this implementation reads fastest. Done once per served layer; the
     * arrays are not kept.
     *
     * @throws IllegalArgumentException if a dimension is below 1 or a range is outside its array
     */
    DenseWeights packDense(float[] w, int wOff, int in, int out, float[] b, int bOff);

    /**
     * {@code y = x·W + b} for {@code n} rows: x dense {@code n x in} from {@code xOff}, y dense {@code n x out}
     * from {@code yOff}, W and b as packed by {@link #packDense} of this same implementation. On the calling
     * thread, allocation-free. {@code y} may not overlap {@code x}. The result may differ from {@link #gemm}
     * then {@link #addBias} on the unpacked W and b by float rounding, never from run to run or thread to
     * thread: the SIMD kernels sum one to four rows in another order (from five rows on they have gemm's
     * bits, except where gemm sums a long K in two halves (on any thread count); the scalar kernels give the same bits). When every weight is finite and no bias is -0, the SIMD
     * kernels' rows of one to four skip their zero inputs (a ReLU's outputs, an image's background) with no
     * change in the bits: time then depends on how many inputs are nonzero.
     *
     * @throws IllegalArgumentException if another implementation packed {@code weights} or a range is out of bounds
     */
    void dense(DenseWeights weights, float[] x, int xOff, float[] y, int yOff, int n);

    /** {@code x[r, :] += bias[0..cols)} for every row of the {@code rows x cols} block at {@code xOff} (stride {@code cols}). */
    void addBias(float[] x, int xOff, int rows, int cols, float[] bias, int biasOff);

    /** {@code out[j] = sum over r of x[r, j]}: column sums of a dense {@code rows x cols} block (the bias gradient). Overwrites {@code out}. */
    void columnSums(float[] x, int xOff, int rows, int cols, float[] out, int outOff);

    /** {@code y[i] = max(0, x[i])} for {@code n} elements. {@code y} may be {@code x} (in place). */
    void reluForward(float[] x, int xOff, float[] y, int yOff, int n);

    /**
     * {@code dx[i] = x[i] > 0 ? dout[i] : 0}, where {@code x} is the forward input. {@code dx} may be
     * {@code dout} only if the caller means to overwrite it; the layers never do.
     */
    void reluBackward(float[] x, int xOff, float[] dout, int doutOff, float[] dx, int dxOff, int n);

    /** {@code y[i] = 1 / (1 + exp(-x[i]))}. {@code y} may be {@code x}. */
    void sigmoidForward(float[] x, int xOff, float[] y, int yOff, int n);

    /** {@code dx[i] = dout[i] * (1 - y[i]) * y[i]}, where {@code y} is the forward output. */
    void sigmoidBackward(float[] y, int yOff, float[] dout, int doutOff, float[] dx, int dxOff, int n);

    /** {@code y[i] = tanh(x[i])}. {@code y} may be {@code x}. */
    void tanhForward(float[] x, int xOff, float[] y, int yOff, int n);

    /** {@code dx[i] = dout[i] * (1 - y[i] * y[i])}, where {@code y} is the forward output. */
    void tanhBackward(float[] y, int yOff, float[] dout, int doutOff, float[] dx, int dxOff, int n);

    /** {@code out[i] = a[i] * b[i]} for {@code n} elements (Dropout's mask). {@code out} may be {@code a} or {@code b}. */
    void multiply(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int n);

    /** {@code y[i] += alpha * x[i]} for {@code n} elements (weight decay's gradient term). */
    void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n);

    /**
     * Batch normalisation over the rows of a dense {@code rows x cols} block, column by column: writes the
     * batch mean, {@code invStd = 1 / sqrt(var + eps)} (the biased variance, as the book computes it),
     * {@code xhat = (x - mean) * invStd} and {@code y = gamma * xhat + beta}. {@code rows >= 1}.
     */
    void batchNormForward(float[] x, int rows, int cols, float[] gamma, float[] beta, float eps,
                          float[] mean, float[] invStd, float[] xhat, float[] y);

    /**
     * The backward pass of {@link #batchNormForward} through the batch statistics: from its {@code xhat},
     * {@code invStd} and {@code gamma} and the upstream {@code dout}, writes {@code dbeta = sum dout},
     * {@code dgamma = sum dout * xhat} (both over rows) and
     * {@code dx = gamma * invStd * (dout - dbeta / rows - xhat * dgamma / rows)}.
     */
    void batchNormBackward(float[] xhat, float[] invStd, float[] gamma, float[] dout, int rows, int cols,
                           float[] dgamma, float[] dbeta, float[] dx);

    /** {@code y[r, j] = x[r, j] * scale[j] + shift[j]} over a dense {@code rows x cols} block (BatchNorm at inference). {@code y} may be {@code x}. */
    void scaleShiftColumns(float[] x, int xOff, int rows, int cols, float[] scale, float[] shift, float[] y, int yOff);

    /** Row-wise softmax of a dense {@code rows x cols} block, subtracting each row's maximum first. {@code y} may be {@code x}. */
    void softmaxRows(float[] x, int xOff, float[] y, int yOff, int rows, int cols);

    /**
     * Mean cross-entropy of row-wise probabilities {@code p} ({@code rows x cols}) against label indices:
     * {@code -1/rows * sum log(p[r, labels[r]] + 1e-7)}, accumulated in double. Labels must lie in
     * {@code [0, cols)}.
     */
    double crossEntropyLabels(float[] p, int pOff, int rows, int cols, int[] labels, int labelsOff);

    /** As {@link #crossEntropyLabels} against a dense one-hot (or any probability) target {@code t} of the same shape: {@code -1/rows * sum t*log(p + 1e-7)}. */
    double crossEntropyDense(float[] p, int pOff, float[] t, int tOff, int rows, int cols);

    /**
     * Softmax and cross-entropy against label indices, fused into one sweep per row: writes
     * {@code y = softmax(x)} (row maximum subtracted) and the loss gradient
     * {@code dx = (y - onehot(labels)) / rows}, and returns the mean loss
     * {@code -1/rows * sum log(y[r, labels[r]] + 1e-7)}, accumulated in double. All blocks are dense
     * {@code rows x cols}; {@code y} and {@code dx} may not overlap {@code x} or each other.
     */
    double softmaxCrossEntropy(float[] x, int xOff, int rows, int cols, int[] labels, int labelsOff,
                               float[] y, int yOff, float[] dx, int dxOff);

    /** {@code out[r] = argmax over j of x[r, j]} (the first index on ties) for a dense {@code rows x cols} block; {@code cols >= 1}. */
    void argmaxRows(float[] x, int xOff, int rows, int cols, int[] out, int outOff);

    /** The lane count of the {@link PixelCodes} layout this implementation widens fastest. */
    int codeLanes();

    /**
     * Packs one row of {@code n} floats from {@code x[xOff]} as pixel codes ({@link PixelCodes}, {@code lanes}
     * lanes) into {@code codes[codesOff ..]}, {@link PixelCodes#intsPerRow} ints, if every value is {@code c / 255f}
     * for a code {@code c}, bit for bit: -0.0, NaN and anything outside [0, 1] are not codes. Bytes past {@code n}
     * are written 0. Returns false at the first value that is not a code; the row's ints then hold an unspecified
     * part of the packing. Any lane count works; {@link #codeLanes} is the fast one.
     *
     * @throws IllegalArgumentException if {@code n < 0}, {@code lanes} is outside 1..{@link PixelCodes#MAX_LANES}, or a
     *                                  range lies outside its array
     */
    boolean packCodes(float[] x, int xOff, int n, int lanes, int[] codes, int codesOff);

    /**
     * Widens one row of {@code n} pixel codes, packed by {@link PixelCodes#pack} with {@code lanes} lanes from
     * {@code codes[codesOff]}, into {@code y[yOff .. yOff + n)}: the code {@code c} becomes {@code c / 255f},
     * exactly, so the row comes back with the bits it was packed from. Any lane count works;
     * {@link #codeLanes} is the fast one.
     *
     * @throws IllegalArgumentException if {@code n < 0}, {@code lanes} is outside 1..{@link PixelCodes#MAX_LANES}, or a
     *                                  range lies outside its array
     */
    void widenCodes(int[] codes, int codesOff, int lanes, float[] y, int yOff, int n);
}
