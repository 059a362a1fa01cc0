package io.github.vecprop.net;

import io.github.vecprop.kernel.Kernels;
import io.github.vecprop.layer.FrozenLayer;
import io.github.vecprop.layer.Layer;
import io.github.vecprop.tensor.Shape;

import java.util.ArrayList;
import java.util.List;

/**
 * A trained net compiled for serving ({@link Sequential#freeze()}): every layer frozen in inference
 * mode with its own immutable copy of the parameters, safe to share between any number of threads.
 * Each thread brings its own {@link Context} (scratch buffers), so predictions take no locks and,
 * once the context exists, allocate nothing. Each Affine holds its weights prepacked
 * ({@link io.github.vecprop.kernel.Kernels#packDense}) in the layout the serving kernels read, so no call
 * packs anything; those kernels sum some products in another order than the training net's gemm (one to
 * four rows, and the last few columns past a whole vector), and a BatchNorm right after an Affine is folded
 * into that Affine's weights and bias (so serving pays nothing for it). Scores may therefore differ from the
 * net's {@link Sequential#predict} by float rounding; {@code ModelTest} bounds the difference by
 * {@code 1e-5 * (1 + |score|)} per score. Dropout, the identity at inference, is dropped. Results are
 * bit-identical across threads and runs.
 *
 * <pre>{@code
 * Model model = net.freeze();                                // once, share freely
 * Model.Context ctx = model.newContext(1);                   // once per thread
 * float[] scores = new float[model.outputSize()];            // caller-owned output
 * int label = model.predict(ctx, image, 0, scores, 0);       // no allocation
 * }</pre>
 */
public final class Model {
    private final Kernels kernels;
    private final Architecture architecture;
    private final FrozenLayer[] layers;
    private final int in;
    private final int out;
    private final int maxWidth;

    private Model(Architecture architecture, List<FrozenLayer> layers, Kernels kernels) {
        this.architecture = architecture;
        this.layers = layers.toArray(new FrozenLayer[0]);
        this.kernels = kernels;
        this.in = architecture.inputSize();
        int widest = 1;
        for (FrozenLayer l : layers) {
            widest = Math.max(widest, l.outputWidth());
        }
        this.maxWidth = widest;
        this.out = this.layers[this.layers.length - 1].outputWidth();
    }

    static Model of(Sequential net, Kernels kernels) {
        List<FrozenLayer> frozen = new ArrayList<>();
        int width = net.inputSize();
        for (Layer l : net.layers()) {
            FrozenLayer f = l.freeze(width);
            FrozenLayer merged = frozen.isEmpty() ? null : f.foldInto(frozen.get(frozen.size() - 1));
            if (merged != null) {
                frozen.set(frozen.size() - 1, merged);
            } else {
                frozen.add(f);
            }
            width = f.outputWidth();
        }
        return new Model(net.architecture(), frozen, kernels);
    }

    /**
     * Per-thread scratch space for predictions of up to {@code maxBatch} rows. Not thread-safe: use
     * one per thread (a {@code ThreadLocal} works).
     */
    public static final class Context {
        private final Model model;
        private final int maxBatch;
        // Layers write alternately into these two (elementwise ones in place), so any depth needs two.
        private final float[] a;
        private final float[] b;
        private final int[] label = new int[1];

        private Context(Model model, int maxBatch) {
            long size = (long) maxBatch * model.maxWidth;
            if (size > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("a context for " + maxBatch + " rows of up to " + model.maxWidth
                        + " activations is larger than a Java array");
            }
            this.model = model;
            this.maxBatch = maxBatch;
            this.a = new float[(int) size];
            this.b = new float[(int) size];
        }

        /** The largest batch this context serves. */
        public int maxBatch() {
            return maxBatch;
        }
    }

    /** A context for batches of up to {@code maxBatch} rows. */
    public Context newContext(int maxBatch) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch must be at least 1, got " + maxBatch);
        }
        return new Context(this, maxBatch);
    }

    /** How many frozen layers a call runs, after folding (for tests). */
    int layerCount() {
        return layers.length;
    }

    /** The architecture this model was compiled from. */
    public Architecture architecture() {
        return architecture;
    }

    /** Width of an input row. */
    public int inputSize() {
        return in;
    }

    /** Width of a score row (the number of classes of a classifier). */
    public int outputSize() {
        return out;
    }

    /**
     * Scores (before the loss) and class of one sample: reads {@code x[xOff .. xOff + inputSize)},
     * writes {@code scores[scoresOff .. scoresOff + outputSize)} and returns the index of the highest
     * score (the first on ties). Allocates nothing.
     *
     * @throws IllegalArgumentException if a range is out of bounds or {@code ctx} belongs to another model
     */
    public int predict(Context ctx, float[] x, int xOff, float[] scores, int scoresOff) {
        predict(ctx, x, xOff, 1, scores, scoresOff);
        kernels.argmaxRows(scores, scoresOff, 1, out, ctx.label, 0);
        return ctx.label[0];
    }

    /**
     * Scores of {@code n} samples stored row after row from {@code x[xOff]}, written row after row to
     * {@code scores[scoresOff .. scoresOff + n * outputSize)}. Allocates nothing.
     *
     * @throws IllegalArgumentException if a range is out of bounds, {@code n} is outside 1 to the
     *     context's batch, or {@code ctx} belongs to another model
     */
    public void predict(Context ctx, float[] x, int xOff, int n, float[] scores, int scoresOff) {
        requireContext(ctx, n);
        Shape.requireNonNull("scores", scores);
        if (scoresOff < 0 || scoresOff + (long) n * out > scores.length) {
            throw new IllegalArgumentException("scores: elements [" + scoresOff + ", " + (scoresOff + (long) n * out)
                    + ") are outside its array of length " + scores.length);
        }
        float[] y = forward(ctx, x, xOff, n);
        System.arraycopy(y, 0, scores, scoresOff, n * out);
    }

    /**
     * Classes of {@code n} samples stored row after row from {@code x[xOff]}, written to
     * {@code classes[classesOff .. classesOff + n)}. Allocates nothing.
     */
    public void predictClasses(Context ctx, float[] x, int xOff, int n, int[] classes, int classesOff) {
        requireContext(ctx, n);
        Shape.requireNonNull("classes", classes);
        if (classesOff < 0 || classesOff + (long) n > classes.length) {
            throw new IllegalArgumentException("classes: elements [" + classesOff + ", " + (classesOff + (long) n)
                    + ") are outside its array of length " + classes.length);
        }
        float[] y = forward(ctx, x, xOff, n);
        kernels.argmaxRows(y, 0, n, out, classes, classesOff);
    }

    /** Runs every layer; returns the context buffer that holds the scores (from index 0). */
    private float[] forward(Context ctx, float[] x, int xOff, int n) {
        Shape.requireNonNull("x", x);
        if (xOff < 0 || xOff + (long) n * in > x.length) {
            throw new IllegalArgumentException("x: " + n + " samples of " + in + " inputs from offset " + xOff
                    + " do not fit its array of length " + x.length);
        }
        float[] src = x;
        int srcOff = xOff;
        for (FrozenLayer l : layers) {
            // The caller's input is never written: an in-place layer first moves into a context buffer.
            float[] dst = l.inPlace() && src != x ? src : src == ctx.a ? ctx.b : ctx.a;
            l.forward(src, srcOff, dst, 0, n);
            src = dst;
            srcOff = 0;
        }
        return src;
    }

    private void requireContext(Context ctx, int n) {
        Shape.requireNonNull("context", ctx);
        if (ctx.model != this) {
            throw new IllegalArgumentException("the context was created by another model");
        }
        if (n < 1 || n > ctx.maxBatch) {
            throw new IllegalArgumentException("batch of " + n + " rows, but the context serves 1 to " + ctx.maxBatch);
        }
    }
}
