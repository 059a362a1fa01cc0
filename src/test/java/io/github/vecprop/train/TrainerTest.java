package io.github.vecprop.train;

import io.github.vecprop.check.ForwardingKernels;
import io.github.vecprop.check.TestData;
import io.github.vecprop.kernel.GemmThreads;
import io.github.vecprop.kernel.KernelProvider;
import io.github.vecprop.kernel.Kernels;
import io.github.vecprop.layer.Affine;
import io.github.vecprop.layer.Relu;
import io.github.vecprop.layer.SoftmaxWithLoss;
import io.github.vecprop.net.Sequential;
import io.github.vecprop.net.TwoLayerNet;
import io.github.vecprop.optim.Optimizer;
import io.github.vecprop.optim.Sgd;
import io.github.vecprop.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainerTest {
    private static final int D = 6;
    private static final int CLASSES = 3;

    /** A learnable task: the class is the index of the largest of the first three features. */
    private static Tensor data(long seed, int n, int[] labels) {
        float[] x = TestData.uniform(seed, n * D, 0f, 1f);
        for (int i = 0; i < n; i++) {
            int best = 0;
            for (int j = 1; j < CLASSES; j++) {
                if (x[i * D + j] > x[i * D + best]) {
                    best = j;
                }
            }
            labels[i] = best;
        }
        return Tensor.of(x, n, D);
    }

    @Test
    void trainingLearnsAndRecordsHistory() {
        int[] t = new int[600];
        Tensor x = data(1, 600, t);
        int[] tt = new int[200];
        Tensor xt = data(2, 200, tt);
        TwoLayerNet net = new TwoLayerNet(D, 16, CLASSES, 0.3f, 3);
        Trainer trainer = new Trainer(net, Optimizer.named("adam", 0.01f), 20, 4);
        List<Integer> stepsSeen = new ArrayList<>();
        List<History.Epoch> epochsSeen = new ArrayList<>();
        History h = trainer.train(x, t, xt, tt, 450, new TrainingListener() {
            @Override
            public void onStep(int epoch, int step, int totalSteps, double loss) {
                stepsSeen.add(step);
            }

            @Override
            public void onEpoch(History.Epoch e) {
                epochsSeen.add(e);
            }
        });
        assertEquals(450, h.steps());
        assertEquals(450, stepsSeen.size());
        assertEquals(450, stepsSeen.get(449));
        // 30 steps per epoch: 15 epochs, the last ending at step 450.
        assertEquals(15, h.epochs().size());
        assertEquals(h.epochs(), epochsSeen);
        assertEquals(450, h.epochs().get(14).step());
        assertTrue(h.epochs().get(14).meanLoss() < 0.5 * h.epochs().get(0).meanLoss(), h.epochs().toString());
        assertTrue(h.finalTestAccuracy() > 0.9, "test accuracy " + h.finalTestAccuracy());
        assertEquals(trainer.evaluate(xt, tt), h.finalTestAccuracy());
    }

    @Test
    void sameSeedSameRun() {
        int[] t = new int[100];
        Tensor x = data(5, 100, t);
        float[][] finals = new float[2][];
        float[][] losses = new float[2][];
        for (int run = 0; run < 2; run++) {
            TwoLayerNet net = new TwoLayerNet(D, 8, CLASSES, 0.3f, 6);
            History h = new Trainer(net, new Sgd(0.5f), 10, 7).train(x, t, x, t, 35, null);
            finals[run] = net.params().get("W1").data().clone();
            losses[run] = h.stepLosses();
        }
        assertArrayEquals(finals[0], finals[1]);
        assertArrayEquals(losses[0], losses[1]);
    }

    /**
     * One gemm thread (the prefetcher gathers on its own thread) and two (the gemm pool's helpers gather, in
     * pieces): the same batches, so the same weights bit for bit; batches of 30 rows take three pieces each.
     */
    @Test
    void gatheringOnItsOwnThreadOrOnThePoolGivesTheSameRun() {
        int[] t = new int[300];
        Tensor x = data(9, 300, t);
        float[][] finals = new float[2][];
        int before = io.github.vecprop.kernel.GemmThreads.defaultParallelism();
        try {
            for (int threads = 1; threads <= 2; threads++) {
                io.github.vecprop.kernel.GemmThreads.setDefaultParallelism(threads);
                TwoLayerNet net = new TwoLayerNet(D, 8, CLASSES, 0.3f, 6);
                new Trainer(net, new Sgd(0.5f), 30, 7).train(x, t, x, t, 95, null);
                finals[threads - 1] = net.params().get("W1").data().clone();
            }
        } finally {
            io.github.vecprop.kernel.GemmThreads.setDefaultParallelism(before);
        }
        assertArrayEquals(finals[0], finals[1]);
    }

    /**
     * Warming up trains a copy: the net, the optimizer and the data are as they were, so training on after it
     * gives the same bits as training on without it. Between two runs of Adam: warming up on the same optimizer
     * would rebind it to the copy's tensors, and its moments would restart when the net's came back.
     */
    @Test
    void warmUpLeavesTheNetTheOptimizerAndTheDataAlone() {
        int[] t = new int[100];
        Tensor x = data(5, 100, t);
        assertTrainingOnUnchangedBy(x, t, trainer -> trainer.warmUp(x, t, 50));
        assertEquals("the training set has 100 rows, fewer than one batch of 101",
                assertThrows(IllegalArgumentException.class,
                        () -> new Trainer(new TwoLayerNet(D, 8, CLASSES, 0.3f, 6), new Sgd(0.1f), 101, 7).warmUp(x, t, 10))
                        .getMessage());
    }

    /**
     * The warm-up's own train loop ({@link Trainer#warmUpLoop}, which {@code warmUp} runs only when its budget allows)
     * on pixel codes, so its prefetcher gathers from them: the net, the optimizer and the data stay as they were.
     */
    @Test
    void warmUpLoopLeavesTheNetTheOptimizerAndTheDataAlone() {
        int n = (Trainer.WARM_UP_LOOP_BATCHES + 2) * 10;
        int[] t = new int[n];
        Tensor x = data(8, n, t);
        float[] codes = x.data();
        for (int i = 0; i < codes.length; i++) {
            codes[i] = Math.round(codes[i] * 255f) / 255f; // c / 255f, as Idx reads an image
        }
        assertTrainingOnUnchangedBy(x, t, trainer -> trainer.warmUpLoop(x, t));
    }

    /**
     * Trains with Adam, runs {@code warmUp} on the trainer, trains on, and checks W1, the data and the labels against
     * the same training without it.
     */
    private static void assertTrainingOnUnchangedBy(Tensor x, int[] t, java.util.function.Consumer<Trainer> warmUp) {
        float[] xBefore = x.data().clone();
        int[] tBefore = t.clone();
        float[][] finals = new float[2][];
        for (int run = 0; run < 2; run++) {
            TwoLayerNet net = new TwoLayerNet(D, 8, CLASSES, 0.3f, 6);
            Trainer trainer = new Trainer(net, Optimizer.named("adam", 0.01f), 10, 7);
            trainer.train(x, t, x, t, 20, null);
            if (run == 1) {
                float[] w1 = net.params().get("W1").data().clone();
                warmUp.accept(trainer);
                assertArrayEquals(w1, net.params().get("W1").data());
            }
            trainer.train(x, t, x, t, 15, null);
            finals[run] = net.params().get("W1").data().clone();
        }
        assertArrayEquals(finals[0], finals[1]);
        assertArrayEquals(xBefore, x.data());
        assertArrayEquals(tBefore, t);
    }

    /** Records which rows each step saw; row i of the data carries i in its first feature. */
    private static final class SpyNet extends Sequential {
        final List<Set<Integer>> epochs = new ArrayList<>();
        int stepsPerEpoch;
        int steps;

        SpyNet() {
            super(D, List.of(new Affine(Tensor.gaussian(0, 0.1f, D, 2), Tensor.zeros(2)), new Relu(),
                    new Affine(Tensor.gaussian(1, 0.1f, 2, CLASSES), Tensor.zeros(CLASSES))), new SoftmaxWithLoss());
        }

        @Override
        public Map<String, Tensor> gradient(Tensor x, int[] t) {
            if (steps++ % stepsPerEpoch == 0) {
                epochs.add(new HashSet<>());
            }
            for (int r = 0; r < x.dim(0); r++) {
                assertTrue(epochs.get(epochs.size() - 1).add((int) x.get(r, 0)), "row drawn twice in an epoch");
            }
            return super.gradient(x, t);
        }
    }

    /** Checks that every row of every batch has the bits of the training set's row it came from (feature 0 names it). */
    private static final class BatchBitsNet extends Sequential {
        final float[] data;
        final int d;
        int rowsSeen;

        BatchBitsNet(float[] data, int d, Kernels kernels) {
            super(d, List.of(new Affine(Tensor.gaussian(0, 0.1f, d, 4), Tensor.zeros(4)), new Relu(),
                    new Affine(Tensor.gaussian(1, 0.1f, 4, CLASSES), Tensor.zeros(CLASSES))), new SoftmaxWithLoss(), kernels);
            this.data = data;
            this.d = d;
        }

        @Override
        public Map<String, Tensor> gradient(Tensor x, int[] t) {
            for (int r = 0; r < x.dim(0); r++) {
                int row = Math.round(x.get(r, 0) * 255f);
                for (int j = 0; j < d; j++) {
                    assertEquals(Float.floatToRawIntBits(data[row * d + j]), Float.floatToRawIntBits(x.data()[r * d + j]),
                            "row " + row + ", value " + j);
                }
                assertEquals(row % CLASSES, t[r], "label of row " + row);
                rowsSeen++;
            }
            return super.gradient(x, t);
        }
    }

    /**
     * A training set of 8-bit codes (c / 255f, as Idx reads images) is gathered from its packed codes; with
     * {@code notACode} placed in its last row, from its floats. Either way each batch row has its row's bits and label.
     */
    private static void codeBatchesHaveTheSetsBits(Kernels kernels, Float notACode) {
        codeBatchesHaveTheSetsBits(kernels, notACode, 0);
    }

    /** As above, with each row's label {@code labelShift} classes past the one the check expects. */
    private static void codeBatchesHaveTheSetsBits(Kernels kernels, Float notACode, int labelShift) {
        int n = 200;
        int d = 150; // whole blocks of 16 lanes' codes, then a whole vector, then a tail
        SplittableRandom r = new SplittableRandom(4);
        float[] x = new float[n * d];
        for (int i = 0; i < n; i++) {
            x[i * d] = i / 255f;
            for (int j = 1; j < d; j++) {
                x[i * d + j] = r.nextInt(3) == 0 ? r.nextInt(256) / 255f : 0f;
            }
        }
        if (notACode != null) {
            x[n * d - 1] = notACode;
        }
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = (i + labelShift) % CLASSES;
        }
        int before = GemmThreads.defaultParallelism();
        try {
            for (int threads = 1; threads <= 2; threads++) {
                GemmThreads.setDefaultParallelism(threads);
                BatchBitsNet net = new BatchBitsNet(x, d, kernels);
                new Trainer(net, new Sgd(0.1f), 30, 7).train(Tensor.of(x, n, d), t, Tensor.of(x, n, d), t, 20, null);
                assertEquals(20 * 30, net.rowsSeen);
            }
        } finally {
            GemmThreads.setDefaultParallelism(before);
        }
    }

    @Test
    void batchesOfPixelCodesHaveTheSetsBits() {
        codeBatchesHaveTheSetsBits(KernelProvider.get(), null);
        codeBatchesHaveTheSetsBits(KernelProvider.scalar(), null);
        codeBatchesHaveTheSetsBits(KernelProvider.get(), -0f); // row 0 packs, the last row does not
    }

    /** The label check is live: labels one row out of step with their images fail it. */
    @Test
    void catchesLabelsOutOfStepWithTheirRows() {
        AssertionError e = assertThrows(AssertionError.class, () -> codeBatchesHaveTheSetsBits(KernelProvider.get(), null, 1));
        assertTrue(e.getMessage().startsWith("label of row"), e.getMessage());
    }

    /** Planted: a widening that loses the last value of every row. */
    @Test
    void catchesAGatherThatLosesAValue() {
        Kernels mutant = new ForwardingKernels(KernelProvider.get()) {
            @Override
            public void widenCodes(int[] codes, int codesOff, int lanes, float[] y, int yOff, int n) {
                super.widenCodes(codes, codesOff, lanes, y, yOff, n);
                y[yOff + n - 1] = 0f;
            }
        };
        assertThrows(AssertionError.class, () -> codeBatchesHaveTheSetsBits(mutant, null));
    }

    @Test
    void eachEpochDrawsRowsWithoutReplacementInANewOrder() {
        // Batches of 5 are one piece of the prefetcher's gather; batches of 25 take three, the last partial.
        for (int batch : new int[] {5, 25}) {
            int n = 10 * batch + 3;
            float[] x = new float[n * D];
            for (int i = 0; i < n; i++) {
                x[i * D] = i;
            }
            int[] t = new int[n];
            SpyNet spy = new SpyNet();
            Trainer trainer = new Trainer(spy, new Sgd(0.01f), batch, 11);
            spy.stepsPerEpoch = trainer.stepsPerEpoch(n);
            assertEquals(10, spy.stepsPerEpoch);
            trainer.train(Tensor.of(x, n, D), t, Tensor.of(x, n, D), t, 30, null);
            assertEquals(3, spy.epochs.size());
            for (Set<Integer> rows : spy.epochs) {
                assertEquals(10 * batch, rows.size(), "batch " + batch);
            }
            assertFalse(spy.epochs.get(0).equals(spy.epochs.get(1)) && spy.epochs.get(1).equals(spy.epochs.get(2)),
                    "the dropped rows should differ between shuffles");
        }
    }

    @Test
    void badInputIsNamed() {
        TwoLayerNet net = new TwoLayerNet(D, 4, CLASSES, 0.1f, 0);
        Trainer trainer = new Trainer(net, new Sgd(0.1f), 10, 0);
        Tensor x = Tensor.zeros(20, D);
        assertEquals("training data has shape [20, 6] but there are 19 labels", assertThrows(IllegalArgumentException.class,
                () -> trainer.train(x, new int[19], x, new int[20], 1, null)).getMessage());
        assertEquals("test label 3 at row 0 is outside [0, 3)", assertThrows(IllegalArgumentException.class,
                () -> trainer.train(x, new int[20], x, new int[] {3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 1, null))
                .getMessage());
        assertEquals("training data has shape [20, 5] but the net takes 6 inputs", assertThrows(IllegalArgumentException.class,
                () -> trainer.train(Tensor.zeros(20, 5), new int[20], x, new int[20], 1, null)).getMessage());
        assertEquals("the training set has 20 rows, fewer than one batch of 50", assertThrows(IllegalArgumentException.class,
                () -> new Trainer(net, new Sgd(0.1f), 50, 0).train(x, new int[20], x, new int[20], 1, null)).getMessage());
        assertEquals("batch size must be at least 1, got 0", assertThrows(IllegalArgumentException.class,
                () -> new Trainer(net, new Sgd(0.1f), 0, 0)).getMessage());
    }

    @Test
    void historyWritesCsvAndAnSvgThatParses(@TempDir Path dir) throws Exception {
        int[] t = new int[40];
        Tensor x = data(9, 40, t);
        History h = new Trainer(new TwoLayerNet(D, 4, CLASSES, 0.1f, 0), new Sgd(0.1f), 10, 0).train(x, t, x, t, 8, null);
        Path csv = dir.resolve("h.csv");
        h.writeCsv(csv);
        List<String> lines = Files.readAllLines(csv);
        assertEquals("kind,epoch,step,loss,test_accuracy", lines.get(0));
        assertEquals(1 + 8 + 2, lines.size());
        assertTrue(lines.get(5).startsWith("epoch,1,4,"), lines.get(5));
        assertTrue(lines.get(1).matches("step,,1,[0-9.]+,"), lines.get(1));

        Path svg = dir.resolve("h.svg");
        LearningCurves.writeSvg(h, svg, "a <test> & title");
        String text = Files.readString(svg);
        var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
        assertEquals("svg", doc.getDocumentElement().getTagName());
        assertEquals(3, doc.getElementsByTagName("polyline").getLength());
        assertEquals(2, doc.getElementsByTagName("circle").getLength());
        try (var files = Files.list(dir)) {
            assertEquals(2, files.count(), "no temporary files left behind");
        }
    }

    @Test
    void evaluationCoversARemainderChunk() {
        int[] t = new int[25];
        Tensor x = data(3, 25, t);
        TwoLayerNet net = new TwoLayerNet(D, 4, CLASSES, 0.5f, 1);
        double whole = net.accuracy(x, t);
        assertEquals(whole, new Trainer(net, new Sgd(0.1f), 10, 0).evaluate(x, t), 1e-12);
        assertEquals(whole, new Trainer(net, new Sgd(0.1f), 7, 0).evaluate(x, t), 1e-12);
    }
}
