package io.github.vecprop.kernel;

import java.lang.management.ManagementFactory;

/**
 * The work behind {@link KernelProvider#warmUp(long)}: small calls of every kernel, in rounds, until rounds
 * neither allocate nor see the JIT finish a compilation; and the rounds of the warm-ups built on it
 * ({@link KernelProvider#warmUp(Runnable, long)}, {@link KernelProvider#warmUpUntilCompiled}).
 */
final class WarmUp {
    private static final int CALLS_PER_ROUND = 200;
    /**
     * Quiet rounds in a row before steady state is declared. One could be luck between compilations; and a
     * round that allocated nothing can still be followed by a late compilation (a recompile after a
     * deoptimisation, say) that runs interpreted code for a few calls, hence also the JIT's clock below.
     */
    private static final int QUIET_ROUNDS = 3;

    private WarmUp() {
    }

    static boolean run(Kernels k, long maxMillis) {
        // Shapes that reach each gemm path and branch a training step takes, so none is first met (and the
        // code compiled without it thrown away) after warm-up: the unpacked path for a few rows, the packed one
        // with a ragged strip (100 rows), two K blocks (300 > KC, so C is read back) and two M blocks (200 > MC:
        // Affine's dW of a 784-input layer has 784 rows), every micro-kernel,
        // and the narrow products on arrays they end exactly at, where the masked accesses turn scalar.
        float[] a = new float[100 * 500];
        float[] b = new float[500 * 80];
        float[] c = new float[200 * 80];
        float[] b10 = new float[300 * 10];
        float[] c10 = new float[100 * 10];
        float[] t10 = new float[50 * 10];
        float[] x = new float[1000];
        float[] y = new float[1000];
        float[] d = new float[1000];
        float[] sparse = new float[1000]; // three inputs of four zero: the served rows that skip zero inputs
        float[] bias = new float[100];
        int[] labels = new int[100];
        int[] classes = new int[100];
        int[] codes = new int[PixelCodes.intsPerRow(790, k.codeLanes())]; // 790: whole blocks, then vectors, then a tail
        float[] pixels = new float[790];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = PixelCodes.value(i % (PixelCodes.MAX_CODE + 1));
        }
        for (int i = 0; i < x.length; i++) {
            x[i] = (i % 17 - 8) / 4f;
            d[i] = (i % 5 - 2) / 2f;
            sparse[i] = i % 4 == 0 ? x[i] : 0f;
        }
        // Served dense layers: three-vector blocks with dot columns (50), a whole-vector width (48), narrow (10).
        DenseWeights[] served = {k.packDense(b, 0, 96, 50, bias, 0), k.packDense(b, 0, 96, 48, bias, 0),
                k.packDense(b, 0, 96, 10, bias, 0)};
        GemmThreads.Slice update = (from, to) -> k.axpy(0.5f, d, from, y, from, to - from);
        return until(() -> {
            for (int i = 0; i < CALLS_PER_ROUND; i++) {
                k.gemm(false, false, 1, 80, 300, 1f, a, 0, 300, b, 0, 80, 0f, c, 0, 80);
                k.gemm(false, false, 100, 80, 300, 1f, a, 0, 300, b, 0, 80, 0f, c, 0, 80);
                k.gemm(false, true, 100, 80, 300, 1f, a, 0, 300, b, 0, 300, 0f, c, 0, 80);
                k.gemm(true, false, 80, 80, 300, 1f, a, 0, 100, b, 0, 80, 1f, c, 0, 80);
                // Widths with a ragged last panel (50: the hidden layer) and narrower than a vector (10 classes).
                k.gemm(false, false, 100, 50, 300, 1f, a, 0, 300, b, 0, 50, 0f, c, 0, 50);
                k.gemm(true, false, 100, 50, 300, 1f, a, 0, 100, b, 0, 50, 0f, c, 0, 50);
                k.gemm(true, false, 200, 50, 100, 1f, a, 0, 200, b, 0, 50, 0f, c, 0, 50);
                k.gemm(false, true, 100, 50, 10, 1f, a, 0, 10, b, 0, 10, 0f, c, 0, 50);
                // A long K in halves (PanamaGemm.splitsK, the forward of a 784-50 layer): two threads if there are.
                k.gemm(false, false, 100, 50, 500, 1f, a, 0, 500, b, 0, 50, 0f, c, 0, 50);
                k.gemm(false, false, 100, 10, 300, 1f, a, 0, 300, b10, 0, 10, 0f, c10, 0, 10);
                k.gemm(false, false, 100, 10, 300, 1f, a, 0, 300, b10, 0, 10, 1f, c10, 0, 10);
                k.gemm(true, false, 50, 10, 100, 1f, a, 0, 50, b10, 0, 10, 0f, t10, 0, 10);
                k.addBias(y, 0, 10, 100, bias, 0);
                k.addBias(y, 0, 20, 50, bias, 0);
                k.addBias(y, 0, 100, 10, bias, 0);
                k.columnSums(x, 0, 10, 100, bias, 0);
                k.columnSums(x, 0, 100, 10, bias, 0);
                k.reluForward(x, 0, y, 0, 1000);
                k.reluBackward(x, 0, d, 0, y, 0, 1000);
                k.sigmoidForward(x, 0, y, 0, 1000);
                k.sigmoidBackward(y, 0, d, 0, y, 0, 1000);
                k.multiply(x, 0, d, 0, y, 0, 1000);
                k.axpy(0.5f, x, 0, y, 0, 1000);
                k.tanhForward(x, 0, y, 0, 1000);
                k.tanhBackward(y, 0, d, 0, y, 0, 1000);
                k.softmaxRows(x, 0, y, 0, 10, 100);
                k.softmaxCrossEntropy(x, 0, 10, 100, labels, 0, y, 0, d, 0);
                k.softmaxRows(x, 0, y, 0, 100, 10);
                k.softmaxCrossEntropy(x, 0, 100, 10, labels, 0, y, 0, d, 0);
                k.crossEntropyDense(y, 0, d, 0, 10, 100);
                k.argmaxRows(x, 0, 10, 100, classes, 0);
                k.argmaxRows(x, 0, 100, 10, classes, 0); // an evaluation's rows of 10 classes
                GemmThreads.forEachSlice(y.length, 100, update); // an optimizer's slices, beside gemm's tasks
                k.packCodes(pixels, 0, 790, k.codeLanes(), codes, 0);
                k.widenCodes(codes, 0, k.codeLanes(), y, 0, 790);
                for (DenseWeights w : served) {
                    k.dense(w, x, 0, c, 0, 1);
                    k.dense(w, sparse, 0, c, 0, 1);
                    k.dense(w, a, 0, c, 0, 64);
                }
            }
        }, maxMillis);
    }

    /** Runs {@code round} until {@link #QUIET_ROUNDS} quiet rounds in a row, or for {@code maxMillis}; true on the former. */
    static boolean until(Runnable round, long maxMillis) {
        long budget = budgetNanos(maxMillis);
        long start = System.nanoTime();
        com.sun.management.ThreadMXBean mx = allocationCounter();
        java.lang.management.CompilationMXBean jit = compilationClock();
        int quietRounds = 0;
        while (System.nanoTime() - start < budget) {
            long before = mx == null ? 0 : mx.getCurrentThreadAllocatedBytes();
            long jitBefore = jit == null ? 0 : jit.getTotalCompilationTime();
            round.run();
            if (mx == null) {
                continue;
            }
            boolean quiet = mx.getCurrentThreadAllocatedBytes() - before == 0
                    && (jit == null || jit.getTotalCompilationTime() == jitBefore);
            quietRounds = quiet ? quietRounds + 1 : 0;
            if (quietRounds == QUIET_ROUNDS) {
                return true;
            }
        }
        return false;
    }

    /**
     * Quiet rounds in a row that end {@link #untilCompiled}: its rounds are long (a whole training loop), but a C2
     * compilation can outlast one, and the clock moves only when a compilation ends.
     */
    static final int QUIET_LOOPS = 2;

    /**
     * Runs {@code round} at least once, then again until {@link #QUIET_LOOPS} rounds in a row leave {@code jitMillis}
     * still, starting a round only while {@code maxMillis} (on {@code nanos}) have not passed; true if they did.
     * With no JIT clock ({@code null}), one round.
     */
    static boolean untilCompiled(Runnable round, long maxMillis, java.util.function.LongSupplier jitMillis,
                                 java.util.function.LongSupplier nanos) {
        if (maxMillis <= 0) {
            return false;
        }
        long budget = budgetNanos(maxMillis);
        long start = nanos.getAsLong();
        int quiet = 0;
        do {
            long before = jitMillis == null ? 0 : jitMillis.getAsLong();
            round.run();
            if (jitMillis == null) {
                return false;
            }
            quiet = jitMillis.getAsLong() == before ? quiet + 1 : 0;
            if (quiet == QUIET_LOOPS) {
                return true;
            }
        } while (nanos.getAsLong() - start < budget);
        return false;
    }

    /** The four-argument {@code untilCompiled} on the JIT's own clock and {@link System#nanoTime}. */
    static boolean untilCompiled(Runnable round, long maxMillis) {
        java.lang.management.CompilationMXBean jit = compilationClock();
        return untilCompiled(round, maxMillis, jit == null ? null : jit::getTotalCompilationTime, System::nanoTime);
    }

    /** A budget in ms as ns, 0 for a negative one, clamped so it cannot overflow. */
    private static long budgetNanos(long maxMillis) {
        return Math.min(Math.max(maxMillis, 0), Long.MAX_VALUE / 1_000_000L) * 1_000_000L;
    }

    /** The JIT's accumulated compilation time (ms), or null where this runtime does not report it. */
    private static java.lang.management.CompilationMXBean compilationClock() {
        try {
            java.lang.management.CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
            return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit : null;
        } catch (RuntimeException | LinkageError e) {
            return null;
        }
    }

    private static com.sun.management.ThreadMXBean allocationCounter() {
        try {
            if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean mx
                    && mx.isThreadAllocatedMemorySupported() && mx.isThreadAllocatedMemoryEnabled()) {
                return mx;
            }
        } catch (RuntimeException | LinkageError e) {
            // No management support in this runtime: warm up for the whole budget instead.
        }
        return null;
    }
}
