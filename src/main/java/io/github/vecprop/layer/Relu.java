package io.github.vecprop.layer;

import io.github.vecprop.kernel.KernelProvider;
import io.github.vecprop.kernel.Kernels;

/**
 * ReLU, {@code out = max(0, x)} elementwise, on a tensor of any shape. Backward passes {@code dout}
 * where the input was positive and zero elsewhere (the derivative at exactly 0 is taken as 0, as the
 * origin notes' {@code x <= 0} mask does). Unlike the notes, backward writes a fresh {@code dx} and
 * leaves the caller's {@code dout} intact. Buffer ownership as in {@link Layer}; not thread-safe.
 */
public final class Relu extends ElementwiseLayer {
    /** A ReLU on the provider's kernels. */
    public Relu() {
        this(KernelProvider.get());
    }

    /** A ReLU on the given kernels. */
    public Relu(Kernels kernels) {
        // The output doubles as the mask: out > 0 exactly where x > 0.
        super("Relu", kernels, Kernels::reluForward, Kernels::reluBackward);
    }
}
