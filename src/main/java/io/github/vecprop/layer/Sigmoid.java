package io.github.vecprop.layer;

import io.github.vecprop.kernel.KernelProvider;
import io.github.vecprop.kernel.Kernels;

/**
 * Sigmoid, {@code out = 1 / (1 + exp(-x))} elementwise, on a tensor of any shape; backward is
 * {@code dx = dout * (1 - out) * out}. Buffer ownership as in {@link Layer}; not thread-safe.
 */
public final class Sigmoid extends ElementwiseLayer {
    /** A sigmoid on the provider's kernels. */
    public Sigmoid() {
        this(KernelProvider.get());
    }

    /** A sigmoid on the given kernels. */
    public Sigmoid(Kernels kernels) {
        super("Sigmoid", kernels, Kernels::sigmoidForward, Kernels::sigmoidBackward);
    }
}
