package io.github.vecprop.layer;

import io.github.vecprop.tensor.Tensor;

/**
 * A batch layer of the origin notes: {@code forward} computes the output and keeps what
 * {@code backward} needs; {@code backward} takes the upstream gradient {@code dout} (same shape as
 * the last output) and returns {@code dx} (same shape as the last input).
 *
 * <p>Ownership: the returned tensors are buffers owned by the layer and overwritten by its next call
 * of the same method; copy them to keep them, and do not modify them (a layer may read its own
 * output again in {@code backward}). Inputs are never modified, but the layer may keep a
 * reference to {@code x} until the matching {@code backward}, so do not change {@code x} in between.
 * Layers are not thread-safe.
 */
public interface Layer {
    /** The output for input batch {@code x}. */
    Tensor forward(Tensor x);

    /** The gradient of the loss with respect to the last {@code forward}'s input, given {@code dout}. */
    Tensor backward(Tensor dout);
}
