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

import java.util.concurrent.TimeUnit;

/**
 * The floor under the narrow product 100 x 50 x 10 (C = A·B, C narrower than a vector): the ten-row strips
 * of the GEMM's narrow kernel alone, over B already padded to one vector per row, with no stores to C. In
 * {@code broadcast} each multiply-add takes a fresh broadcast of A, as in the library; in {@code hoisted}
 * the ten broadcasts are made once per strip, leaving the same multiply-adds and loads of B. The gap between
 * the two is what the broadcasts cost, which no arrangement of this layout avoids.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 3, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@State(Scope.Thread)
public class NarrowFloorBenchmark {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final int M = 100;
    private static final int K = 50;

    @Param({"broadcast", "hoisted"})
    public String mode;

    private final float[] a = new float[M * K];
    private final float[] bp = new float[K * L];
    private final float[] tile = new float[10 * L];

    @Setup
    public void setUp() {
        for (int i = 0; i < a.length; i++) {
            a[i] = (i % 11) * 0.1f;
        }
        for (int p = 0; p < K; p++) {
            for (int j = 0; j < 10; j++) {
                bp[p * L + j] = ((p + j) % 7) * 0.01f;
            }
        }
    }

    @Benchmark
    public float[] strips() {
        boolean hoisted = mode.equals("hoisted");
        for (int i = 0; i < M; i += 10) {
            if (hoisted) {
                hoisted(a, i * K, K, bp, tile);
            } else {
                broadcast(a, i * K, K, bp, tile);
            }
        }
        return tile;
    }

    private static void broadcast(float[] a, int ai, int ars, float[] b, float[] tile) {
        FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0,
                c8 = c0, c9 = c0;
        for (int p = 0; p < K; p++) {
            FloatVector b0 = FloatVector.fromArray(S, b, p * L);
            c0 = FloatVector.broadcast(S, a[ai + p]).fma(b0, c0);
            c1 = FloatVector.broadcast(S, a[ai + ars + p]).fma(b0, c1);
            c2 = FloatVector.broadcast(S, a[ai + 2 * ars + p]).fma(b0, c2);
            c3 = FloatVector.broadcast(S, a[ai + 3 * ars + p]).fma(b0, c3);
            c4 = FloatVector.broadcast(S, a[ai + 4 * ars + p]).fma(b0, c4);
            c5 = FloatVector.broadcast(S, a[ai + 5 * ars + p]).fma(b0, c5);
            c6 = FloatVector.broadcast(S, a[ai + 6 * ars + p]).fma(b0, c6);
            c7 = FloatVector.broadcast(S, a[ai + 7 * ars + p]).fma(b0, c7);
            c8 = FloatVector.broadcast(S, a[ai + 8 * ars + p]).fma(b0, c8);
            c9 = FloatVector.broadcast(S, a[ai + 9 * ars + p]).fma(b0, c9);
        }
        c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).intoArray(tile, 0);
    }

    private static void hoisted(float[] a, int ai, int ars, float[] b, float[] tile) {
        FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0,
                c8 = c0, c9 = c0;
        FloatVector x0 = FloatVector.broadcast(S, a[ai]), x1 = FloatVector.broadcast(S, a[ai + ars]),
                x2 = FloatVector.broadcast(S, a[ai + 2 * ars]), x3 = FloatVector.broadcast(S, a[ai + 3 * ars]),
                x4 = FloatVector.broadcast(S, a[ai + 4 * ars]), x5 = FloatVector.broadcast(S, a[ai + 5 * ars]),
                x6 = FloatVector.broadcast(S, a[ai + 6 * ars]), x7 = FloatVector.broadcast(S, a[ai + 7 * ars]),
                x8 = FloatVector.broadcast(S, a[ai + 8 * ars]), x9 = FloatVector.broadcast(S, a[ai + 9 * ars]);
        for (int p = 0; p < K; p++) {
            FloatVector b0 = FloatVector.fromArray(S, b, p * L);
            c0 = x0.fma(b0, c0);
            c1 = x1.fma(b0, c1);
            c2 = x2.fma(b0, c2);
            c3 = x3.fma(b0, c3);
            c4 = x4.fma(b0, c4);
            c5 = x5.fma(b0, c5);
            c6 = x6.fma(b0, c6);
            c7 = x7.fma(b0, c7);
            c8 = x8.fma(b0, c8);
            c9 = x9.fma(b0, c9);
        }
        c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).intoArray(tile, 0);
    }
}
