package io.github.vecprop.layer;

import io.github.vecprop.kernel.Kernels;
import io.github.vecprop.tensor.Shape;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.ToLongFunction;

/**
 * Rebuilds layers from their {@link LayerSpec}s (what model files store): the one place that maps a
 * kind to a class. A new layer kind adds one entry here. Parameters start at zero; a loader copies
 * the stored values in.
 */
public final class Layers {
    /** How to build a kind from its spec, and how many parameter elements it will hold. */
    private record Kind(BiFunction<LayerSpec, Kernels, Layer> create, ToLongFunction<LayerSpec> parameterCount) {
    }

    private static final Map<String, Kind> KINDS = new LinkedHashMap<>();

    static {
        KINDS.put("Affine", new Kind(Affine::fromSpec, Affine::parameterCount));
        KINDS.put("BatchNorm", new Kind(BatchNorm::fromSpec, BatchNorm::parameterCount));
        KINDS.put("Dropout", new Kind(Dropout::fromSpec, spec -> {
            Dropout.fromSpec(spec, io.github.vecprop.kernel.KernelProvider.scalar());
            return 0;
        }));
        for (Activation a : Activation.values()) {
            KINDS.put(a.kind(), new Kind((spec, k) -> {
                spec.requireAttributes();
                return a.create(k);
            }, spec -> {
                spec.requireAttributes();
                return 0;
            }));
        }
    }

    private Layers() {
    }

    private static Kind kind(LayerSpec spec) {
        Shape.requireNonNull("layer spec", spec);
        Kind k = KINDS.get(spec.kind());
        if (k == null) {
            throw new IllegalArgumentException("unknown layer kind '" + spec.kind() + "'; this vecprop knows "
                    + String.join(", ", KINDS.keySet()));
        }
        return k;
    }

    /**
     * A new layer for {@code spec} on {@code kernels}.
     *
     * @throws IllegalArgumentException if the kind is unknown or its attributes are wrong
     */
    public static Layer create(LayerSpec spec, Kernels kernels) {
        Kind k = kind(spec);
        Shape.requireNonNull("kernels", kernels);
        return k.create().apply(spec, kernels);
    }

    /**
     * How many tensor elements (parameters and {@link Layer#state() state}) a layer of {@code spec}
     * holds, from the spec alone: a loader compares it with what a file really holds before it
     * allocates anything.
     *
     * @throws IllegalArgumentException if the kind is unknown or its attributes are wrong
     */
    public static long parameterCount(LayerSpec spec) {
        return kind(spec).parameterCount().applyAsLong(spec);
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
