package io.github.vecprop.layer;

import io.github.vecprop.kernel.DenseWeights;
import io.github.vecprop.kernel.KernelProvider;
import io.github.vecprop.kernel.Kernels;
import io.github.vecprop.tensor.Shape;
import io.github.vecprop.tensor.Tensor;

import java.util.List;

/**
 * The fully connected layer of the origin notes: {@code out = x · W + b} for a batch {@code x} of
 * shape {@code N x in}, weights {@code W} of shape {@code in x out} and bias {@code b} of shape
 * {@code out}. Backward computes {@code dx = dout · Wᵀ}, {@code dW = xᵀ · dout} and
 * {@code db = sum of dout over the batch}, all through {@link Kernels#gemm} without materialising a
 * transpose. Its {@link #parameters()} are {@code W} and {@code b}; its spec is
 * {@code Affine in=<in> out=<out>}.
 *
 * <p>Ownership: the layer uses the {@code W} and {@code b} tensors it is given (not copies), so an
 * optimizer or loader updating them in place updates the layer; replace weights with
 * {@link Tensor#copyFrom}, never by swapping tensors. {@link #dW()} and {@link #db()} are
 * layer-owned and overwritten (not accumulated) by every {@code backward}. Not thread-safe.
 */
public final class Affine extends LayerBase {
    private final Kernels kernels;
    private final Tensor w;
    private final Tensor b;
    private final Tensor dW;
    private final Tensor db;
    private final List<Parameter> parameters;
    private Tensor x;
    private Tensor out;
    private Tensor dx;

    /** An affine layer over {@code W} ({@code in x out}) and {@code b} ({@code out}) on the provider's kernels. */
    public Affine(Tensor W, Tensor b) {
        this(W, b, KernelProvider.get());
    }

    /**
     * An affine layer over {@code W} ({@code in x out}) and {@code b} ({@code out}) on the given kernels.
     *
     * @throws IllegalArgumentException if the shapes do not fit together
     */
    public Affine(Tensor W, Tensor b, Kernels kernels) {
        Shape.requireNonNull("W", W);
        Shape.requireNonNull("b", b);
        Shape.requireNonNull("kernels", kernels);
        if (W.rank() != 2) {
            throw new IllegalArgumentException("Affine W must be a matrix (in x out), got shape " + W.shape());
        }
        if (!b.shape().is(W.dim(1))) {
            throw new IllegalArgumentException("Affine b has shape " + b.shape() + " but W has shape " + W.shape()
                    + "; b must have shape [" + W.dim(1) + "]");
        }
        this.kernels = kernels;
        this.w = W;
        this.b = b;
        this.dW = Tensor.zeros(W.dim(0), W.dim(1));
        this.db = Tensor.zeros(W.dim(1));
        this.parameters = List.of(new Parameter("W", w, dW, true), new Parameter("b", b, db));
    }

    /** An affine layer with zero weights and bias, {@code in x out}, on the given kernels (for loaders, which fill them in). */
    public static Affine zeros(int in, int out, Kernels kernels) {
        if (in < 1 || out < 1) {
            throw new IllegalArgumentException("Affine sizes must be positive, got in=" + in + ", out=" + out);
        }
        return new Affine(Tensor.zeros(in, out), Tensor.zeros(out), kernels);
    }

    /** The parameter elements of {@code Affine in=.. out=..}: W and b. */
    static long parameterCount(LayerSpec spec) {
        spec.requireAttributes("in", "out");
        long out = spec.positiveInt("out");
        return spec.positiveInt("in") * out + out;
    }

    /** Rebuilds {@code Affine in=.. out=..} with zero parameters. */
    static Affine fromSpec(LayerSpec spec, Kernels kernels) {
        spec.requireAttributes("in", "out");
        return zeros(spec.positiveInt("in"), spec.positiveInt("out"), kernels);
    }

    /** The weights {@code W} ({@code in x out}), live. */
    public Tensor W() {
        return w;
    }

    /** The bias {@code b} ({@code out}), live. */
    public Tensor b() {
        return b;
    }

    /** The weight gradient from the last {@code backward} ({@code in x out}); overwritten by the next. */
    public Tensor dW() {
        return dW;
    }

    /** The bias gradient from the last {@code backward} ({@code out}); overwritten by the next. */
    public Tensor db() {
        return db;
    }

    /** {@code W} and {@code b} with {@code dW} and {@code db}. */
    @Override
    public List<Parameter> parameters() {
        return parameters;
    }

    @Override
    public int outputWidth(int inputWidth) {
        if (inputWidth != w.dim(0)) {
            throw new IllegalArgumentException("Affine W has shape " + w.shape() + " but its input rows have " + inputWidth
                    + " columns; the input needs " + w.dim(0));
        }
        return w.dim(1);
    }

    @Override
    public LayerSpec spec() {
        return LayerSpec.of("Affine", "in", Integer.toString(w.dim(0)), "out", Integer.toString(w.dim(1)));
    }

    @Override
    public FrozenLayer freeze(int inputWidth) {
        outputWidth(inputWidth);
        return Frozen.of(kernels, w.dim(0), w.dim(1), w.data().clone(), b.data().clone());
    }

    /**
     * The serving form: W and b prepacked for {@link Kernels#dense} (within float rounding of {@link #forward});
     * {@code w} and {@code b} stay for folding.
     */
    private record Frozen(Kernels kernels, int inputWidth, int outputWidth, float[] w, float[] b, DenseWeights packed)
            implements FrozenLayer {
        static Frozen of(Kernels kernels, int in, int out, float[] w, float[] b) {
            return new Frozen(kernels, in, out, w, b, kernels.packDense(w, 0, in, out, b, 0));
        }

        @Override
        public boolean inPlace() {
            return false;
        }

        @Override
        public void forward(float[] x, int xOff, float[] y, int yOff, int n) {
            kernels.dense(packed, x, xOff, y, yOff, n);
        }

        @Override
        public FrozenLayer scaleColumns(float[] scale, float[] shift) {
            float[] w2 = new float[w.length];
            float[] b2 = new float[b.length];
            for (int j = 0; j < outputWidth; j++) {
                for (int i = 0; i < inputWidth; i++) {
                    w2[i * outputWidth + j] = w[i * outputWidth + j] * scale[j];
                }
                b2[j] = b[j] * scale[j] + shift[j];
            }
            return of(kernels, inputWidth, outputWidth, w2, b2);
        }
    }

    @Override
    public Tensor forward(Tensor x) {
        Shape.requireBatch("Affine input", x);
        int in = w.dim(0);
        int outSize = w.dim(1);
        if (x.dim(1) != in) {
            throw new IllegalArgumentException("Affine input has shape " + x.shape() + " but W has shape " + w.shape()
                    + "; the input needs " + in + " columns");
        }
        int n = x.dim(0);
        this.x = x;
        out = Buffers.matrix(out, n, outSize);
        kernels.gemm(false, false, n, outSize, in, 1f, x.data(), 0, in, w.data(), 0, outSize, 0f, out.data(), 0, outSize);
        kernels.addBias(out.data(), 0, n, outSize, b.data(), 0);
        return out;
    }

    @Override
    public Tensor backward(Tensor dout) {
        backwardParameters(dout);
        int n = x.dim(0);
        int in = w.dim(0);
        int outSize = w.dim(1);
        dx = Buffers.matrix(dx, n, in);
        kernels.gemm(false, true, n, in, outSize, 1f, dout.data(), 0, outSize, w.data(), 0, outSize, 0f, dx.data(), 0, in);
        return dx;
    }

    /** {@code dW} and {@code db} only: the first layer of a net skips the {@code dx} product. */
    @Override
    public void backwardParameters(Tensor dout) {
        Buffers.requireBackward("Affine", out, dout);
        int n = x.dim(0);
        int in = w.dim(0);
        int outSize = w.dim(1);
        kernels.gemm(true, false, in, outSize, n, 1f, x.data(), 0, in, dout.data(), 0, outSize, 0f, dW.data(), 0, outSize);
        kernels.columnSums(dout.data(), 0, n, outSize, db.data(), 0);
    }
}
