package io.github.vecprop.kernel;

/**
 * Plain-loop kernels: the reference every SIMD kernel is tested against, and the fallback when the
 * Vector API is unavailable or disabled ({@code -Dvecprop.kernels=scalar}). Stateless and thread-safe.
 */
public final class ScalarKernels implements Kernels {
    /** The shared instance. */
    public static final ScalarKernels INSTANCE = new ScalarKernels();

    /** Added inside the logarithm of the cross-entropy so a zero probability gives a large finite loss, as in the origin notes. */
    static final double LOG_GUARD = 1e-7;

    private ScalarKernels() {
    }

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k,
                     float alpha, float[] a, int aOff, int lda,
                     float[] b, int bOff, int ldb,
                     float beta, float[] c, int cOff, int ldc) {
        ScalarGemm.gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    @Override
    public DenseWeights packDense(float[] w, int wOff, int in, int out, float[] b, int bOff) {
        DenseWeights.checkPack(w, wOff, in, out, b, bOff);
        return new DenseWeights(this, in, out, java.util.Arrays.copyOfRange(w, wOff, wOff + in * out), null,
                java.util.Arrays.copyOfRange(b, bOff, bOff + out));
    }

    @Override
    public void dense(DenseWeights weights, float[] x, int xOff, float[] y, int yOff, int n) {
        weights.checkRun(this, x, xOff, y, yOff, n);
        int in = weights.in;
        int out = weights.out;
        gemm(false, false, n, out, in, 1f, x, xOff, in, weights.w, 0, out, 0f, y, yOff, out);
        addBias(y, yOff, n, out, weights.bias, 0);
    }

    @Override
    public void addBias(float[] x, int xOff, int rows, int cols, float[] bias, int biasOff) {
        Checks.range("x", x, xOff, Checks.dims(rows, cols));
        Checks.range("bias", bias, biasOff, cols);
        for (int r = 0; r < rows; r++) {
            int row = xOff + r * cols;
            for (int j = 0; j < cols; j++) {
                x[row + j] += bias[biasOff + j];
            }
        }
    }

    @Override
    public void columnSums(float[] x, int xOff, int rows, int cols, float[] out, int outOff) {
        Checks.range("x", x, xOff, Checks.dims(rows, cols));
        Checks.range("out", out, outOff, cols);
        for (int j = 0; j < cols; j++) {
            out[outOff + j] = 0f;
        }
        for (int r = 0; r < rows; r++) {
            int row = xOff + r * cols;
            for (int j = 0; j < cols; j++) {
                out[outOff + j] += x[row + j];
            }
        }
    }

    @Override
    public void reluForward(float[] x, int xOff, float[] y, int yOff, int n) {
        Checks.range("x", x, xOff, n);
        Checks.range("y", y, yOff, n);
        for (int i = 0; i < n; i++) {
            float v = x[xOff + i];
            y[yOff + i] = v > 0f ? v : 0f;
        }
    }

    @Override
    public void reluBackward(float[] x, int xOff, float[] dout, int doutOff, float[] dx, int dxOff, int n) {
        Checks.range("x", x, xOff, n);
        Checks.range("dout", dout, doutOff, n);
        Checks.range("dx", dx, dxOff, n);
        for (int i = 0; i < n; i++) {
            dx[dxOff + i] = x[xOff + i] > 0f ? dout[doutOff + i] : 0f;
        }
    }

    @Override
    public void sigmoidForward(float[] x, int xOff, float[] y, int yOff, int n) {
        Checks.range("x", x, xOff, n);
        Checks.range("y", y, yOff, n);
        for (int i = 0; i < n; i++) {
            y[yOff + i] = (float) (1.0 / (1.0 + Math.exp(-x[xOff + i])));
        }
    }

    @Override
    public void sigmoidBackward(float[] y, int yOff, float[] dout, int doutOff, float[] dx, int dxOff, int n) {
        Checks.range("y", y, yOff, n);
        Checks.range("dout", dout, doutOff, n);
        Checks.range("dx", dx, dxOff, n);
        for (int i = 0; i < n; i++) {
            float v = y[yOff + i];
            dx[dxOff + i] = dout[doutOff + i] * (1f - v) * v;
        }
    }

    @Override
    public void tanhForward(float[] x, int xOff, float[] y, int yOff, int n) {
        Checks.range("x", x, xOff, n);
        Checks.range("y", y, yOff, n);
        for (int i = 0; i < n; i++) {
            y[yOff + i] = (float) Math.tanh(x[xOff + i]);
        }
    }

    @Override
    public void tanhBackward(float[] y, int yOff, float[] dout, int doutOff, float[] dx, int dxOff, int n) {
        Checks.range("y", y, yOff, n);
        Checks.range("dout", dout, doutOff, n);
        Checks.range("dx", dx, dxOff, n);
        for (int i = 0; i < n; i++) {
            float v = y[yOff + i];
            dx[dxOff + i] = dout[doutOff + i] * (1f - v * v);
        }
    }

    @Override
    public void multiply(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int n) {
        Checks.range("a", a, aOff, n);
        Checks.range("b", b, bOff, n);
        Checks.range("out", out, outOff, n);
        for (int i = 0; i < n; i++) {
            out[outOff + i] = a[aOff + i] * b[bOff + i];
        }
    }

    @Override
    public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        Checks.range("x", x, xOff, n);
        Checks.range("y", y, yOff, n);
        for (int i = 0; i < n; i++) {
            y[yOff + i] += alpha * x[xOff + i];
        }
    }

    @Override
    public void batchNormForward(float[] x, int rows, int cols, float[] gamma, float[] beta, float eps,
                                 float[] mean, float[] invStd, float[] xhat, float[] y) {
        Checks.batchNorm(x, rows, cols, gamma, beta, mean, invStd, xhat, y);
        for (int j = 0; j < cols; j++) {
            float s = 0;
            for (int r = 0; r < rows; r++) {
                s += x[r * cols + j];
            }
            mean[j] = s / rows;
        }
        for (int j = 0; j < cols; j++) {
            float s = 0;
            for (int r = 0; r < rows; r++) {
                float c = x[r * cols + j] - mean[j];
                s += c * c;
            }
            invStd[j] = (float) (1.0 / Math.sqrt(s / rows + eps));
        }
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < cols; j++) {
                int i = r * cols + j;
                float h = (x[i] - mean[j]) * invStd[j];
                xhat[i] = h;
                y[i] = gamma[j] * h + beta[j];
            }
        }
    }

    @Override
    public void batchNormBackward(float[] xhat, float[] invStd, float[] gamma, float[] dout, int rows, int cols,
                                  float[] dgamma, float[] dbeta, float[] dx) {
        Checks.batchNorm(xhat, rows, cols, gamma, invStd, dgamma, dbeta, dout, dx);
        for (int j = 0; j < cols; j++) {
            float sb = 0;
            float sg = 0;
            for (int r = 0; r < rows; r++) {
                int i = r * cols + j;
                sb += dout[i];
                sg += dout[i] * xhat[i];
            }
            dbeta[j] = sb;
            dgamma[j] = sg;
        }
        float inv = 1f / rows;
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < cols; j++) {
                int i = r * cols + j;
                dx[i] = gamma[j] * invStd[j] * (dout[i] - dbeta[j] * inv - xhat[i] * dgamma[j] * inv);
            }
        }
    }

    @Override
    public void scaleShiftColumns(float[] x, int xOff, int rows, int cols, float[] scale, float[] shift, float[] y, int yOff) {
        Checks.scaleShift(x, xOff, rows, cols, scale, shift, y, yOff);
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < cols; j++) {
                y[yOff + r * cols + j] = x[xOff + r * cols + j] * scale[j] + shift[j];
            }
        }
    }

    @Override
    public void softmaxRows(float[] x, int xOff, float[] y, int yOff, int rows, int cols) {
        long size = Checks.dims(rows, cols);
        Checks.range("x", x, xOff, size);
        Checks.range("y", y, yOff, size);
        for (int r = 0; r < rows; r++) {
            int xr = xOff + r * cols;
            int yr = yOff + r * cols;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < cols; j++) {
                max = Math.max(max, x[xr + j]);
            }
            double sum = 0;
            for (int j = 0; j < cols; j++) {
                float e = (float) Math.exp(x[xr + j] - max);
                y[yr + j] = e;
                sum += e;
            }
            float inv = (float) (1.0 / sum);
            for (int j = 0; j < cols; j++) {
                y[yr + j] *= inv;
            }
        }
    }

    @Override
    public double crossEntropyLabels(float[] p, int pOff, int rows, int cols, int[] labels, int labelsOff) {
        Checks.range("p", p, pOff, Checks.dims(rows, cols));
        Checks.labels(labels, labelsOff, rows, cols);
        double sum = 0;
        for (int r = 0; r < rows; r++) {
            sum += Math.log(p[pOff + r * cols + labels[labelsOff + r]] + LOG_GUARD);
        }
        return -sum / rows;
    }

    @Override
    public double crossEntropyDense(float[] p, int pOff, float[] t, int tOff, int rows, int cols) {
        long size = Checks.dims(rows, cols);
        Checks.range("p", p, pOff, size);
        Checks.range("t", t, tOff, size);
        double sum = 0;
        for (int i = 0; i < size; i++) {
            float ti = t[tOff + i];
            if (ti != 0f) {
                sum += ti * Math.log(p[pOff + i] + LOG_GUARD);
            }
        }
        return -sum / rows;
    }

    @Override
    public double softmaxCrossEntropy(float[] x, int xOff, int rows, int cols, int[] labels, int labelsOff,
                                      float[] y, int yOff, float[] dx, int dxOff) {
        long size = Checks.dims(rows, cols);
        Checks.range("dx", dx, dxOff, size);
        softmaxRows(x, xOff, y, yOff, rows, cols);
        double loss = crossEntropyLabels(y, yOff, rows, cols, labels, labelsOff);
        float scale = 1f / rows;
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < cols; j++) {
                dx[dxOff + r * cols + j] = y[yOff + r * cols + j] * scale;
            }
            dx[dxOff + r * cols + labels[labelsOff + r]] -= scale;
        }
        return loss;
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
            int best = 0;
            float max = x[row];
            for (int j = 1; j < cols; j++) {
                if (x[row + j] > max) {
                    max = x[row + j];
                    best = j;
                }
            }
            out[outOff + r] = best;
        }
    }

    /** One: the plain little-endian packing, four consecutive values to an int. */
    @Override
    public int codeLanes() {
        return 1;
    }

    @Override
    public boolean packCodes(float[] x, int xOff, int n, int lanes, int[] codes, int codesOff) {
        Checks.range("codes", codes, codesOff, PixelCodes.intsPerRow(n, lanes));
        Checks.range("x", x, xOff, n);
        return PixelCodes.packFrom(x, xOff, 0, n, lanes, codes, codesOff);
    }

    @Override
    public void widenCodes(int[] codes, int codesOff, int lanes, float[] y, int yOff, int n) {
        Checks.range("codes", codes, codesOff, PixelCodes.intsPerRow(n, lanes));
        Checks.range("y", y, yOff, n);
        for (int p = 0; p < n; p++) {
            y[yOff + p] = PixelCodes.value(PixelCodes.code(codes, codesOff, p, lanes));
        }
    }
}
