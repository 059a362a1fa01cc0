package io.github.vecprop.kernel;

import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

/**
 * Zero skipping ({@link SkipZeros}) in the blocked product with A transposed: it must give exactly the bits of
 * the product that runs every step (the per-thread scratch's {@code skipZeros} off), with A's zeros in strips, in
 * single elements and in whole rows, B finite or not, and across K blocks, panels, offsets, alpha and beta.
 */
class SkipZerosProperties {
    private static final int L = PanamaGemm.L;

    /** A transposed product whose A ({@code k x m} stored, op(A) {@code m x k}) has zeros at the given rates. */
    record Case(int m, int n, int k, int aOff, int padA, int padC, float alpha, float beta, int zeroPct,
                int stripZeroPct, boolean nonFiniteB, long seed) {

        int lda() {
            return m + padA;
        }

        int ldc() {
            return n + padC;
        }

        /**
         * A with each element zero at {@code zeroPct}% and each step of each aligned strip of SR rows zero at
         * {@code stripZeroPct}%, the rest in [-1, 1); one stored row of A in seven all zero.
         */
        float[] a() {
            SplittableRandom r = new SplittableRandom(seed);
            float[] a = new float[aOff + k * lda() + 1];
            for (int p = 0; p < k; p++) {
                boolean rowZero = r.nextInt(7) == 0;
                for (int i = 0; i < m; i += SkipZeros.SR) {
                    boolean stripZero = r.nextInt(100) < stripZeroPct;
                    for (int j = i; j < Math.min(m, i + SkipZeros.SR); j++) {
                        boolean zero = rowZero || stripZero || r.nextInt(100) < zeroPct;
                        a[aOff + p * lda() + j] = zero ? (r.nextBoolean() ? 0f : -0f) : (float) (r.nextDouble() * 2 - 1);
                    }
                }
            }
            return a;
        }

        /** B by rows ({@code k x n}), with an infinity and a NaN when {@code nonFiniteB}. */
        float[] b() {
            SplittableRandom r = new SplittableRandom(seed * 31 + 7);
            float[] b = new float[k * n];
            for (int i = 0; i < b.length; i++) {
                b[i] = (float) (r.nextDouble() * 2 - 1);
            }
            if (nonFiniteB && b.length > 0) {
                b[r.nextInt(b.length)] = Float.POSITIVE_INFINITY;
                b[r.nextInt(b.length)] = Float.NaN;
            }
            return b;
        }

        float[] c() {
            SplittableRandom r = new SplittableRandom(seed * 17 + 3);
            float[] c = new float[m * ldc() + 2];
            for (int i = 0; i < c.length; i++) {
                c[i] = beta == 0f ? Float.NaN : (float) (r.nextDouble() * 2 - 1);
            }
            return c;
        }
    }

    /** The product under test, on the calling thread's scratch as it is. */
    @FunctionalInterface
    interface Product {
        void run(Case cs, float[] a, float[] b, float[] c);
    }

    private static final Product GEMM = (cs, a, b, c) -> PanamaGemm.gemm(true, false, cs.m(), cs.n(), cs.k(),
            cs.alpha(), a, cs.aOff(), cs.lda(), b, 0, cs.n(), cs.beta(), c, 0, cs.ldc(), 1);

    /**
     * Runs {@code impl} with skipping on and the plain product with it off, on the same inputs; throws
     * {@link AssertionError} naming the first element of C whose bits differ (NaNs compare equal). Returns how many
     * strips went through the skipping kernel.
     */
    static long checkSameBits(Product impl, Case cs) {
        float[] a = cs.a();
        float[] b = cs.b();
        float[] c = cs.c();
        float[] expected = c.clone();
        PanamaGemm.Scratch s = PanamaGemm.SCRATCH.get();
        try {
            s.skipZeros = false;
            GEMM.run(cs, a.clone(), b.clone(), expected);
            s.skipZeros = true;
            long before = s.skippingStrips;
            impl.run(cs, a, b, c);
            for (int i = 0; i < c.length; i++) {
                if (Float.floatToIntBits(c[i]) != Float.floatToIntBits(expected[i])) {
                    throw new AssertionError("c[" + i + "] = " + c[i] + " skipping zeros but " + expected[i]
                            + " without, for " + cs);
                }
            }
            return s.skippingStrips - before;
        } finally {
            s.skipZeros = true;
        }
    }

    private static Gen<Case> cases() {
        int[] ns = {L, 3 * L, 3 * L + 2, 3 * L + 7, 4 * L, 6 * L, 6 * L + 4, 100, 150};
        int[] pcts = {0, 30, 60, 90, 100};
        float[] alphas = {1f, -0.75f, 2.5f};
        float[] betas = {0f, 0f, 1f, -0.5f};
        Gen<int[]> shape = integers().between(1, 800).zip(integers().between(0, ns.length - 1),
                integers().between(1, 600), (m, n, k) -> new int[] {m, ns[n], k});
        Gen<int[]> layout = integers().between(0, 3).zip(integers().between(0, 5), integers().between(0, 3),
                (o, pa, pc) -> new int[] {o, pa, pc});
        Gen<int[]> rates = integers().between(0, pcts.length - 1).zip(integers().between(0, pcts.length - 1),
                integers().between(0, 9), (z, sz, f) -> new int[] {pcts[z], pcts[sz], f});
        Gen<int[]> scalars = integers().between(0, alphas.length - 1).zip(integers().between(0, betas.length - 1),
                (x, y) -> new int[] {x, y});
        return shape.zip(layout, rates, scalars, integers().between(0, 1_000_000),
                (sh, lo, ra, sc, seed) -> new Case(sh[0], sh[1], sh[2], lo[0], lo[1], lo[2], alphas[sc[0]],
                        betas[sc[1]], ra[0], ra[1], ra[2] == 0, seed));
    }

    /** Skipping runs only with 3-vector panels, so with AVX-512's 16 lanes. */
    private static void assumeSkipping() {
        assumeTrue(PanamaGemm.W3 == 3 * L, "zero skipping needs the 3-vector panels of 32 vector registers");
    }

    @Test
    void skippingZerosKeepsTheBits() {
        assumeSkipping();
        long[] skipped = new long[1];
        qt().withFixedSeed(20261203L).withExamples(300).forAll(cases())
                .checkAssert(cs -> skipped[0] += checkSameBits(GEMM, cs));
        assertTrue(skipped[0] > 1000, "only " + skipped[0] + " strips skipped steps: the property tested little");
    }

    /** The first layer's dW product on Fashion-MNIST-like zeros, and with B not finite, which must run every step. */
    @Test
    void fixedCasesKeepTheBitsAndSkipOnlyWhereBIsFinite() {
        assumeSkipping();
        Case dW = new Case(784, 50, 100, 0, 0, 0, 1f, 0f, 40, 30, false, 7);
        assertTrue(checkSameBits(GEMM, dW) > 0, "the dW case skipped nothing");
        Case notFinite = new Case(784, 48, 100, 0, 0, 0, 1f, 0f, 40, 30, true, 7);
        assertEquals(0, checkSameBits(GEMM, notFinite), "skipped steps with B not finite");
        Case dense = new Case(784, 50, 100, 0, 0, 0, 1f, 0f, 0, 0, false, 8);
        checkSameBits(GEMM, dense);
    }

    /** The masks: a step is busy exactly when some row of its strip is not zero (NaN counts as not zero). */
    @Test
    void busyStepsMatchTheirDefinition() {
        qt().withFixedSeed(20261204L).withExamples(200).forAll(cases()).checkAssert(cs -> {
            int rows = Math.min(cs.m() / SkipZeros.SR * SkipZeros.SR, PanamaGemm.MC);
            int kc = Math.min(cs.k(), PanamaGemm.KC);
            float[] a = cs.a();
            if (rows > 0 && kc > 1) {
                a[cs.aOff() + cs.lda() + rows - 1] = Float.NaN; // step 1 of the last strip
            }
            long[] mask = new long[PanamaGemm.MC / SkipZeros.SR * SkipZeros.words(PanamaGemm.KC)];
            int[] lanes = new int[PanamaGemm.KC * ((PanamaGemm.MC + L - 1) / L)];
            int busy = SkipZeros.busySteps(a, cs.aOff(), cs.lda(), 0, rows, 0, kc, mask, lanes);
            int words = SkipZeros.words(kc);
            int count = 0;
            for (int s = 0; s < rows / SkipZeros.SR; s++) {
                for (int p = 0; p < kc; p++) {
                    boolean nonzero = false;
                    for (int r = 0; r < SkipZeros.SR; r++) {
                        float x = a[cs.aOff() + p * cs.lda() + s * SkipZeros.SR + r];
                        nonzero |= x != 0f;
                    }
                    boolean bit = (mask[s * words + p / 64] >>> (p % 64) & 1L) != 0;
                    if (bit != nonzero) {
                        throw new AssertionError("strip " + s + " step " + p + ": mask says " + bit + " for " + cs);
                    }
                    count += nonzero ? 1 : 0;
                }
                for (int p = kc; p < words * 64; p++) {
                    if ((mask[s * words + p / 64] >>> (p % 64) & 1L) != 0) {
                        throw new AssertionError("strip " + s + " has bit " + p + " past " + kc + " steps for " + cs);
                    }
                }
            }
            assertEquals(count, busy, "busy count for " + cs);
        });
    }

    // ------------------------------------------------------------------------------------------------
    // The check must be able to fail: planted bugs
    // ------------------------------------------------------------------------------------------------

    /** Skipping that loses a busy step: one nonzero of A treated as zero (the last row's first nonzero). */
    private static final Product LOSES_A_BUSY_STEP = (cs, a, b, c) -> {
        for (int p = 0; p < cs.k(); p++) {
            int i = cs.aOff() + p * cs.lda() + cs.m() - 1;
            if (a[i] != 0f) {
                a[i] = 0f;
                break;
            }
        }
        GEMM.run(cs, a, b, c);
    };

    /** Skipping that ignores B's infinities and NaNs: they are read as zeros. */
    private static final Product IGNORES_NON_FINITE_B = (cs, a, b, c) -> {
        for (int i = 0; i < b.length; i++) {
            if (!Float.isFinite(b[i])) {
                b[i] = 0f;
            }
        }
        GEMM.run(cs, a, b, c);
    };

    @Test
    void checkCatchesPlantedBugs() {
        assumeSkipping();
        Case dW = new Case(784, 50, 100, 0, 0, 0, 1f, 0f, 40, 30, false, 7);
        assertThrows(AssertionError.class, () -> checkSameBits(LOSES_A_BUSY_STEP, dW));
        Case notFinite = new Case(784, 50, 100, 0, 0, 0, 1f, 0f, 40, 30, true, 7);
        assertThrows(AssertionError.class, () -> checkSameBits(IGNORES_NON_FINITE_B, notFinite));
        AssertionError e = assertThrows(AssertionError.class, () -> qt().withFixedSeed(20261205L).withExamples(100)
                .forAll(cases()).checkAssert(cs -> checkSameBits(LOSES_A_BUSY_STEP, cs)));
        assertTrue(e.getMessage().contains("skipping zeros"), e.getMessage());
    }
}
