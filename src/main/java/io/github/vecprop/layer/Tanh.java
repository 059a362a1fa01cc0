package io.github.vecprop.layer;

import io.github.vecprop.kernel.KernelProvider;
import io.github.vecprop.kernel.Kernels;

/**
 * Hyperbolic tangent, {@code out = tanh(x)} elementwise, on a tensor of any shape; backward is
 * {@code dx = dout * (1 - out²)}. Buffer ownership as in {@link Layer}; not thread-safe.
 */
public final class Tanh extends ElementwiseLayer {
    /** A tanh on the provider's kernels. */
    public Tanh() {
        this(KernelProvider.get());
    }

    /** A tanh on the given kernels. */
    public Tanh(Kernels kernels) {
        super("Tanh", kernels, Kernels::tanhForward, Kernels::tanhBackward);
    }
}
