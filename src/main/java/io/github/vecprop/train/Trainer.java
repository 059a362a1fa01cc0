package io.github.vecprop.train;

import io.github.vecprop.kernel.KernelProvider;
import io.github.vecprop.kernel.Kernels;
import io.github.vecprop.kernel.PixelCodes;
import io.github.vecprop.net.Sequential;
import io.github.vecprop.optim.Optimizer;
import io.github.vecprop.tensor.Shape;
import io.github.vecprop.tensor.Tensor;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Mini-batch training: each epoch visits the training set in a fresh seeded random order, in
 * batches of {@code batchSize} drawn without replacement (a last partial batch is dropped, so every
 * step has the same shape and reuses the same buffers); after each epoch, and after the last step,
 * the net is evaluated on the test set. Steps run in the net's training mode and evaluations in its
 * inference mode; the net is left in training mode. The run is deterministic for a given seed and
 * gemm thread count.
 *
 * <p>Another thread copies the selected rows of the next three batches into a ring of four batch buffers while
 * the step runs on the current one ({@code BatchPrefetcher}, about 1.3 MB for batches of 100 images), so the
 * gather overlaps the steps: with a default gemm parallelism above 1 the gemm pool's helpers, between the
 * products they help with, otherwise a thread of the trainer's own. It reads but never modifies the data.
 *
 * <p>When every value of the training set is an 8-bit code {@code c / 255f} (images as {@code Idx} reads them),
 * each {@link #train} call first packs the set as {@link PixelCodes} into a copy it holds until it returns, a
 * quarter of the set's size (49.9 MB for Fashion-MNIST's 60,000 images, packed in 30 ms on the 2-core Zen 4 after
 * {@link KernelProvider#warmUp(long)}, 0.6 s before it, when the SIMD code is not yet compiled), and gathers batches
 * from those codes, with the same bits. A batch of 100 images is then 83 KB to read instead of 313 KB: 15.5 µs instead of
 * 47.4 (GatherBenchmark), time a two-thread step's helper otherwise takes from the products.
 *
 * <p>Not thread-safe: one trainer, one net, one thread.
 */
public final class Trainer {
    /** Training steps per round of {@link #warmUp}: a round then takes milliseconds, so JIT work shows in it. */
    private static final int WARM_UP_STEPS = 20;
    /**
     * Steps of each run of {@link #train} itself on a scratch copy at the end of {@link #warmUp}: the batch
     * prefetcher, the gather from pixel codes and the evaluation, which the steps alone never run. One run of 600
     * steps brought the first 1,000 real steps' excess down from 129-159 ms to 40-69 ms (two gemm threads,
     * 784-50-10, Zen 4); the runs repeat while the JIT still compiles.
     */
    static final int WARM_UP_LOOP_STEPS = 600;
    /** Batches that loop cycles over: more than the prefetcher's ring, so its requests and reuse run as in training. */
    static final int WARM_UP_LOOP_BATCHES = 8;
    /**
     * The first loop runs only if this many times its steps, at the cost of a timed round of steps, fits in what is
     * left of the budget: its first steps are slower than warm ones, and its evaluations and packing come on top.
     */
    private static final int WARM_UP_LOOP_MARGIN = 4;
    /**
     * The longest the loops of {@link #warmUp} repeat, whatever the budget: the 784-50-10 recipe went quiet after
     * about 1.1 s of loops with two gemm threads (Zen 5), but in CI's larger nets the JIT's clock kept moving for the
     * whole 5 s the CLI gives, which made the warm-up of a 600-step run longer than the run.
     */
    static final long WARM_UP_LOOPS_MAX_MILLIS = 1_500;

    private final Sequential net;
    private final Optimizer optimizer;
    private final int batchSize;
    private final long seed;

    /**
     * A trainer for {@code net} with {@code optimizer}, batches of {@code batchSize} rows, and
     * shuffles seeded by {@code seed}.
     */
    public Trainer(Sequential net, Optimizer optimizer, int batchSize, long seed) {
        Shape.requireNonNull("net", net);
        Shape.requireNonNull("optimizer", optimizer);
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        this.net = net;
        this.optimizer = optimizer;
        this.batchSize = batchSize;
        this.seed = seed;
    }

    /**
     * Compiles this trainer's step for the shapes {@link #train} runs, before a timed run: trains a
     * {@link Sequential#copy} of the net with a {@link Optimizer#fresh} copy of the optimizer on the first
     * batch of {@code xTrain}, in rounds until steady as {@link KernelProvider#warmUp(Runnable, long)} says, or
     * for {@code maxMillis}. Then one more round of steps is timed, and if four times 600 steps at that cost fit in
     * what is left of the budget, {@link #train} runs 600 steps on another scratch copy over the first 8 batches,
     * evaluated on the first ({@link #WARM_UP_LOOP_STEPS}), again and again until two such loops in a row pass with
     * the JIT's clock still ({@link KernelProvider#warmUpUntilCompiled}), the budget is spent, or
     * {@link #WARM_UP_LOOPS_MAX_MILLIS} have passed; the last loop may pass either by its own length. A budget of
     * 0 or less runs nothing. The net, the optimizer and the data are left as they were, so training afterwards gives
     * the same bits. Call it after {@link KernelProvider#warmUp(long)}.
     *
     * <p>Why: the JIT compiles from the calls it has seen. After the kernels' own warm-up on small shapes, the
     * first real steps still meet branches it had not seen, and their methods are compiled again: on the 2-core
     * Zen 4 machine the first epoch of 784-50-10 ran at 318-322 µs a step without this warm-up, 206-233 with it.
     * The steps alone never run the batch prefetcher, the gather from pixel codes or the evaluation. Those were
     * compiled in the first real steps, with the compiler on one of the two cores. The first 1,000 steps then
     * took 129-159 ms more than 1,000 median steps with two gemm threads, and 43-68 ms more with one. With the
     * scratch {@code train} that dropped to 40-69 ms and -5 to 24 ms (harness, alternated three times).
     *
     * <p>One loop was not enough on a 2-core Zen 5: the methods a step calls once or twice (the layers' forward and
     * backward, the optimizer's update, the prefetcher's hand-off) reach C2's thresholds only after thousands of
     * calls, so C2 compiled them during the timed run, 229-436 ms of compilation in a 10,000-step run. The
     * compiler's thread then took a core from a spinning thread a scheduler tick at a time, and steps of 4 ms
     * followed. Looping until a loop compiled nothing (about 16 loops, 1.1 s, with two gemm threads) left 33-163 ms
     * of compilation in the timed runs of the harness (README, fourteenth session).
     *
     * @return true if steady state was reached within {@code maxMillis}
     * @throws IllegalArgumentException if the data and labels do not match each other or the net, or hold
     *                                  fewer rows than one batch, or the net cannot be copied
     *                                  ({@link Sequential#copy}: a layer of a kind it does not know)
     */
    public boolean warmUp(Tensor xTrain, int[] tTrain, long maxMillis) {
        requireData("training", xTrain, tTrain);
        requireOneBatch(xTrain.dim(0));
        int d = xTrain.dim(1);
        Tensor x = Tensor.of(Arrays.copyOf(xTrain.data(), batchSize * d), batchSize, d);
        int[] t = Arrays.copyOf(tTrain, batchSize);
        Sequential scratch = net.copy();
        Optimizer scratchOptimizer = optimizer.fresh();
        Runnable round = () -> {
            for (int i = 0; i < WARM_UP_STEPS; i++) {
                scratchOptimizer.update(scratch.params(), scratch.gradient(x, t));
            }
        };
        long start = System.nanoTime();
        boolean steady = KernelProvider.warmUp(round, maxMillis);
        double left = maxMillis * 1e6 - (System.nanoTime() - start);
        if (maxMillis <= 0 || left <= 0) {
            return steady;
        }
        long roundStart = System.nanoTime(); // one more round, timed: what a step costs now
        round.run();
        long now = System.nanoTime();
        double perStep = Math.max(1, now - roundStart) / (double) WARM_UP_STEPS;
        double loopBudget = left - (now - roundStart);
        if (WARM_UP_LOOP_STEPS * perStep * WARM_UP_LOOP_MARGIN <= loopBudget) {
            long loopMillis = Math.min(WARM_UP_LOOPS_MAX_MILLIS, Math.max(1, (long) (loopBudget / 1e6)));
            KernelProvider.warmUpUntilCompiled(() -> warmUpLoop(xTrain, tTrain), loopMillis);
        }
        return steady;
    }

    /**
     * The second part of {@link #warmUp}: {@link #train} itself on a copy of the net with a fresh optimizer, for
     * {@link #WARM_UP_LOOP_STEPS} steps over the first {@link #WARM_UP_LOOP_BATCHES} batches of {@code xTrain},
     * evaluated on the first. Leaves the net, the optimizer and the data as they were.
     */
    void warmUpLoop(Tensor xTrain, int[] tTrain) {
        int d = xTrain.dim(1);
        int rows = Math.min(xTrain.dim(0) / batchSize, WARM_UP_LOOP_BATCHES) * batchSize;
        Tensor xs = Tensor.of(Arrays.copyOf(xTrain.data(), rows * d), rows, d);
        int[] ts = Arrays.copyOf(tTrain, rows);
        Tensor first = Tensor.of(Arrays.copyOf(xs.data(), batchSize * d), batchSize, d);
        new Trainer(net.copy(), optimizer.fresh(), batchSize, seed).train(xs, ts, first, Arrays.copyOf(ts, batchSize),
                WARM_UP_LOOP_STEPS, TrainingListener.NONE);
    }

    /** Steps per epoch on a training set of {@code n} rows: {@code n / batchSize}, rounded down. */
    public int stepsPerEpoch(int n) {
        return n / batchSize;
    }

    /**
     * Trains for {@code totalSteps} steps (spanning as many epochs as that takes) and returns the
     * history.
     *
     * @throws IllegalArgumentException if the data and labels do not match each other or the net, or
     *                                  the training set is smaller than one batch
     */
    public History train(Tensor xTrain, int[] tTrain, Tensor xTest, int[] tTest, int totalSteps, TrainingListener listener) {
        requireData("training", xTrain, tTrain);
        requireData("test", xTest, tTest);
        if (totalSteps < 0) {
            throw new IllegalArgumentException("steps must be non-negative, got " + totalSteps);
        }
        int n = xTrain.dim(0);
        requireOneBatch(n);
        int perEpoch = stepsPerEpoch(n);
        TrainingListener events = listener == null ? TrainingListener.NONE : listener;
        int d = xTrain.dim(1);
        float[] data = xTrain.data();
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        History history = new History(totalSteps);
        int epoch = 0;
        int step = 0;
        int seq = 0;
        Kernels kernels = net.kernels();
        try (BatchPrefetcher prefetch = new BatchPrefetcher(data, codes(data, n, d, kernels), kernels, d, tTrain, batchSize)) {
            while (step < totalSteps) {
                epoch++;
                shuffle(order, rnd);
                double lossSum = 0;
                int epochSteps = Math.min(perEpoch, totalSteps - step);
                long t0 = System.nanoTime();
                net.setTraining(true);
                int depth = BatchPrefetcher.DEPTH;
                for (int b = 0; b < Math.min(depth, epochSteps); b++) {
                    prefetch.request(seq + b, order, b * batchSize);
                }
                for (int b = 0; b < epochSteps; b++, seq++) {
                    prefetch.await(seq);
                    if (b + depth < epochSteps) { // never across epochs: the next shuffle reorders order
                        prefetch.request(seq + depth, order, (b + depth) * batchSize);
                    }
                    optimizer.update(net.params(), net.gradient(prefetch.x(seq), prefetch.labels(seq)));
                    double loss = net.lastLoss();
                    lossSum += loss;
                    step++;
                    history.recordStep(loss);
                    events.onStep(epoch, step, totalSteps, loss);
                }
                long t1 = System.nanoTime();
                History.Epoch summary = new History.Epoch(epoch, step, lossSum / epochSteps, evaluate(xTest, tTest));
                history.trainingNanos += t1 - t0;
                history.evaluationNanos += System.nanoTime() - t1;
                history.recordEpoch(summary);
                events.onEpoch(summary);
            }
        }
        return history;
    }

    /** The net's accuracy on {@code x}, in chunks of this trainer's batch size: see {@link #evaluate(Sequential, Tensor, int[], int)}. */
    public double evaluate(Tensor x, int[] t) {
        requireData("evaluation", x, t);
        return evaluate(net, x, t, batchSize);
    }

    /**
     * The fraction of rows of {@code x} that {@code net} classifies as {@code t} says, computed in chunks
     * of {@code chunk} rows: with the training batch size, evaluation reuses the layers' training
     * buffers instead of allocating activations for the whole set. Runs in inference mode and restores
     * the net's mode afterwards. Not thread-safe for {@code net}.
     */
    public static double evaluate(Sequential net, Tensor x, int[] t, int chunk) {
        Shape.requireNonNull("net", net);
        Shape.requireBatch("evaluation data", x);
        Shape.requireNonNull("evaluation labels", t);
        if (t.length != x.dim(0)) {
            throw new IllegalArgumentException("evaluation data has shape " + x.shape() + " but there are " + t.length
                    + " labels");
        }
        if (chunk < 1) {
            throw new IllegalArgumentException("chunk must be at least 1, got " + chunk);
        }
        int n = x.dim(0);
        int d = x.dim(1);
        int rows = Math.min(chunk, n);
        Tensor xb = Tensor.zeros(rows, d);
        int[] tb = new int[rows];
        double hits = 0;
        int start = 0;
        for (; start + rows <= n; start += rows) {
            System.arraycopy(x.data(), start * d, xb.data(), 0, rows * d);
            System.arraycopy(t, start, tb, 0, rows);
            hits += net.accuracy(xb, tb) * rows;
        }
        int rest = n - start;
        if (rest > 0) {
            Tensor xr = Tensor.of(Arrays.copyOfRange(x.data(), start * d, n * d), rest, d);
            hits += net.accuracy(xr, Arrays.copyOfRange(t, start, n)) * rest;
        }
        return hits / n;
    }

    /** {@code data}'s {@code n} rows of {@code d} as pixel codes for {@code kernels}, or null if they are not all codes or too many. */
    private static int[] codes(float[] data, int n, int d, Kernels kernels) {
        int lanes = kernels.codeLanes();
        int perRow = PixelCodes.intsPerRow(d, lanes);
        long size = (long) n * perRow;
        if (size > Integer.MAX_VALUE - 8 || !PixelCodes.pack(kernels, data, 0, 1, d, lanes, new int[perRow], 0)) {
            return null; // most sets that are not codes show it in their first row, before the set's codes are allocated
        }
        int[] codes = new int[(int) size];
        return PixelCodes.pack(kernels, data, 0, n, d, lanes, codes, 0) ? codes : null;
    }

    private void requireOneBatch(int n) {
        if (n < batchSize) {
            throw new IllegalArgumentException("the training set has " + n + " rows, fewer than one batch of " + batchSize);
        }
    }

    private void requireData(String what, Tensor x, int[] t) {
        Shape.requireBatch(what + " data", x);
        Shape.requireNonNull(what + " labels", t);
        if (t.length != x.dim(0)) {
            throw new IllegalArgumentException(what + " data has shape " + x.shape() + " but there are " + t.length
                    + " labels");
        }
        if (x.dim(1) != net.inputSize()) {
            throw new IllegalArgumentException(what + " data has shape " + x.shape() + " but the net takes "
                    + net.inputSize() + " inputs");
        }
        int classes = net.outputSize();
        for (int i = 0; i < t.length; i++) {
            if (t[i] < 0 || t[i] >= classes) {
                throw new IllegalArgumentException(what + " label " + t[i] + " at row " + i + " is outside [0, " + classes + ")");
            }
        }
    }

    private static void shuffle(int[] a, SplittableRandom rnd) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int tmp = a[i];
            a[i] = a[j];
            a[j] = tmp;
        }
    }
}
