package io.github.vecprop.layer;

import io.github.vecprop.kernel.KernelProvider;
import io.github.vecprop.kernel.Kernels;
import io.github.vecprop.tensor.Shape;
import io.github.vecprop.tensor.Tensor;

/**
 * Softmax followed by the mean cross-entropy loss, the last layer of the origin notes' net. Scores
 * {@code x} are {@code N x C}; targets are either label indices ({@code int[N]}, each in
 * {@code [0, C)}) or a one-hot (or any probability) tensor of shape {@code N x C}.
 *
 * <p>{@code forward} returns {@code -1/N * sum t * log(y + 1e-7)} with {@code y = softmax(x)}
 * (row maximum subtracted first; the sum accumulated in double). {@code backward(dout)} returns
 * {@code dout * (y - t) / N}. For label indices, softmax, loss and gradient are one fused kernel
 * ({@link Kernels#softmaxCrossEntropy}). The returned {@code dx} and {@link #y()} are layer-owned
 * buffers, overwritten by the next call. Not thread-safe.
 */
public final class SoftmaxWithLoss implements LossLayer {
    private final Kernels kernels;
    private Tensor y;
    // (y - t) / N, computed with the loss so backward(1) costs nothing.
    private Tensor gradient;
    private Tensor dx;
    private double loss;

    /** A softmax-with-loss on the provider's kernels. */
    public SoftmaxWithLoss() {
        this(KernelProvider.get());
    }

    /** A softmax-with-loss on the given kernels. */
    public SoftmaxWithLoss(Kernels kernels) {
        Shape.requireNonNull("kernels", kernels);
        this.kernels = kernels;
    }

    /**
     * The mean loss of scores {@code x} ({@code N x C}) against label indices {@code t} ({@code N}).
     *
     * @throws IllegalArgumentException if {@code t.length != N} or a label is outside {@code [0, C)}
     */
    @Override
    public double forward(Tensor x, int[] t) {
        Shape.requireBatch("SoftmaxWithLoss input", x);
        Shape.requireNonNull("labels", t);
        if (t.length != x.dim(0)) {
            throw new IllegalArgumentException("SoftmaxWithLoss input has shape " + x.shape() + " but there are "
                    + t.length + " labels; need one label per row");
        }
        allocate(x);
        loss = kernels.softmaxCrossEntropy(x.data(), 0, x.dim(0), x.dim(1), t, 0, y.data(), 0, gradient.data(), 0);
        return loss;
    }

    /**
     * The mean loss of scores {@code x} against one-hot targets {@code t}, both {@code N x C}.
     *
     * @throws IllegalArgumentException if the shapes differ
     */
    @Override
    public double forward(Tensor x, Tensor t) {
        Shape.requireBatch("SoftmaxWithLoss input", x);
        Shape.requireNonNull("one-hot targets", t);
        if (!t.shape().equals(x.shape())) {
            throw new IllegalArgumentException("SoftmaxWithLoss input has shape " + x.shape()
                    + " but the one-hot targets have shape " + t.shape() + "; they must match (N x C)");
        }
        allocate(x);
        kernels.softmaxRows(x.data(), 0, y.data(), 0, x.dim(0), x.dim(1));
        loss = kernels.crossEntropyDense(y.data(), 0, t.data(), 0, x.dim(0), x.dim(1));
        float scale = 1f / x.dim(0);
        float[] yd = y.data();
        float[] td = t.data();
        float[] g = gradient.data();
        for (int i = 0; i < g.length; i++) {
            g[i] = (yd[i] - td[i]) * scale;
        }
        return loss;
    }

    private void allocate(Tensor x) {
        y = Buffers.matrix(y, x.dim(0), x.dim(1));
        gradient = Buffers.matrix(gradient, x.dim(0), x.dim(1));
    }

    /**
     * {@code dx = dout * (y - t) / N} ({@code N x C}) for the last forward, which already computed
     * {@code (y - t) / N}; with {@code dout == 1} that buffer is returned as is. A layer-owned buffer.
     */
    @Override
    public Tensor backward(float dout) {
        if (y == null) {
            throw new IllegalStateException("SoftmaxWithLoss.backward called before forward");
        }
        if (dout == 1f) {
            return gradient;
        }
        dx = Buffers.matrix(dx, y.dim(0), y.dim(1));
        float[] g = gradient.data();
        float[] d = dx.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = dout * g[i];
        }
        return dx;
    }

    /** The softmax probabilities of the last forward ({@code N x C}); layer-owned. */
    public Tensor y() {
        return y;
    }

    @Override
    public double loss() {
        return loss;
    }

    /** {@code SoftmaxWithLoss}, no attributes. */
    @Override
    public LayerSpec spec() {
        return LayerSpec.of("SoftmaxWithLoss");
    }
}
