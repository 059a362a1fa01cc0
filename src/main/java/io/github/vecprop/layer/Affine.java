package io.github.vecprop.layer;

import io.github.vecprop.kernel.KernelProvider;
import io.github.vecprop.kernel.Kernels;
import io.github.vecprop.tensor.Shape;
import io.github.vecprop.tensor.Tensor;

/**
 * The fully connected layer of the origin notes: {@code out = x · W + b} for a batch {@code x} of
 * shape {@code N x in}, weights {@code W} of shape {@code in x out} and bias {@code b} of shape
 * {@code out}. Backward computes {@code dx = dout · Wᵀ}, {@code dW = xᵀ · dout} and
 * {@code db = sum of dout over the batch}, all through {@link Kernels#gemm} without materialising a
 * transpose.
 *
 * <p>Ownership: the layer uses the {@code W} and {@code b} tensors it is given (not copies), so an
 * optimizer or loader updating them in place updates the layer; replace weights with
 * {@link Tensor#copyFrom}, never by swapping tensors. {@link #dW()} and {@link #db()} are
 * layer-owned and overwritten (not accumulated) by every {@code backward}. Not thread-safe.
 */
public final class Affine implements Layer {
    private final Kernels kernels;
    private final Tensor w;
    private final Tensor b;
    private final Tensor dW;
    private final Tensor db;
    private boolean inputGradientNeeded = true;
    private Tensor x;
    private Tensor out;
    private Tensor dx;

    /** An affine layer over {@code W} ({@code in x out}) and {@code b} ({@code out}) on the provider's kernels. */
    public Affine(Tensor W, Tensor b) {
        this(W, b, KernelProvider.get());
    }

    /**
     * An affine layer over {@code W} ({@code in x out}) and {@code b} ({@code out}) on the given kernels.
     *
     * @throws IllegalArgumentException if the shapes do not fit together
     */
    public Affine(Tensor W, Tensor b, Kernels kernels) {
        Shape.requireNonNull("W", W);
        Shape.requireNonNull("b", b);
        Shape.requireNonNull("kernels", kernels);
        if (W.rank() != 2) {
            throw new IllegalArgumentException("Affine W must be a matrix (in x out), got shape " + W.shape());
        }
        if (!b.shape().is(W.dim(1))) {
            throw new IllegalArgumentException("Affine b has shape " + b.shape() + " but W has shape " + W.shape()
                    + "; b must have shape [" + W.dim(1) + "]");
        }
        this.kernels = kernels;
        this.w = W;
        this.b = b;
        this.dW = Tensor.zeros(W.dim(0), W.dim(1));
        this.db = Tensor.zeros(W.dim(1));
    }

    /** The weights {@code W} ({@code in x out}), live. */
    public Tensor W() {
        return w;
    }

    /** The bias {@code b} ({@code out}), live. */
    public Tensor b() {
        return b;
    }

    /** The weight gradient from the last {@code backward} ({@code in x out}); overwritten by the next. */
    public Tensor dW() {
        return dW;
    }

    /** The bias gradient from the last {@code backward} ({@code out}); overwritten by the next. */
    public Tensor db() {
        return db;
    }

    /**
     * Whether {@code backward} computes {@code dx} (default true). The first layer of a net can turn
     * it off, since nothing consumes the gradient with respect to the data; {@code backward} then
     * returns null.
     */
    public void setInputGradientNeeded(boolean needed) {
        this.inputGradientNeeded = needed;
    }

    @Override
    public Tensor forward(Tensor x) {
        Shape.requireBatch("Affine input", x);
        int in = w.dim(0);
        int outSize = w.dim(1);
        if (x.dim(1) != in) {
            throw new IllegalArgumentException("Affine input has shape " + x.shape() + " but W has shape " + w.shape()
                    + "; the input needs " + in + " columns");
        }
        int n = x.dim(0);
        this.x = x;
        out = Buffers.matrix(out, n, outSize);
        kernels.gemm(false, false, n, outSize, in, 1f, x.data(), 0, in, w.data(), 0, outSize, 0f, out.data(), 0, outSize);
        kernels.addBias(out.data(), 0, n, outSize, b.data(), 0);
        return out;
    }

    @Override
    public Tensor backward(Tensor dout) {
        Buffers.requireBackward("Affine", out, dout);
        int n = x.dim(0);
        int in = w.dim(0);
        int outSize = w.dim(1);
        kernels.gemm(true, false, in, outSize, n, 1f, x.data(), 0, in, dout.data(), 0, outSize, 0f, dW.data(), 0, outSize);
        kernels.columnSums(dout.data(), 0, n, outSize, db.data(), 0);
        if (!inputGradientNeeded) {
            return null;
        }
        dx = Buffers.matrix(dx, n, in);
        kernels.gemm(false, true, n, in, outSize, 1f, dout.data(), 0, outSize, w.data(), 0, outSize, 0f, dx.data(), 0, in);
        return dx;
    }
}
