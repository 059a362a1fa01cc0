package io.github.vecprop.layer;

import io.github.vecprop.tensor.Shape;
import io.github.vecprop.tensor.Tensor;

/**
 * The mean-squared-error loss for regression: {@code L = 1/N * sum over rows of 0.5 * |x - t|²} for
 * scores {@code x} ({@code N x C}) and targets {@code t} of the same shape, the book's
 * {@code mean_squared_error} ({@code 0.5 * sum (y - t)²}) averaged over the batch like
 * {@link SoftmaxWithLoss}. The scores are used as they are (no output activation); backward is
 * {@code dout * (x - t) / N}. Label indices stand for their one-hot rows. The sum is accumulated in
 * double. The gradient is a layer-owned buffer overwritten by the next call; not thread-safe.
 */
public final class MeanSquaredError implements LossLayer {
    // (x - t) / N, computed with the loss so backward(1) costs nothing.
    private Tensor gradient;
    private Tensor dx;
    private double loss;

    /** A mean-squared-error loss (plain loops: a loss over N x C is never the hot path). */
    public MeanSquaredError() {
    }

    /**
     * The loss against label indices, as against their one-hot rows.
     *
     * @throws IllegalArgumentException if {@code t.length != N} or a label is outside {@code [0, C)}
     */
    @Override
    public double forward(Tensor x, int[] t) {
        Shape.requireBatch("MeanSquaredError input", x);
        Shape.requireNonNull("labels", t);
        int n = x.dim(0);
        int c = x.dim(1);
        if (t.length != n) {
            throw new IllegalArgumentException("MeanSquaredError input has shape " + x.shape() + " but there are "
                    + t.length + " labels; need one label per row");
        }
        for (int r = 0; r < n; r++) {
            if (t[r] < 0 || t[r] >= c) {
                throw new IllegalArgumentException("label " + t[r] + " at row " + r + " is outside [0, " + c + ")");
            }
        }
        gradient = Buffers.matrix(gradient, n, c);
        float[] xd = x.data();
        float[] g = gradient.data();
        float scale = 1f / n;
        double sum = 0;
        for (int r = 0; r < n; r++) {
            for (int j = 0; j < c; j++) {
                int i = r * c + j;
                float e = xd[i] - (j == t[r] ? 1f : 0f);
                sum += (double) e * e;
                g[i] = e * scale;
            }
        }
        loss = 0.5 * sum / n;
        return loss;
    }

    /**
     * The loss against dense targets of the same shape as {@code x}.
     *
     * @throws IllegalArgumentException if the shapes differ
     */
    @Override
    public double forward(Tensor x, Tensor t) {
        Shape.requireBatch("MeanSquaredError input", x);
        Shape.requireNonNull("targets", t);
        if (!t.shape().equals(x.shape())) {
            throw new IllegalArgumentException("MeanSquaredError input has shape " + x.shape()
                    + " but the targets have shape " + t.shape() + "; they must match (N x C)");
        }
        int n = x.dim(0);
        gradient = Buffers.matrix(gradient, n, x.dim(1));
        float[] xd = x.data();
        float[] td = t.data();
        float[] g = gradient.data();
        float scale = 1f / n;
        double sum = 0;
        for (int i = 0; i < g.length; i++) {
            float e = xd[i] - td[i];
            sum += (double) e * e;
            g[i] = e * scale;
        }
        loss = 0.5 * sum / n;
        return loss;
    }

    @Override
    public Tensor backward(float dout) {
        if (gradient == null) {
            throw new IllegalStateException("MeanSquaredError.backward called before forward");
        }
        if (dout == 1f) {
            return gradient;
        }
        dx = Buffers.matrix(dx, gradient.dim(0), gradient.dim(1));
        float[] g = gradient.data();
        float[] d = dx.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = dout * g[i];
        }
        return dx;
    }

    @Override
    public double loss() {
        return loss;
    }

    /** {@code MeanSquaredError}, no attributes. */
    @Override
    public LayerSpec spec() {
        return LayerSpec.of("MeanSquaredError");
    }
}
