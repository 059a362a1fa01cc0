package io.github.vecprop.jmh;

import io.github.vecprop.kernel.GemmThreads;
import io.github.vecprop.net.Init;
import io.github.vecprop.net.Model;
import io.github.vecprop.net.Sequential;
import io.github.vecprop.tensor.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Inference on a compiled ReLU MLP ({@code net}: the origin notes' 784-50-10, 784-256-128-10, and a
 * 784-50-10 imported from PyTorch's ONNX export):
 * one sample (scores and class, caller-owned output), a batch of 100 (classes), one sample from two
 * threads sharing the model, and for comparison the training net's own {@code predict} of 100 rows
 * in inference mode. Run with {@code -prof gc}: every variant should allocate nothing per call. gemm
 * parallelism is 1, as a request thread would set it.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 3, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class PredictBenchmark {

    /** The model, shared by every thread. */
    @State(Scope.Benchmark)
    public static class Shared {
        /** Sizes of a net built here, or {@code onnx:FILE}: a model imported from ONNX (relative to jmh/). */
        @Param({"784-50-10", "784-256-128-10", "onnx:../src/test/resources/io/github/vecprop/io/onnx/mlp-784-50-10.onnx"})
        public String net;

        Sequential trained;
        Model model;
        float[] images;
        Tensor batch;

        @Setup
        public void setUp() throws java.io.IOException {
            GemmThreads.setDefaultParallelism(1);
            if (net.startsWith("onnx:")) {
                // Trained in PyTorch, exported by torch.onnx.export: served like a net trained here.
                trained = io.github.vecprop.io.Onnx.read(java.nio.file.Path.of(net.substring("onnx:".length())));
            } else {
                int[] sizes = java.util.Arrays.stream(net.split("-")).mapToInt(Integer::parseInt).toArray();
                trained = Sequential.mlp(sizes).init(Init.std(0.05f)).seed(1).build();
            }
            trained.setTraining(false);
            model = trained.freeze();
            SplittableRandom r = new SplittableRandom(3);
            images = new float[100 * 784];
            for (int i = 0; i < images.length; i++) {
                images[i] = (float) r.nextDouble();
            }
            batch = Tensor.of(images, 100, 784);
        }
    }

    /** Each thread's context and outputs. */
    @State(Scope.Thread)
    public static class PerThread {
        Model.Context ctx;
        float[] scores = new float[10];
        int[] classes = new int[100];

        @Setup
        public void setUp(Shared shared) {
            ctx = shared.model.newContext(100);
        }
    }

    @Benchmark
    public int batch1(Shared s, PerThread p) {
        return s.model.predict(p.ctx, s.images, 0, p.scores, 0);
    }

    @Benchmark
    public int[] batch100(Shared s, PerThread p) {
        s.model.predictClasses(p.ctx, s.images, 0, 100, p.classes, 0);
        return p.classes;
    }

    @Benchmark
    public Tensor netPredict100(Shared s) {
        return s.trained.predict(s.batch);
    }

    @Benchmark
    @Group("sharedBy2Threads")
    @GroupThreads(2)
    public int batch1Shared(Shared s, PerThread p) {
        return s.model.predict(p.ctx, s.images, 0, p.scores, 0);
    }
}
