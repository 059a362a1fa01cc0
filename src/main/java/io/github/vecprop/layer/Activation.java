package io.github.vecprop.layer;

import io.github.vecprop.kernel.Kernels;

import java.util.Locale;

/** The activation layers a net builder can put between affine layers, by name. */
public enum Activation {
    /** {@link Relu}. */
    RELU,
    /** {@link Sigmoid}. */
    SIGMOID,
    /** {@link Tanh}. */
    TANH;

    /** A new layer of this activation on {@code kernels}. */
    public Layer create(Kernels kernels) {
        return switch (this) {
            case RELU -> new Relu(kernels);
            case SIGMOID -> new Sigmoid(kernels);
            case TANH -> new Tanh(kernels);
        };
    }

    /** The layer kind it creates, as {@link LayerSpec#kind()} names it: {@code Relu}, {@code Sigmoid} or {@code Tanh}. */
    public String kind() {
        return switch (this) {
            case RELU -> "Relu";
            case SIGMOID -> "Sigmoid";
            case TANH -> "Tanh";
        };
    }

    /**
     * The activation called {@code name}, case-insensitively: {@code relu}, {@code sigmoid} or {@code tanh}.
     *
     * @throws IllegalArgumentException for any other name
     */
    public static Activation named(String name) {
        for (Activation a : values()) {
            if (a.name().equalsIgnoreCase(name)) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown activation '" + name + "'; choose relu, sigmoid or tanh");
    }

    /** The lower-case name, as {@link #named} takes it. */
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
