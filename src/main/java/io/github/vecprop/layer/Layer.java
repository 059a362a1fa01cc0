package io.github.vecprop.layer;

import io.github.vecprop.tensor.Tensor;

import java.util.List;

/**
 * A batch layer of the origin notes: {@code forward} computes the output and keeps what
 * {@code backward} needs; {@code backward} takes the upstream gradient {@code dout} (same shape as
 * the last output) and returns {@code dx} (same shape as the last input).
 *
 * <p>Beyond the notes, a layer lists its learnable {@link #parameters()} with their gradients under
 * layer-local names (a net numbers them), knows whether it is in training or inference mode, describes
 * itself as a {@link LayerSpec} so that a file can rebuild it, and {@link #freeze freezes} into an
 * immutable {@link FrozenLayer} for serving. A net needs nothing else of a layer, so a new layer is
 * only its class, its kernels and its tests (and one line in {@link Layers}).
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

    /**
     * Backward for a layer whose input gradient nobody needs (the first layer of a net): the parameter
     * gradients only, skipping the work for {@code dx} where the layer can. The default runs
     * {@link #backward} and drops {@code dx}.
     */
    default void backwardParameters(Tensor dout) {
        backward(dout);
    }

    /**
     * The learnable parameters and their gradients, in a fixed order under layer-local names
     * ({@code W}, {@code b}); live tensors (see {@link Parameter}). Empty for a layer without any.
     * Gradients are overwritten, not accumulated, by each {@code backward}.
     */
    default List<Parameter> parameters() {
        return List.of();
    }

    /**
     * Tensors the layer keeps that are not learned by gradient (a BatchNorm's running statistics), under
     * layer-local names, live; a net numbers them like parameters and model files store them. Empty by default.
     */
    default java.util.Map<String, Tensor> state() {
        return java.util.Map.of();
    }

    /**
     * While {@code held}, a layer that draws random numbers in its forward pass (Dropout's mask) reuses
     * its last draw, so repeated forwards compute one function, as a numerical gradient needs. Layers
     * without randomness ignore it (the default).
     */
    default void holdRandomness(boolean held) {
    }

    /** Switches between training mode (true, the initial mode) and inference mode. */
    void setTraining(boolean training);

    /** Whether the layer is in training mode. */
    boolean isTraining();

    /**
     * The width of this layer's output rows for input rows of {@code inputWidth}.
     *
     * @throws IllegalArgumentException if the layer cannot take rows of that width (naming both widths)
     */
    int outputWidth(int inputWidth);

    /** What this layer is, for files: its kind and attributes (not its parameter values). */
    LayerSpec spec();

    /**
     * An immutable, thread-safe inference-mode snapshot for rows of {@code inputWidth}, with its own
     * copy of the current parameters: later training does not change it.
     *
     * @throws IllegalArgumentException if the layer cannot take rows of that width
     */
    FrozenLayer freeze(int inputWidth);
}
