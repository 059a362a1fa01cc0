package io.github.vecprop.net;

import io.github.vecprop.kernel.Kernels;
import io.github.vecprop.tensor.Shape;

/**
 * A trained {@link TwoLayerNet} frozen for serving: immutable copies of W1, b1, W2, b2, safe to share
 * between any number of threads. Each thread brings its own {@link Context} (scratch buffers), so
 * predictions take no locks and, after the context is created, allocate nothing.
 *
 * <pre>{@code
 * TwoLayerModel model = net.freeze();                        // once, share freely
 * TwoLayerModel.Context ctx = model.newContext(1);           // once per thread
 * float[] scores = new float[model.outputSize()];            // caller-owned output
 * int label = model.predict(ctx, image, 0, scores, 0);       // no allocation
 * }</pre>
 */
public final class TwoLayerModel {
    private final Kernels kernels;
    private final int in;
    private final int hidden;
    private final int out;
    private final float[] w1;
    private final float[] b1;
    private final float[] w2;
    private final float[] b2;

    TwoLayerModel(float[] w1, float[] b1, float[] w2, float[] b2, int in, int hidden, int out, Kernels kernels) {
        this.w1 = w1.clone();
        this.b1 = b1.clone();
        this.w2 = w2.clone();
        this.b2 = b2.clone();
        this.in = in;
        this.hidden = hidden;
        this.out = out;
        this.kernels = kernels;
    }

    /**
     * Per-thread scratch space for predictions of up to {@code maxBatch} rows. Not thread-safe: use
     * one per thread (a {@code ThreadLocal} works).
     */
    public static final class Context {
        private final TwoLayerModel model;
        private final int maxBatch;
        private final float[] hiddenActivations;
        private final float[] scores;
        private final int[] label = new int[1];

        private Context(TwoLayerModel model, int maxBatch) {
            this.model = model;
            this.maxBatch = maxBatch;
            this.hiddenActivations = new float[maxBatch * model.hidden];
            this.scores = new float[maxBatch * model.out];
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

    /** Input width. */
    public int inputSize() {
        return in;
    }

    /** Number of classes (length of a score vector). */
    public int outputSize() {
        return out;
    }

    /**
     * Scores (before softmax) and class of one sample: reads {@code x[xOff .. xOff + inputSize)},
     * writes {@code scores[scoresOff .. scoresOff + outputSize)} and returns the index of the highest
     * score (the first on ties). Allocates nothing.
     *
     * @throws IllegalArgumentException if a range is out of bounds or {@code ctx} belongs to another model
     */
    public int predict(Context ctx, float[] x, int xOff, float[] scores, int scoresOff) {
        requireContext(ctx, 1);
        Shape.requireNonNull("scores", scores);
        if (scoresOff < 0 || scoresOff + (long) out > scores.length) {
            throw new IllegalArgumentException("scores: elements [" + scoresOff + ", " + (scoresOff + (long) out)
                    + ") are outside its array of length " + scores.length);
        }
        forward(ctx, x, xOff, 1, scores, scoresOff);
        kernels.argmaxRows(scores, scoresOff, 1, out, ctx.label, 0);
        return ctx.label[0];
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
        forward(ctx, x, xOff, n, ctx.scores, 0);
        kernels.argmaxRows(ctx.scores, 0, n, out, classes, classesOff);
    }

    private void forward(Context ctx, float[] x, int xOff, int n, float[] scores, int scoresOff) {
        Shape.requireNonNull("x", x);
        if (xOff < 0 || xOff + (long) n * in > x.length) {
            throw new IllegalArgumentException("x: " + n + " samples of " + in + " inputs from offset " + xOff
                    + " do not fit its array of length " + x.length);
        }
        float[] h = ctx.hiddenActivations;
        kernels.gemm(false, false, n, hidden, in, 1f, x, xOff, in, w1, 0, hidden, 0f, h, 0, hidden);
        kernels.addBias(h, 0, n, hidden, b1, 0);
        kernels.reluForward(h, 0, h, 0, n * hidden);
        kernels.gemm(false, false, n, out, hidden, 1f, h, 0, hidden, w2, 0, out, 0f, scores, scoresOff, out);
        kernels.addBias(scores, scoresOff, n, out, b2, 0);
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

    static TwoLayerModel of(TwoLayerNet net, Kernels kernels) {
        return new TwoLayerModel(net.params().get("W1").data(), net.params().get("b1").data(),
                net.params().get("W2").data(), net.params().get("b2").data(),
                net.inputSize(), net.hiddenSize(), net.outputSize(), kernels);
    }
}
