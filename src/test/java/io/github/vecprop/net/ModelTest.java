package io.github.vecprop.net;

import io.github.vecprop.check.Allocations;
import io.github.vecprop.check.Properties;
import io.github.vecprop.check.RandomNets;
import io.github.vecprop.check.Sizes;
import io.github.vecprop.check.TestData;
import io.github.vecprop.kernel.KernelProvider;
import io.github.vecprop.layer.Activation;
import io.github.vecprop.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The compiled serving model: within the documented bound of the net it was frozen from, on the seed's
 * two-layer net, a deep net and random architectures;
 * the same bits on every thread and run; allocation-free; named errors.
 */
class ModelTest {
    private static final int IN = 784;
    private static final int N = 64;

    private final TwoLayerNet net = new TwoLayerNet(IN, 50, 10, 0.05f, 11);
    private final Sequential deep = Sequential.mlp(IN, 64, 48, 32, 10).activation(Activation.TANH).init(Init.xavier())
            .seed(3).build();
    private final float[] images = TestData.uniform(12, N * IN, 0f, 1f);

    /** Scores of every sample, one predict call each, on one context. */
    private static float[] allScores(Model model, float[] images) {
        Model.Context ctx = model.newContext(1);
        int out = model.outputSize();
        float[] scores = new float[N * out];
        for (int i = 0; i < N; i++) {
            model.predict(ctx, images, i * IN, scores, i * out);
        }
        return scores;
    }

    /**
     * The model's documented bound: its prepacked layers sum some products in another order than the net's
     * gemm (one to four rows, and the last columns past a whole vector), so a score may differ by
     * {@code 1e-5 * (1 + |score|)} (the bound of BatchNorm folding too).
     */
    static void assertWithinServingBound(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": lengths");
        for (int i = 0; i < expected.length; i++) {
            float e = expected[i];
            if (!(Math.abs(actual[i] - e) <= 1e-5 * (1 + Math.abs(e)))) {
                throw new AssertionError(what + ": score " + i + " is " + actual[i] + ", the net's " + e
                        + ", outside 1e-5 * (1 + |score|)");
            }
        }
    }

    /** Random nets: a batch, and each row alone, within the bound of the net's own predict. */
    private static void randomArchitecturesMatch(io.github.vecprop.kernel.Kernels kernels) {
        Properties.qt().forAll(Sizes.between(1, 9), Sizes.seeds()).checkAssert((n, seed) -> {
            Sequential random = RandomNets.net(seed, 4, 40, kernels);
            random.setTraining(false);
            int in = random.inputSize();
            int out = random.outputSize();
            Model model = random.freeze();
            assertEquals(random.architecture(), model.architecture());
            // Rows at an odd offset of a larger array, as a service holding a buffer would pass them.
            float[] x = TestData.uniform(seed, 3 + n * in, -2f, 2f);
            float[] xBefore = x.clone();
            float[] expected = random.predict(Tensor.of(Arrays.copyOfRange(x, 3, 3 + n * in), n, in)).data().clone();
            float[] scores = new float[2 + n * out];
            model.predict(model.newContext(n), x, 3, n, scores, 2);
            float[] batch = Arrays.copyOfRange(scores, 2, 2 + n * out);
            assertWithinServingBound(expected, batch, random.architecture().toString());
            float[] one = new float[out];
            Model.Context ctx = model.newContext(1);
            for (int r = 0; r < n; r++) {
                model.predict(ctx, x, 3 + r * in, one, 0);
                float[] netRow = random.predict(Tensor.of(Arrays.copyOfRange(x, 3 + r * in, 3 + (r + 1) * in), 1, in)).data();
                assertWithinServingBound(netRow, one, random.architecture() + ", row " + r + " alone");
            }
            assertArrayEquals(xBefore, x, "the caller's input is never written, even by a leading in-place layer");
        });
    }

    @Test
    void randomArchitecturesMatchTheNetWithinTheDocumentedBound() {
        randomArchitecturesMatch(KernelProvider.get());
    }

    @Test
    void catchesAServingPathThatDropsTheLastInput() {
        // A planted bug of the kind a matrix-vector sweep could have: the odd last step of K left out, in
        // the served path only (the net's own predict runs gemm and stays right).
        io.github.vecprop.kernel.Kernels mutant = new io.github.vecprop.check.ForwardingKernels(KernelProvider.get()) {
            @Override
            public void dense(io.github.vecprop.kernel.DenseWeights weights, float[] x, int xOff, float[] y, int yOff,
                              int n) {
                int in = weights.inputWidth();
                float[] cut = Arrays.copyOfRange(x, xOff, xOff + n * in);
                for (int r = 0; r < n; r++) {
                    cut[r * in + in - 1] = 0f;
                }
                super.dense(weights, cut, 0, y, yOff, n);
            }
        };
        assertThrows(AssertionError.class, () -> randomArchitecturesMatch(mutant));
    }

    @Test
    void aBatchNormAfterAnAffineIsFoldedWithinTheDocumentedBound() {
        Sequential bn = Sequential.mlp(IN, 40, 30, 10).batchNorm().dropout(0.2f).init(Init.he()).seed(4).build();
        io.github.vecprop.optim.Optimizer sgd = io.github.vecprop.optim.Optimizer.named("sgd", 0.05f);
        int[] labels = TestData.labels(5, N, 10);
        for (int i = 0; i < 20; i++) {
            sgd.update(bn.params(), bn.gradient(Tensor.of(images, N, IN), labels));
        }
        bn.setTraining(false);
        float[] expected = bn.predict(Tensor.of(images, N, IN)).data().clone();
        Model model = bn.freeze();
        float[] scores = new float[N * 10];
        model.predict(model.newContext(N), images, 0, N, scores, 0);
        for (int i = 0; i < scores.length; i++) {
            assertEquals(expected[i], scores[i], 1e-5 * (1 + Math.abs(expected[i])), "score " + i);
        }
        assertEquals(List.of("W1", "b1", "gamma1", "beta1", "W2", "b2", "gamma2", "beta2", "W3", "b3"),
                List.copyOf(bn.params().keySet()));
        assertTrue(bn.tensors().containsKey("runningVar2"));
        // Affine BatchNorm Relu Dropout, twice, then Affine: each BatchNorm folded, each Dropout dropped.
        assertEquals(9, bn.layers().size());
        assertEquals(5, model.layerCount(), "serving runs Affine, Relu, Affine, Relu, Affine");
        // Two models of the same net agree bit for bit, from any thread.
        eightThreadsAgree(model);
    }

    @Test
    void aBatchNormAfterAnActivationIsNotFolded() {
        var k = KernelProvider.get();
        io.github.vecprop.layer.BatchNorm norm = new io.github.vecprop.layer.BatchNorm(20, 1e-5f, 0.9f, k);
        Sequential net = new Sequential(IN, List.of(new io.github.vecprop.layer.Affine(Tensor.gaussian(1, 0.05f, IN, 20),
                Tensor.zeros(20), k), new io.github.vecprop.layer.Relu(k), norm,
                new io.github.vecprop.layer.Affine(Tensor.gaussian(2, 0.2f, 20, 10), Tensor.zeros(10), k)),
                new io.github.vecprop.layer.SoftmaxWithLoss(k));
        net.predict(Tensor.of(images, N, IN)); // one training-mode forward moves the running statistics
        net.setTraining(false);
        float[] expected = net.predict(Tensor.of(images, N, IN)).data().clone();
        Model model = net.freeze();
        assertEquals(4, model.layerCount());
        float[] scores = new float[N * 10];
        model.predict(model.newContext(N), images, 0, N, scores, 0);
        assertWithinServingBound(expected, scores, "BatchNorm after an activation");
    }

    private void eightThreadsAgree(Model model) {
        try {
            eightThreads(model);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aModelOfANetWithDropoutIsTheNetInInferenceMode() {
        Sequential drop = Sequential.mlp(IN, 40, 30, 10).dropout(0.4f).init(Init.he()).seed(2).build();
        assertEquals("Dropout", drop.layers().get(2).spec().kind());
        float[] trained = drop.predict(Tensor.of(images, N, IN)).data().clone();
        drop.setTraining(false);
        float[] expected = drop.predict(Tensor.of(images, N, IN)).data();
        assertTrue(!Arrays.equals(trained, expected), "training mode drops activations");
        Model model = drop.freeze();
        float[] scores = new float[N * 10];
        model.predict(model.newContext(N), images, 0, N, scores, 0);
        assertWithinServingBound(expected, scores, "Dropout net");
    }

    @Test
    void aDeepNetsModelMatchesItsBatchPredict() {
        float[] expected = deep.predict(Tensor.of(images, N, IN)).data();
        float[] scores = new float[N * 10];
        assertEquals(10, deep.outputSize());
        assertEquals(List.of("W1", "b1", "W2", "b2", "W3", "b3", "W4", "b4"), List.copyOf(deep.params().keySet()));
        Model model = deep.freeze();
        model.predict(model.newContext(N), images, 0, N, scores, 0);
        assertWithinServingBound(expected, scores, "deep net");
    }

    @Test
    void predictionsMatchTheNet() {
        Model model = net.freeze();
        float[] expected = net.predict(Tensor.of(images, N, IN)).data().clone();
        float[] batch = new float[N * 10];
        model.predict(model.newContext(N), images, 0, N, batch, 0);
        assertWithinServingBound(expected, batch, "a batch of " + N);
        // One sample at a time: within the documented bound of the net's own one-sample predict.
        float[] oneByOne = new float[N * 10];
        for (int i = 0; i < N; i++) {
            float[] scores = net.predict(Tensor.of(Arrays.copyOfRange(images, i * IN, (i + 1) * IN), 1, IN)).data();
            System.arraycopy(scores, 0, oneByOne, i * 10, 10);
        }
        assertWithinServingBound(oneByOne, allScores(model, images), "one sample at a time");

        int[] batchClasses = new int[N];
        model.predictClasses(model.newContext(N), images, 0, N, batchClasses, 0);
        for (int i = 0; i < N; i++) {
            int best = 0;
            for (int j = 1; j < 10; j++) {
                best = batch[i * 10 + j] > batch[i * 10 + best] ? j : best;
            }
            assertEquals(best, batchClasses[i], "class of sample " + i + " in a batch");
        }
        int[] classes = new int[N];
        float[] scores = new float[10];
        Model.Context one = model.newContext(1);
        for (int i = 0; i < N; i++) {
            model.predictClasses(one, images, i * IN, 1, classes, i);
            assertEquals(classes[i], model.predict(one, images, i * IN, scores, 0), "sample " + i);
        }
    }

    @Test
    void eightThreadsSharingOneModelGetTheSingleThreadResults() throws Exception {
        eightThreads(net.freeze());
        eightThreads(deep.freeze());
    }

    private void eightThreads(Model model) throws Exception {
        float[] expected = allScores(model, images);
        float[] expectedBatch = new float[N * model.outputSize()];
        model.predict(model.newContext(N), images, 0, N, expectedBatch, 0);
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<float[]>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                results.add(pool.submit(() -> {
                    start.await();
                    float[] last = null;
                    Model.Context batchCtx = model.newContext(N);
                    float[] batch = new float[N * model.outputSize()];
                    for (int rep = 0; rep < 50; rep++) {
                        last = allScores(model, images);
                        assertArrayEquals(expected, last, "repetition " + rep);
                        model.predict(batchCtx, images, 0, N, batch, 0);
                        assertArrayEquals(expectedBatch, batch, "a batch of " + N + ", repetition " + rep);
                    }
                    return last;
                }));
            }
            start.countDown();
            for (Future<float[]> f : results) {
                assertArrayEquals(expected, f.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aFrozenModelIgnoresLaterTraining() {
        Model model = net.freeze();
        float[] before = allScores(model, images);
        Arrays.fill(net.params().get("W1").data(), 0.5f);
        assertArrayEquals(before, allScores(model, images));
    }

    @Test
    void predictAllocatesNothingOnceCompiled() {
        allocatesNothing(net.freeze());
        allocatesNothing(deep.freeze());
    }

    @Test
    void batchPredictionAllocatesNothingOnceCompiled() {
        Model model = deep.freeze();
        Model.Context ctx = model.newContext(N);
        int[] classes = new int[N];
        float[] scores = new float[N * 10];
        long allocated = Allocations.onceSteady(() -> {
            for (int i = 0; i < 200; i++) {
                model.predictClasses(ctx, images, 0, N, classes, 0);
                model.predict(ctx, images, 0, N, scores, 0);
            }
        }, 1024);
        assertTrue(allocated < 1024, allocated + " bytes in 400 batch predictions");
    }

    private void allocatesNothing(Model model) {
        Model.Context ctx = model.newContext(1);
        float[] scores = new float[10];
        long allocated = Allocations.onceSteady(() -> {
            for (int i = 0; i < 10_000; i++) {
                model.predict(ctx, images, (i % N) * IN, scores, 0);
            }
        }, 1024);
        assertTrue(allocated < 1024, allocated + " bytes in 10,000 predictions");
    }

    @Test
    void badCallsAreNamed() {
        Model model = net.freeze();
        Model.Context ctx = model.newContext(2);
        assertEquals("the context was created by another model", assertThrows(IllegalArgumentException.class,
                () -> net.freeze().predict(ctx, images, 0, new float[10], 0)).getMessage());
        assertEquals("batch of 3 rows, but the context serves 1 to 2", assertThrows(IllegalArgumentException.class,
                () -> model.predictClasses(ctx, images, 0, 3, new int[3], 0)).getMessage());
        assertEquals("scores: elements [5, 15) are outside its array of length 10", assertThrows(IllegalArgumentException.class,
                () -> model.predict(ctx, images, 0, new float[10], 5)).getMessage());
        assertEquals("x: 1 samples of 784 inputs from offset 49393 do not fit its array of length 50176",
                assertThrows(IllegalArgumentException.class, () -> model.predict(ctx, images, 63 * IN + 1, new float[10], 0))
                        .getMessage());
        assertEquals("maxBatch must be at least 1, got 0", assertThrows(IllegalArgumentException.class,
                () -> model.newContext(0)).getMessage());
    }
}
