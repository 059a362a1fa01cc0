package io.github.vecprop.jmh;

import io.github.vecprop.kernel.KernelProvider;
import io.github.vecprop.kernel.Kernels;
import io.github.vecprop.kernel.PixelCodes;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
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
 * The trainer's mini-batch gather on its own: 100 rows of a 60,000 x 784 training set in a shuffled order
 * (a new batch each call, as in an epoch, so the rows come from memory, not cache), into one batch buffer.
 * {@code floats} copies rows of the float set; {@code codes} widens them from the same set packed as pixel
 * codes, a quarter of the bytes to read; a quarter of the values are nonzero, as in Fashion-MNIST's images.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 3, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx2g"})
public class GatherBenchmark {
    private static final int N = 60_000;
    private static final int D = 784;
    private static final int BATCH = 100;
    /** The trainer's piece of gather (BatchPrefetcher.PIECE_ROWS). */
    private static final int PIECE = 10;

    private final Kernels kernels = KernelProvider.get();
    private final int lanes = kernels.codeLanes();
    private final int perRow = PixelCodes.intsPerRow(D, lanes);
    private float[] data;
    private int[] codes;
    private int[] order;
    private final float[] batch = new float[BATCH * D];
    private int next;
    private int touched;

    @Setup
    public void setUp() {
        SplittableRandom r = new SplittableRandom(3);
        data = new float[N * D];
        for (int i = 0; i < data.length; i++) {
            data[i] = r.nextInt(4) == 0 ? PixelCodes.value(r.nextInt(256)) : 0f;
        }
        codes = new int[N * perRow];
        if (!PixelCodes.pack(kernels, data, 0, N, D, lanes, codes, 0)) {
            throw new IllegalStateException("the set did not pack");
        }
        order = new int[N];
        for (int i = 0; i < N; i++) {
            order[i] = i;
        }
        for (int i = N - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    }

    private int first() {
        int f = next;
        next = f + BATCH >= N ? 0 : f + BATCH;
        return f;
    }

    @Benchmark
    public float[] floats() {
        int f = first();
        for (int r = 0; r < BATCH; r++) {
            System.arraycopy(data, order[f + r] * D, batch, r * D, D);
        }
        return batch;
    }

    /** As the trainer gathers: pieces of ten rows, each read through once before it is widened. */
    @Benchmark
    public float[] codes() {
        int f = first();
        for (int r = 0; r < BATCH; r += PIECE) {
            touched = PixelCodes.gather(kernels, codes, lanes, D, order, f + r, PIECE, batch, r * D);
        }
        return batch;
    }

    /** Without the read-through: each row's misses wait for the last row's widening. */
    @Benchmark
    public float[] codesRowByRow() {
        int f = first();
        for (int r = 0; r < BATCH; r++) {
            kernels.widenCodes(codes, order[f + r] * perRow, lanes, batch, r * D, D);
        }
        return batch;
    }

    /** The floor of the memory side: one int of every cache line of the batch's code rows, nothing written. */
    @Benchmark
    public int readCodesOnly() {
        int f = first();
        int sink = 0;
        for (int r = 0; r < BATCH; r++) {
            int row = order[f + r] * perRow;
            for (int c = 0; c < perRow; c += 16) {
                sink += codes[row + c];
            }
        }
        return sink;
    }
}
