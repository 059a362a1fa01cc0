package io.github.vecprop.layer;

import io.github.vecprop.kernel.Kernels;
import io.github.vecprop.tensor.Shape;
import io.github.vecprop.tensor.Tensor;

/**
 * An activation applied element by element, on a tensor of any shape, whose derivative is a function
 * of its output (ReLU, sigmoid, tanh): the layer is its two kernels. Backward writes a fresh {@code dx}
 * and leaves {@code dout} intact. No parameters; the same in training and inference mode.
 */
abstract class ElementwiseLayer extends LayerBase {
    /** {@code y = f(x)} over {@code n} elements; {@code y} may be {@code x}. */
    interface Forward {
        void apply(Kernels k, float[] x, int xOff, float[] y, int yOff, int n);
    }

    /** {@code dx = dout * f'} over {@code n} elements, with {@code f'} computed from the forward output {@code y}. */
    interface Backward {
        void apply(Kernels k, float[] y, int yOff, float[] dout, int doutOff, float[] dx, int dxOff, int n);
    }

    private final String kind;
    // Built once: a concatenation with the non-constant kind would allocate on every forward.
    private final String inputName;
    private final Kernels kernels;
    private final Forward f;
    private final Backward df;
    private Tensor out;
    private Tensor dx;

    ElementwiseLayer(String kind, Kernels kernels, Forward f, Backward df) {
        Shape.requireNonNull("kernels", kernels);
        this.kind = kind;
        this.inputName = kind + " input";
        this.kernels = kernels;
        this.f = f;
        this.df = df;
    }

    @Override
    public final Tensor forward(Tensor x) {
        Shape.requireNonNull(inputName, x);
        out = Buffers.like(out, x.shape());
        f.apply(kernels, x.data(), 0, out.data(), 0, x.size());
        return out;
    }

    @Override
    public final Tensor backward(Tensor dout) {
        Buffers.requireBackward(kind, out, dout);
        dx = Buffers.like(dx, dout.shape());
        df.apply(kernels, out.data(), 0, dout.data(), 0, dx.data(), 0, dout.size());
        return dx;
    }

    /** The input width: elementwise layers keep the shape. */
    @Override
    public final int outputWidth(int inputWidth) {
        return Buffers.sameWidth(kind, inputWidth);
    }

    @Override
    public final LayerSpec spec() {
        return LayerSpec.of(kind);
    }

    @Override
    public final FrozenLayer freeze(int inputWidth) {
        return new Frozen(kernels, f, outputWidth(inputWidth));
    }

    private static final class Frozen extends SameWidthFrozenLayer {
        private final Kernels kernels;
        private final Forward f;

        Frozen(Kernels kernels, Forward f, int width) {
            super(width);
            this.kernels = kernels;
            this.f = f;
        }

        @Override
        public void forward(float[] x, int xOff, float[] y, int yOff, int n) {
            f.apply(kernels, x, xOff, y, yOff, n * width);
        }
    }
}
