package io.github.vecprop.layer;

import io.github.vecprop.tensor.Shape;
import io.github.vecprop.tensor.Tensor;

/**
 * One learnable parameter of a layer with its gradient, both live tensors owned by the layer: an
 * optimizer updates {@code value} in place, and the layer's {@code backward} overwrites
 * {@code gradient}.
 *
 * @param name the layer-local name, e.g. {@code "W"} or {@code "b"}; a net numbers it ({@code W1}, {@code b2}, ...)
 * @param value the parameter
 * @param gradient the gradient of the loss with respect to it, same shape, from the last backward pass
 * @param decayed whether weight decay applies to it: true for weight matrices (the book's {@code W}),
 *     false for biases and other parameters
 */
public record Parameter(String name, Tensor value, Tensor gradient, boolean decayed) {
    /** Checks that every field is present and that the gradient has the parameter's shape. */
    public Parameter {
        Shape.requireNonNull("parameter name", name);
        Shape.requireNonNull("parameter " + name, value);
        Shape.requireNonNull("gradient of " + name, gradient);
        Shape.requireSame("parameter " + name, value, "its gradient", gradient);
    }

    /** A parameter that weight decay leaves alone. */
    public Parameter(String name, Tensor value, Tensor gradient) {
        this(name, value, gradient, false);
    }
}
