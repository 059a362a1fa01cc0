package io.github.vecprop.jmh;

import io.github.vecprop.kernel.KernelProvider;
import io.github.vecprop.kernel.Kernels;
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
 * The elementwise and row kernels, SIMD against their scalar twins in the same fork. Elements per
 * second = n / time. Row kernels (softmax, fused softmax + cross-entropy, column sums, argmax, bias
 * add) run on {@code rows x cols} with rows * cols = n, or on the named softmax shapes.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 3, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class ElementwiseBenchmark {
    /** Element counts, or {@code RxC} for the row kernels' shape (an n without x means 100 rows). */
    @Param({"5000", "1000000", "100x10", "100x1000"})
    public String size;

    @Param({"panama", "scalar"})
    public String impl;

    private Kernels k;
    private int n;
    private int rows;
    private int cols;
    private float[] x;
    private float[] d;
    private float[] y;
    private float[] out;
    private float[] bias;
    private float[] bnGamma;
    private float[] bnBeta;
    private float[] bnBeta2;
    private float[] bnMean;
    private float[] bnInvStd;
    private int[] labels;
    private int[] classes;

    @Setup
    public void setUp() {
        k = impl.equals("panama") ? KernelProvider.panama() : KernelProvider.scalar();
        if (size.contains("x")) {
            rows = Integer.parseInt(size.split("x")[0]);
            cols = Integer.parseInt(size.split("x")[1]);
        } else {
            rows = 100;
            cols = Integer.parseInt(size) / 100;
        }
        n = rows * cols;
        SplittableRandom r = new SplittableRandom(1);
        x = new float[n];
        d = new float[n];
        y = new float[n];
        out = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextDouble() * 8 - 4);
            d[i] = (float) (r.nextDouble() * 2 - 1);
            y[i] = (float) r.nextDouble();
        }
        bias = new float[cols];
        bnGamma = new float[cols];
        java.util.Arrays.fill(bnGamma, 1f);
        bnBeta = new float[cols];
        bnBeta2 = new float[cols];
        bnMean = new float[cols];
        bnInvStd = new float[cols];
        java.util.Arrays.fill(bnInvStd, 1f);
        labels = new int[rows];
        for (int i = 0; i < rows; i++) {
            labels[i] = r.nextInt(cols);
        }
        classes = new int[rows];
    }

    @Benchmark
    public float[] reluForward() {
        k.reluForward(x, 0, out, 0, n);
        return out;
    }

    @Benchmark
    public float[] reluBackward() {
        k.reluBackward(x, 0, d, 0, out, 0, n);
        return out;
    }

    @Benchmark
    public float[] sigmoidForward() {
        k.sigmoidForward(x, 0, out, 0, n);
        return out;
    }

    @Benchmark
    public float[] sigmoidBackward() {
        k.sigmoidBackward(y, 0, d, 0, out, 0, n);
        return out;
    }

    @Benchmark
    public float[] batchNormForward() {
        k.batchNormForward(x, rows, cols, bnGamma, bnBeta, 1e-5f, bnMean, bnInvStd, y, out);
        return out;
    }

    @Benchmark
    public float[] batchNormBackward() {
        k.batchNormBackward(y, bnInvStd, bnGamma, d, rows, cols, bnMean, bnBeta2, out);
        return out;
    }

    @Benchmark
    public float[] tanhForward() {
        k.tanhForward(x, 0, out, 0, n);
        return out;
    }

    @Benchmark
    public float[] tanhBackward() {
        k.tanhBackward(y, 0, d, 0, out, 0, n);
        return out;
    }

    @Benchmark
    public float[] softmaxRows() {
        k.softmaxRows(x, 0, out, 0, rows, cols);
        return out;
    }

    @Benchmark
    public double softmaxCrossEntropy() {
        return k.softmaxCrossEntropy(x, 0, rows, cols, labels, 0, out, 0, y, 0);
    }

    @Benchmark
    public float[] columnSums() {
        k.columnSums(x, 0, rows, cols, bias, 0);
        return bias;
    }

    @Benchmark
    public float[] addBias() {
        k.addBias(out, 0, rows, cols, bias, 0);
        return out;
    }

    @Benchmark
    public int[] argmaxRows() {
        k.argmaxRows(x, 0, rows, cols, classes, 0);
        return classes;
    }
}
