package io.github.vecprop.check;

import io.github.vecprop.kernel.DenseWeights;
import io.github.vecprop.kernel.Kernels;

/**
 * Delegates every call to another {@link Kernels}; tests override one method to plant a bug and
 * show that a property check catches it.
 */
public class ForwardingKernels implements Kernels {
    private final Kernels delegate;

    public ForwardingKernels(Kernels delegate) {
        this.delegate = delegate;
    }

    @Override
    public String name() {
        return "mutant-of-" + delegate.name();
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
                     float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        delegate.gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    @Override
    public DenseWeights packDense(float[] w, int wOff, int in, int out, float[] b, int bOff) {
        return delegate.packDense(w, wOff, in, out, b, bOff);
    }

    @Override
    public void dense(DenseWeights weights, float[] x, int xOff, float[] y, int yOff, int n) {
        delegate.dense(weights, x, xOff, y, yOff, n);
    }

    @Override
    public void addBias(float[] x, int xOff, int rows, int cols, float[] bias, int biasOff) {
        delegate.addBias(x, xOff, rows, cols, bias, biasOff);
    }

    @Override
    public void columnSums(float[] x, int xOff, int rows, int cols, float[] out, int outOff) {
        delegate.columnSums(x, xOff, rows, cols, out, outOff);
    }

    @Override
    public void reluForward(float[] x, int xOff, float[] y, int yOff, int n) {
        delegate.reluForward(x, xOff, y, yOff, n);
    }

    @Override
    public void reluBackward(float[] x, int xOff, float[] dout, int doutOff, float[] dx, int dxOff, int n) {
        delegate.reluBackward(x, xOff, dout, doutOff, dx, dxOff, n);
    }

    @Override
    public void sigmoidForward(float[] x, int xOff, float[] y, int yOff, int n) {
        delegate.sigmoidForward(x, xOff, y, yOff, n);
    }

    @Override
    public void sigmoidBackward(float[] y, int yOff, float[] dout, int doutOff, float[] dx, int dxOff, int n) {
        delegate.sigmoidBackward(y, yOff, dout, doutOff, dx, dxOff, n);
    }

    @Override
    public void tanhForward(float[] x, int xOff, float[] y, int yOff, int n) {
        delegate.tanhForward(x, xOff, y, yOff, n);
    }

    @Override
    public void tanhBackward(float[] y, int yOff, float[] dout, int doutOff, float[] dx, int dxOff, int n) {
        delegate.tanhBackward(y, yOff, dout, doutOff, dx, dxOff, n);
    }

    @Override
    public void multiply(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int n) {
        delegate.multiply(a, aOff, b, bOff, out, outOff, n);
    }

    @Override
    public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        delegate.axpy(alpha, x, xOff, y, yOff, n);
    }

    @Override
    public void batchNormForward(float[] x, int rows, int cols, float[] gamma, float[] beta, float eps,
                                 float[] mean, float[] invStd, float[] xhat, float[] y) {
        delegate.batchNormForward(x, rows, cols, gamma, beta, eps, mean, invStd, xhat, y);
    }

    @Override
    public void batchNormBackward(float[] xhat, float[] invStd, float[] gamma, float[] dout, int rows, int cols,
                                  float[] dgamma, float[] dbeta, float[] dx) {
        delegate.batchNormBackward(xhat, invStd, gamma, dout, rows, cols, dgamma, dbeta, dx);
    }

    @Override
    public void scaleShiftColumns(float[] x, int xOff, int rows, int cols, float[] scale, float[] shift, float[] y, int yOff) {
        delegate.scaleShiftColumns(x, xOff, rows, cols, scale, shift, y, yOff);
    }

    @Override
    public void softmaxRows(float[] x, int xOff, float[] y, int yOff, int rows, int cols) {
        delegate.softmaxRows(x, xOff, y, yOff, rows, cols);
    }

    @Override
    public double crossEntropyLabels(float[] p, int pOff, int rows, int cols, int[] labels, int labelsOff) {
        return delegate.crossEntropyLabels(p, pOff, rows, cols, labels, labelsOff);
    }

    @Override
    public double crossEntropyDense(float[] p, int pOff, float[] t, int tOff, int rows, int cols) {
        return delegate.crossEntropyDense(p, pOff, t, tOff, rows, cols);
    }

    @Override
    public double softmaxCrossEntropy(float[] x, int xOff, int rows, int cols, int[] labels, int labelsOff,
                                      float[] y, int yOff, float[] dx, int dxOff) {
        return delegate.softmaxCrossEntropy(x, xOff, rows, cols, labels, labelsOff, y, yOff, dx, dxOff);
    }

    @Override
    public void argmaxRows(float[] x, int xOff, int rows, int cols, int[] out, int outOff) {
        delegate.argmaxRows(x, xOff, rows, cols, out, outOff);
    }

    @Override
    public int codeLanes() {
        return delegate.codeLanes();
    }

    @Override
    public boolean packCodes(float[] x, int xOff, int n, int lanes, int[] codes, int codesOff) {
        return delegate.packCodes(x, xOff, n, lanes, codes, codesOff);
    }

    @Override
    public void widenCodes(int[] codes, int codesOff, int lanes, float[] y, int yOff, int n) {
        delegate.widenCodes(codes, codesOff, lanes, y, yOff, n);
    }
}
