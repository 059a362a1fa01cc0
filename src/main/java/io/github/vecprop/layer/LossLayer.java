package io.github.vecprop.layer;

import io.github.vecprop.tensor.Tensor;

/**
 * The last layer of a net: a loss of scores {@code x} ({@code N x C}) against targets, either label
 * indices ({@code int[N]}, each in {@code [0, C)}) or a dense tensor of the same shape as {@code x}.
 * {@code forward} returns the loss and keeps what {@code backward} needs; {@code backward(dout)}
 * returns {@code dout * dL/dx} ({@code N x C}), a layer-owned buffer overwritten by the next call.
 * Not thread-safe.
 */
public interface LossLayer {
    /** The mean loss of scores {@code x} against label indices {@code t}. */
    double forward(Tensor x, int[] t);

    /** The mean loss of scores {@code x} against dense targets {@code t} of the same shape. */
    double forward(Tensor x, Tensor t);

    /** {@code dout * dL/dx} for the last forward; layer-owned. */
    Tensor backward(float dout);

    /** {@code backward(1)}: the gradient of the loss itself. */
    default Tensor backward() {
        return backward(1f);
    }

    /** The loss of the last forward. */
    double loss();

    /** What this loss is, for files. */
    LayerSpec spec();
}
