package io.github.vecprop.layer;

import io.github.vecprop.kernel.KernelProvider;
import io.github.vecprop.kernel.Kernels;
import io.github.vecprop.tensor.Shape;
import io.github.vecprop.tensor.Tensor;

/**
 * Sigmoid, {@code out = 1 / (1 + exp(-x))} elementwise, on a tensor of any shape; backward is
 * {@code dx = dout * (1 - out) * out}. Buffer ownership as in {@link Layer}; not thread-safe.
 */
public final class Sigmoid implements Layer {
    private final Kernels kernels;
    private Tensor out;
    private Tensor dx;

    /** A sigmoid on the provider's kernels. */
    public Sigmoid() {
        this(KernelProvider.get());
    }

    /** A sigmoid on the given kernels. */
    public Sigmoid(Kernels kernels) {
        Shape.requireNonNull("kernels", kernels);
        this.kernels = kernels;
    }

    @Override
    public Tensor forward(Tensor x) {
        Shape.requireNonNull("Sigmoid input", x);
        out = Buffers.like(out, x.shape());
        kernels.sigmoidForward(x.data(), 0, out.data(), 0, x.size());
        return out;
    }

    @Override
    public Tensor backward(Tensor dout) {
        Buffers.requireBackward("Sigmoid", out, dout);
        dx = Buffers.like(dx, dout.shape());
        kernels.sigmoidBackward(out.data(), 0, dout.data(), 0, dx.data(), 0, dout.size());
        return dx;
    }
}
