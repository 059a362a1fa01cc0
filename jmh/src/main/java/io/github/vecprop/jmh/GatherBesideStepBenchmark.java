package io.github.vecprop.jmh;

import io.github.vecprop.kernel.GemmThreads;
import io.github.vecprop.kernel.KernelProvider;
import io.github.vecprop.kernel.Kernels;
import io.github.vecprop.kernel.PixelCodes;
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

import java.util.SplittableRandom;
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
    private static final int N = 60_000;
    private static final int D = 784;
    private static final int BATCH = 100;
    private static final int PIECE = 10;

    private final Kernels kernels = KernelProvider.get();
    private final int lanes = kernels.codeLanes();
    private float[] data;
    private int[] codes;
    private int[] order;
    private final float[][] ring = new float[4][BATCH * D];
    private int slot;
    private int next;
    private int touched;
    private Sequential net;
    private Optimizer sgd;
    private Tensor x;
    private int[] t;

    @Setup
    public void setUp() {
        GemmThreads.setDefaultParallelism(1);
        SplittableRandom r = new SplittableRandom(3);
        data = new float[N * D];
        for (int i = 0; i < data.length; i++) {
            data[i] = r.nextInt(4) == 0 ? PixelCodes.value(r.nextInt(256)) : 0f;
        }
        codes = new int[N * PixelCodes.intsPerRow(D, lanes)];
        if (!PixelCodes.pack(kernels, data, 0, N, D, lanes, codes, 0)) {
            throw new IllegalStateException("the set did not pack");
        }
        order = new int[N];
        for (int i = 0; i < N; i++) {
            order[i] = i;
        }
        for (int i = N - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int tmp = order[i];
            order[i] = order[j];
            order[j] = tmp;
        }
        net = Sequential.mlp(784, 50, 10).init(Init.std(0.01f)).seed(1).build();
        sgd = Optimizer.named("sgd", 0.1f);
        x = Tensor.of(java.util.Arrays.copyOf(data, BATCH * D), BATCH, D);
        t = new int[BATCH];
        for (int i = 0; i < BATCH; i++) {
            t[i] = r.nextInt(10);
        }
    }

    private int first() {
        int f = next;
        next = f + BATCH >= N ? 0 : f + BATCH;
        return f;
    }

    @Benchmark
    @Group("codes")
    @GroupThreads(1)
    public double stepBesideCodes() {
        sgd.update(net.params(), net.gradient(x, t));
        return net.lastLoss();
    }

    @Benchmark
    @Group("codes")
    @GroupThreads(1)
    public float[] codes() {
        int f = first();
        float[] b = ring[slot];
        slot = (slot + 1) & 3;
        for (int r = 0; r < BATCH; r += PIECE) {
            touched = PixelCodes.gather(kernels, codes, lanes, D, order, f + r, PIECE, b, r * D);
        }
        return b;
    }

    @Benchmark
    @Group("floats")
    @GroupThreads(1)
    public double stepBesideFloats() {
        sgd.update(net.params(), net.gradient(x, t));
        return net.lastLoss();
    }

    @Benchmark
    @Group("floats")
    @GroupThreads(1)
    public float[] floats() {
        int f = first();
        float[] b = ring[slot];
        slot = (slot + 1) & 3;
        for (int r = 0; r < BATCH; r++) {
            System.arraycopy(data, order[f + r] * D, b, r * D, D);
        }
        return b;
    }
}
