package io.github.vecprop.layer;

import io.github.vecprop.kernel.KernelProvider;
import io.github.vecprop.kernel.Kernels;
import io.github.vecprop.tensor.Shape;
import io.github.vecprop.tensor.Tensor;

/**
 * ReLU, {@code out = max(0, x)} elementwise, on a tensor of any shape. Backward passes {@code dout}
 * where the input was positive and zero elsewhere (the derivative at exactly 0 is taken as 0, as the
 * origin notes' {@code x <= 0} mask does). Unlike the notes, backward writes a fresh {@code dx} and
 * leaves the caller's {@code dout} intact. Buffer ownership as in {@link Layer}; not thread-safe.
 */
public final class Relu implements Layer {
    private final Kernels kernels;
    // The output doubles as the mask: out > 0 exactly where x > 0.
    private Tensor out;
    private Tensor dx;

    /** A ReLU on the provider's kernels. */
    public Relu() {
        this(KernelProvider.get());
    }

    /** A ReLU on the given kernels. */
    public Relu(Kernels kernels) {
        Shape.requireNonNull("kernels", kernels);
        this.kernels = kernels;
    }

    @Override
    public Tensor forward(Tensor x) {
        Shape.requireNonNull("Relu input", x);
        out = Buffers.like(out, x.shape());
        kernels.reluForward(x.data(), 0, out.data(), 0, x.size());
        return out;
    }

    @Override
    public Tensor backward(Tensor dout) {
        Buffers.requireBackward("Relu", out, dout);
        dx = Buffers.like(dx, dout.shape());
        kernels.reluBackward(out.data(), 0, dout.data(), 0, dx.data(), 0, dout.size());
        return dx;
    }
}
