package io.github.vecprop.jmh;

import io.github.vecprop.kernel.KernelProvider;
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
    private ImageSet set;
    private final float[] batch = new float[ImageSet.BATCH * ImageSet.D];
    private int touched;

    @Setup
    public void setUp() {
        set = new ImageSet(KernelProvider.get());
    }

    @Benchmark
    public float[] floats() {
        set.copyFloats(set.nextBatch(), batch);
        return batch;
    }

    /** As the trainer gathers: pieces of ten rows, each read through once before it is widened. */
    @Benchmark
    public float[] codes() {
        touched = set.widenCodes(set.nextBatch(), batch);
        return batch;
    }

    /** Without the read-through: each row's misses wait for the last row's widening. */
    @Benchmark
    public float[] codesRowByRow() {
        int f = set.nextBatch();
        for (int r = 0; r < ImageSet.BATCH; r++) {
            set.kernels.widenCodes(set.codes, set.order[f + r] * set.perRow, set.lanes, batch, r * ImageSet.D, ImageSet.D);
        }
        return batch;
    }

    /** The floor of the memory side: one int of every cache line of the batch's code rows, nothing written. */
    @Benchmark
    public int readCodesOnly() {
        int f = set.nextBatch();
        int sink = 0;
        for (int r = 0; r < ImageSet.BATCH; r++) {
            int row = set.order[f + r] * set.perRow;
            for (int c = 0; c < set.perRow; c += 16) {
                sink += set.codes[row + c];
            }
        }
        return sink;
    }
}
