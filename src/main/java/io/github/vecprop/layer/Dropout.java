package io.github.vecprop.layer;

import io.github.vecprop.kernel.KernelProvider;
import io.github.vecprop.kernel.Kernels;
import io.github.vecprop.tensor.Shape;
import io.github.vecprop.tensor.Tensor;

import java.util.SplittableRandom;

/**
 * Dropout, the book's next-chapter layer, as inverted dropout: in training mode each element is
 * dropped (set to 0) with probability {@code ratio} and kept elements are scaled by
 * {@code 1 / (1 - ratio)}, so every element's expectation is unchanged; in inference mode the layer
 * passes its input through unchanged (the book scales at inference instead; the two agree in
 * expectation). The mask comes from a {@link SplittableRandom} seeded at construction, so a run is
 * reproducible; each training-mode forward draws a new mask, and backward multiplies {@code dout} by
 * the mask of the last forward. Spec: {@code Dropout ratio=<r> seed=<s>}. Buffer ownership as in
 * {@link Layer}; not thread-safe.
 */
public final class Dropout extends LayerBase {
    private final Kernels kernels;
    private final float ratio;
    private final long seed;
    private final SplittableRandom random;
    private Tensor mask;
    private Tensor out;
    private Tensor dx;
    private boolean lastForwardTrained;
    private boolean held;

    /** A dropout of {@code ratio} with mask seed {@code seed}, on the provider's kernels. */
    public Dropout(float ratio, long seed) {
        this(ratio, seed, KernelProvider.get());
    }

    /**
     * A dropout of {@code ratio} with mask seed {@code seed}, on the given kernels.
     *
     * @throws IllegalArgumentException unless {@code 0 <= ratio < 1}
     */
    public Dropout(float ratio, long seed, Kernels kernels) {
        Shape.requireNonNull("kernels", kernels);
        if (!(ratio >= 0f && ratio < 1f)) {
            throw new IllegalArgumentException("Dropout ratio must be in [0, 1), got " + ratio);
        }
        this.kernels = kernels;
        this.ratio = ratio;
        this.seed = seed;
        this.random = new SplittableRandom(seed);
    }

    static Dropout fromSpec(LayerSpec spec, Kernels kernels) {
        spec.requireAttributes("ratio", "seed");
        long s;
        try {
            s = Long.parseLong(spec.attributes().get("seed"));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Dropout: attribute seed=" + spec.attributes().get("seed") + " is not an integer");
        }
        return new Dropout(spec.finiteFloat("ratio"), s, kernels);
    }

    /** The probability of dropping an element in training mode. */
    public float ratio() {
        return ratio;
    }

    @Override
    public Tensor forward(Tensor x) {
        Shape.requireNonNull("Dropout input", x);
        out = Buffers.like(out, x.shape());
        lastForwardTrained = isTraining();
        if (!lastForwardTrained) {
            System.arraycopy(x.data(), 0, out.data(), 0, x.size());
            return out;
        }
        boolean reuse = held && mask != null && mask.shape().equals(x.shape());
        mask = Buffers.like(mask, x.shape());
        float[] m = mask.data();
        float keep = 1f / (1f - ratio);
        for (int i = 0; !reuse && i < m.length; i++) {
            m[i] = random.nextDouble() < ratio ? 0f : keep;
        }
        kernels.multiply(x.data(), 0, m, 0, out.data(), 0, x.size());
        return out;
    }

    @Override
    public Tensor backward(Tensor dout) {
        Buffers.requireBackward("Dropout", out, dout);
        dx = Buffers.like(dx, dout.shape());
        if (lastForwardTrained) {
            kernels.multiply(dout.data(), 0, mask.data(), 0, dx.data(), 0, dout.size());
        } else {
            System.arraycopy(dout.data(), 0, dx.data(), 0, dout.size());
        }
        return dx;
    }

    /** While held, a training-mode forward on a batch of the same shape reuses the last mask. */
    @Override
    public void holdRandomness(boolean held) {
        this.held = held;
    }

    @Override
    public int outputWidth(int inputWidth) {
        return Buffers.sameWidth("Dropout", inputWidth);
    }

    @Override
    public LayerSpec spec() {
        return LayerSpec.of("Dropout", "ratio", Float.toString(ratio), "seed", Long.toString(seed));
    }

    /** The inference form: the identity. */
    @Override
    public FrozenLayer freeze(int inputWidth) {
        return new SameWidthFrozenLayer(outputWidth(inputWidth)) {
            @Override
            public void forward(float[] x, int xOff, float[] y, int yOff, int n) {
                if (x != y || xOff != yOff) {
                    System.arraycopy(x, xOff, y, yOff, n * width);
                }
            }

            /** The identity disappears into whatever comes before it. */
            @Override
            public FrozenLayer foldInto(FrozenLayer previous) {
                return previous;
            }
        };
    }
}
