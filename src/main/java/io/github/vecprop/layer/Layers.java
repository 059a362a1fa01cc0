package io.github.vecprop.layer;

import io.github.vecprop.kernel.Kernels;
import io.github.vecprop.tensor.Shape;

/**
 * Rebuilds layers from their {@link LayerSpec}s (what model files store): the one place that maps a
 * kind to a class. Parameters start at zero; a loader copies the stored values in.
 */
public final class Layers {
    private Layers() {
    }

    /**
     * A new layer for {@code spec} on {@code kernels}.
     *
     * @throws IllegalArgumentException if the kind is unknown or its attributes are wrong
     */
    public static Layer create(LayerSpec spec, Kernels kernels) {
        Shape.requireNonNull("layer spec", spec);
        Shape.requireNonNull("kernels", kernels);
        return switch (spec.kind()) {
            case "Affine" -> Affine.fromSpec(spec, kernels);
            case "Relu", "Sigmoid", "Tanh" -> {
                spec.requireAttributes();
                yield Activation.named(spec.kind()).create(kernels);
            }
            default -> throw new IllegalArgumentException("unknown layer kind '" + spec.kind()
                    + "'; this vecprop knows Affine, Relu, Sigmoid and Tanh");
        };
    }

    /**
     * A new loss layer for {@code spec} on {@code kernels}.
     *
     * @throws IllegalArgumentException if the kind is unknown or has attributes
     */
    public static LossLayer createLoss(LayerSpec spec, Kernels kernels) {
        Shape.requireNonNull("loss spec", spec);
        Shape.requireNonNull("kernels", kernels);
        return switch (spec.kind()) {
            case "SoftmaxWithLoss" -> {
                spec.requireAttributes();
                yield new SoftmaxWithLoss(kernels);
            }
            case "MeanSquaredError" -> {
                spec.requireAttributes();
                yield new MeanSquaredError();
            }
            default -> throw new IllegalArgumentException("unknown loss kind '" + spec.kind()
                    + "'; this vecprop knows SoftmaxWithLoss and MeanSquaredError");
        };
    }
}
