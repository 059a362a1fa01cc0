package io.github.vecprop.jmh;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
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

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;

/**
 * The floor under batch-1 serving of 784-50-10: one sweep of one input row over a 784 x 3L block of
 * weights (150 KB with 16 lanes: the first layer's packed block, too big for L1, so read from L2), with
 * the multiply-adds split into 1, 2 or 4 independent streams over K (the served one-row path uses 4).
 * Nothing else: no bias, no second layer, no call through the model. What this takes is what
 * reading W1 costs on this machine, whatever the kernel around it.
 *
 * <p>{@code sweep} reads a float array wherever the collector put it, so a 512-bit load straddles two cache
 * lines unless the array happens to start on a line, which varies from fork to fork. {@code offHeap} takes
 * the four-stream sweep over a copy off the heap: {@code aligned} on a cache line, as the served rows read
 * it ({@code PanamaDense.RowBlocks}), or {@code split}, 4 bytes past a line, so that every load straddles two.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 3, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@State(Scope.Thread)
public class WeightReadBenchmark {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final int W = 3 * L;
    private static final int K = 784;

    @Param({"1", "2", "4"})
    public int streams;

    private final float[] a = new float[K];
    private final float[] b = new float[K * W];
    private final float[] out = new float[W];

    @Setup
    public void setUp() {
        for (int i = 0; i < b.length; i++) {
            b[i] = (i % 13) * 0.01f;
        }
        for (int i = 0; i < K; i++) {
            a[i] = (i % 7) * 0.1f;
        }
    }

    /** The block off the heap, from a cache line ({@code aligned}) or 4 bytes past one ({@code split}). */
    @State(Scope.Thread)
    public static class OffHeap {
        @Param({"aligned", "split"})
        public String memory;

        MemorySegment segment;
        long start;

        @Setup
        public void setUp(WeightReadBenchmark bench) {
            segment = Arena.ofAuto().allocate(4L * bench.b.length + 64, 64);
            start = memory.equals("split") ? 4 : 0;
            MemorySegment.copy(bench.b, 0, segment, ValueLayout.JAVA_FLOAT, start, bench.b.length);
        }
    }

    @Benchmark
    public float[] sweep() {
        switch (streams) {
            case 1 -> one();
            case 2 -> two();
            default -> four();
        }
        return out;
    }

    private void one() {
        FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0;
        for (int p = 0, bi = 0; p < K; p++, bi += W) {
            FloatVector x = FloatVector.broadcast(S, a[p]);
            s0 = x.fma(FloatVector.fromArray(S, b, bi), s0);
            s1 = x.fma(FloatVector.fromArray(S, b, bi + L), s1);
            s2 = x.fma(FloatVector.fromArray(S, b, bi + 2 * L), s2);
        }
        s0.intoArray(out, 0);
        s1.intoArray(out, L);
        s2.intoArray(out, 2 * L);
    }

    private void two() {
        FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, t0 = s0, t1 = s0, t2 = s0;
        int h = K / 2, d = h * W;
        for (int p = 0, bi = 0; p < h; p++, bi += W) {
            FloatVector x = FloatVector.broadcast(S, a[p]);
            FloatVector z = FloatVector.broadcast(S, a[p + h]);
            s0 = x.fma(FloatVector.fromArray(S, b, bi), s0);
            s1 = x.fma(FloatVector.fromArray(S, b, bi + L), s1);
            s2 = x.fma(FloatVector.fromArray(S, b, bi + 2 * L), s2);
            t0 = z.fma(FloatVector.fromArray(S, b, bi + d), t0);
            t1 = z.fma(FloatVector.fromArray(S, b, bi + d + L), t1);
            t2 = z.fma(FloatVector.fromArray(S, b, bi + d + 2 * L), t2);
        }
        s0.add(t0).intoArray(out, 0);
        s1.add(t1).intoArray(out, L);
        s2.add(t2).intoArray(out, 2 * L);
    }

    private void four() {
        FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, t0 = s0, t1 = s0, t2 = s0;
        FloatVector u0 = s0, u1 = s0, u2 = s0, v0 = s0, v1 = s0, v2 = s0;
        int q = K / 4, d = q * W;
        for (int p = 0, bi = 0; p < q; p++, bi += W) {
            FloatVector w = FloatVector.broadcast(S, a[p]);
            FloatVector x = FloatVector.broadcast(S, a[p + q]);
            FloatVector y = FloatVector.broadcast(S, a[p + 2 * q]);
            FloatVector z = FloatVector.broadcast(S, a[p + 3 * q]);
            s0 = w.fma(FloatVector.fromArray(S, b, bi), s0);
            s1 = w.fma(FloatVector.fromArray(S, b, bi + L), s1);
            s2 = w.fma(FloatVector.fromArray(S, b, bi + 2 * L), s2);
            t0 = x.fma(FloatVector.fromArray(S, b, bi + d), t0);
            t1 = x.fma(FloatVector.fromArray(S, b, bi + d + L), t1);
            t2 = x.fma(FloatVector.fromArray(S, b, bi + d + 2 * L), t2);
            u0 = y.fma(FloatVector.fromArray(S, b, bi + 2 * d), u0);
            u1 = y.fma(FloatVector.fromArray(S, b, bi + 2 * d + L), u1);
            u2 = y.fma(FloatVector.fromArray(S, b, bi + 2 * d + 2 * L), u2);
            v0 = z.fma(FloatVector.fromArray(S, b, bi + 3 * d), v0);
            v1 = z.fma(FloatVector.fromArray(S, b, bi + 3 * d + L), v1);
            v2 = z.fma(FloatVector.fromArray(S, b, bi + 3 * d + 2 * L), v2);
        }
        s0.add(t0).add(u0.add(v0)).intoArray(out, 0);
        s1.add(t1).add(u1.add(v1)).intoArray(out, L);
        s2.add(t2).add(u2.add(v2)).intoArray(out, 2 * L);
    }

    /** The four-stream sweep over the block off the heap ({@code streams} does not apply). */
    @Benchmark
    public float[] offHeap(OffHeap h) {
        ByteOrder o = ByteOrder.nativeOrder();
        MemorySegment m = h.segment;
        long start = h.start;
        FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, t0 = s0, t1 = s0, t2 = s0;
        FloatVector u0 = s0, u1 = s0, u2 = s0, v0 = s0, v1 = s0, v2 = s0;
        int q = K / 4;
        long v = 4L * L, row = 4L * W, d = q * row;
        for (int p = 0; p < q; p++) {
            long bo = start + p * row;
            FloatVector w = FloatVector.broadcast(S, a[p]);
            FloatVector x = FloatVector.broadcast(S, a[p + q]);
            FloatVector y = FloatVector.broadcast(S, a[p + 2 * q]);
            FloatVector z = FloatVector.broadcast(S, a[p + 3 * q]);
            s0 = w.fma(FloatVector.fromMemorySegment(S, m, bo, o), s0);
            s1 = w.fma(FloatVector.fromMemorySegment(S, m, bo + v, o), s1);
            s2 = w.fma(FloatVector.fromMemorySegment(S, m, bo + 2 * v, o), s2);
            t0 = x.fma(FloatVector.fromMemorySegment(S, m, bo + d, o), t0);
            t1 = x.fma(FloatVector.fromMemorySegment(S, m, bo + d + v, o), t1);
            t2 = x.fma(FloatVector.fromMemorySegment(S, m, bo + d + 2 * v, o), t2);
            u0 = y.fma(FloatVector.fromMemorySegment(S, m, bo + 2 * d, o), u0);
            u1 = y.fma(FloatVector.fromMemorySegment(S, m, bo + 2 * d + v, o), u1);
            u2 = y.fma(FloatVector.fromMemorySegment(S, m, bo + 2 * d + 2 * v, o), u2);
            v0 = z.fma(FloatVector.fromMemorySegment(S, m, bo + 3 * d, o), v0);
            v1 = z.fma(FloatVector.fromMemorySegment(S, m, bo + 3 * d + v, o), v1);
            v2 = z.fma(FloatVector.fromMemorySegment(S, m, bo + 3 * d + 2 * v, o), v2);
        }
        s0.add(t0).add(u0.add(v0)).intoArray(out, 0);
        s1.add(t1).add(u1.add(v1)).intoArray(out, L);
        s2.add(t2).add(u2.add(v2)).intoArray(out, 2 * L);
        return out;
    }
}
