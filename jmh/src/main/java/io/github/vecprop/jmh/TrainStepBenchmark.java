package io.github.vecprop.jmh;

import io.github.vecprop.kernel.GemmThreads;
import io.github.vecprop.net.Init;
import io.github.vecprop.net.Sequential;
import io.github.vecprop.optim.Optimizer;
import io.github.vecprop.tensor.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
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
 * One training step of a ReLU MLP on a batch of 100 (the origin notes' 784-50-10, and
 * 784-256-128-10, 784-100x5-10), with or without a BatchNorm after every hidden Affine: forward,
 * backward, SGD update. Run with {@code -prof gc} for bytes allocated per step.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 3, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class TrainStepBenchmark {
    @Param({"1", "2"})
    public int threads;
    @Param({"784-50-10", "784-256-128-10", "784-100-100-100-100-100-10"})
    public String sizes;
    /** A BatchNorm after every hidden Affine (the book's BatchNorm experiment). */
    @Param({"false", "true"})
    public boolean batchnorm;
    /**
     * The batch: {@code uniform} pixels in [0, 1) with random labels, or {@code images}: the first 100 images of the
     * embedded Fashion-MNIST subset with their labels (about half the pixels zero, as real inputs are). The same
     * values as {@link OnnxRuntimeBenchmark}'s {@code data}, so one {@code -p data=..} serves both.
     */
    @Param({"uniform"})
    public String data;

    private Sequential net;
    private Optimizer sgd;
    private Tensor x;
    private int[] t;

    @Setup
    public void setUp() {
        GemmThreads.setDefaultParallelism(threads);
        Sequential.Builder b = Sequential.mlp(java.util.Arrays.stream(sizes.split("-")).mapToInt(Integer::parseInt).toArray())
                .init(Init.std(0.01f)).seed(1);
        net = (batchnorm ? b.batchNorm() : b).build();
        sgd = Optimizer.named("sgd", 0.1f);
        if (data.equals("images")) {
            x = Tensor.of(BenchData.images(100), 100, BenchData.PIXELS);
            t = BenchData.labels(100);
            return;
        }
        if (!data.equals("uniform")) {
            throw new IllegalArgumentException("data is uniform or images, not " + data);
        }
        SplittableRandom r = new SplittableRandom(2);
        float[] pixels = new float[100 * 784];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) r.nextDouble();
        }
        x = Tensor.of(pixels, 100, 784);
        t = new int[100];
        for (int i = 0; i < t.length; i++) {
            t[i] = r.nextInt(10);
        }
    }

    @Benchmark
    public double step() {
        sgd.update(net.params(), net.gradient(x, t));
        return net.lastLoss();
    }
}
