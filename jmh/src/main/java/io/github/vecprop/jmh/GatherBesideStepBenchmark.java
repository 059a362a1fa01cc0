package io.github.vecprop.jmh;

import io.github.vecprop.kernel.GemmThreads;
import io.github.vecprop.kernel.KernelProvider;
import io.github.vecprop.net.Init;
import io.github.vecprop.net.Sequential;
import io.github.vecprop.optim.Optimizer;
import io.github.vecprop.tensor.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The trainer's two cores with one gemm thread: a 784-50-10 training step on one, the mini-batch gather
 * (GatherBenchmark's {@code codes} or {@code floats}) on the other, at the same time. Against GatherBenchmark
 * and TrainStepBenchmark alone, it shows what each costs the other.
 */
@State(Scope.Group)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 3, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx2g"})
public class GatherBesideStepBenchmark {
    private ImageSet set;
    private final float[][] ring = new float[4][ImageSet.BATCH * ImageSet.D];
    private int slot;
    private int touched;
    private Sequential net;
    private Optimizer sgd;
    private Tensor x;
    private int[] t;

    @Setup
    public void setUp() {
        GemmThreads.setDefaultParallelism(1);
        set = new ImageSet(KernelProvider.get());
        net = Sequential.mlp(784, 50, 10).init(Init.std(0.01f)).seed(1).build();
        sgd = Optimizer.named("sgd", 0.1f);
        x = Tensor.of(java.util.Arrays.copyOf(set.data, ImageSet.BATCH * ImageSet.D), ImageSet.BATCH, ImageSet.D);
        t = new int[ImageSet.BATCH];
        for (int i = 0; i < t.length; i++) {
            t[i] = i % 10;
        }
    }

    /** The next of the ring's four batch buffers, as the trainer's ring cycles. */
    private float[] nextBuffer() {
        float[] b = ring[slot];
        slot = (slot + 1) & 3;
        return b;
    }

    private double step() {
        sgd.update(net.params(), net.gradient(x, t));
        return net.lastLoss();
    }

    @Benchmark
    @Group("codes")
    @GroupThreads(1)
    public double stepBesideCodes() {
        return step();
    }

    @Benchmark
    @Group("codes")
    @GroupThreads(1)
    public float[] codes() {
        float[] b = nextBuffer();
        touched = set.widenCodes(set.nextBatch(), b);
        return b;
    }

    @Benchmark
    @Group("floats")
    @GroupThreads(1)
    public double stepBesideFloats() {
        return step();
    }

    @Benchmark
    @Group("floats")
    @GroupThreads(1)
    public float[] floats() {
        float[] b = nextBuffer();
        set.copyFloats(set.nextBatch(), b);
        return b;
    }
}
