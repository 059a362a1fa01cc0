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
 * single elements and in whole rows, B finite or not, by rows or transposed, across K blocks, M blocks, panels,
 * offsets, alpha and beta, on one thread or two, and where a sum ends at -0.
 */
class SkipZerosProperties {
    private static final int L = PanamaGemm.L;

    /** A transposed product whose A ({@code k x m} stored, op(A) {@code m x k}) has zeros at the given rates. */
    record Case(int m, int n, int k, int aOff, int padA, int padC, float alpha, float beta, int zeroPct,
                int stripZeroPct, boolean nonFiniteB, boolean transB, int bOff, int padB, long seed) {

        Case(int m, int n, int k, int zeroPct, int stripZeroPct, boolean nonFiniteB, long seed) {
            this(m, n, k, 0, 0, 0, 1f, 0f, zeroPct, stripZeroPct, nonFiniteB, false, 0, 0, seed);
        }

        int lda() {
            return m + padA;
        }

        int ldb() {
            return (transB ? k : n) + padB;
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

        /** op(B) {@code k x n}, stored by rows or transposed, with an infinity and a NaN when {@code nonFiniteB}. */
        float[] b() {
            SplittableRandom r = new SplittableRandom(seed * 31 + 7);
            float[] b = new float[bOff + (transB ? n : k) * ldb()];
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

    private static final Product GEMM = (cs, a, b, c) -> PanamaGemm.gemm(true, cs.transB(), cs.m(), cs.n(),
            cs.k(), cs.alpha(), a, cs.aOff(), cs.lda(), b, cs.bOff(), cs.ldb(), cs.beta(), c, 0, cs.ldc(), 1);
    /** Two threads, split even when small: each row slab decides for itself where to skip. */
    private static final Product GEMM_2 = (cs, a, b, c) -> PanamaGemm.gemm(true, cs.transB(), cs.m(), cs.n(),
            cs.k(), cs.alpha(), a, cs.aOff(), cs.lda(), b, cs.bOff(), cs.ldb(), cs.beta(), c, 0, cs.ldc(), 2, 0L);

    /**
     * Runs {@code impl} with skipping on, and the plain product on one thread with it off, on the same inputs;
     * throws {@link AssertionError} naming the first element of C whose bits differ. Returns how many strips the
     * calling thread ran through the skipping kernel.
     */
    static long checkSameBits(Product impl, Case cs) {
        return checkSameBits(impl, cs, cs.a(), cs.b(), cs.c());
    }

    static long checkSameBits(Product impl, Case cs, float[] a, float[] b, float[] c) {
        float[] expected = c.clone();
        PanamaGemm.Scratch s = PanamaGemm.SCRATCH.get();
        try {
            s.skipZeros = false;
            GEMM.run(cs, a.clone(), b.clone(), expected);
            s.skipZeros = true;
            long before = s.skippingStrips;
            impl.run(cs, a, b, c);
            for (int i = 0; i < c.length; i++) {
                if (Float.floatToRawIntBits(c[i]) != Float.floatToRawIntBits(expected[i])) {
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
        Gen<int[]> bLayout = integers().between(0, 3).zip(integers().between(0, 2), integers().between(0, 2),
                (t, o, p) -> new int[] {t, o, p});
        return shape.zip(layout, rates, scalars, bLayout.zip(integers().between(0, 1_000_000), (bl, seed) ->
                        new long[] {bl[0], bl[1], bl[2], seed}),
                (sh, lo, ra, sc, bs) -> new Case(sh[0], sh[1], sh[2], lo[0], lo[1], lo[2], alphas[sc[0]],
                        betas[sc[1]], ra[0], ra[1], ra[2] == 0, bs[0] == 0, (int) bs[1], (int) bs[2], bs[3]));
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

    @Test
    void skippingOnTwoThreadsKeepsTheBitsOfOne() {
        assumeSkipping();
        qt().withFixedSeed(20261206L).withExamples(100).forAll(cases()).checkAssert(cs -> checkSameBits(GEMM_2, cs));
    }

    /**
     * A sum that ends at -0 (an underflowed product) where the full chain's skipped +0 products make it +0: the
     * skipping kernel must run such a tile's every step. Strip 0's step 0 is -1e-30 * 1e-30, step 1 all zero
     * against a B row of ones; strip 1 is busy at both steps, so the pair is 3/4 busy and skips.
     */
    @Test
    void aSumEndingAtNegativeZeroKeepsTheBits() {
        assumeSkipping();
        Case cs = new Case(8, 3 * L, 2, 0, 0, false, 1);
        float[] a = new float[2 * 8];
        a[0] = -1e-30f;
        for (int r = 4; r < 8; r++) {
            a[r] = 0.5f;
            a[8 + r] = 0.25f;
        }
        float[] b = new float[2 * 3 * L];
        java.util.Arrays.fill(b, 0, 3 * L, 1e-30f);
        java.util.Arrays.fill(b, 3 * L, 6 * L, 1f);
        float[] c = new float[8 * 3 * L];
        java.util.Arrays.fill(c, Float.NaN); // beta 0: C is not read, and a tile left unstored shows
        checkSameBits(GEMM, cs, a, b, c);
        PanamaGemm.gemm(true, false, 8, 3 * L, 2, 1f, a, 0, 8, b, 0, 3 * L, 0f, c, 0, 3 * L, 1);
        assertEquals(Float.floatToRawIntBits(0f), Float.floatToRawIntBits(c[0]), "C[0, 0] is the full chain's +0");
    }

    /** The first layer's dW product on Fashion-MNIST-like zeros, and with B not finite, which must run every step. */
    @Test
    void fixedCasesKeepTheBitsAndSkipOnlyWhereBIsFinite() {
        assumeSkipping();
        Case dW = new Case(784, 50, 100, 40, 30, false, 7);
        assertTrue(checkSameBits(GEMM, dW) > 0, "the dW case skipped nothing");
        Case notFinite = new Case(784, 48, 100, 40, 30, true, 7);
        assertEquals(0, checkSameBits(GEMM, notFinite), "skipped steps with B not finite");
        Case dense = new Case(784, 50, 100, 0, 0, false, 8);
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
        Case dW = new Case(784, 50, 100, 40, 30, false, 7);
        assertThrows(AssertionError.class, () -> checkSameBits(LOSES_A_BUSY_STEP, dW));
        Case notFinite = new Case(784, 50, 100, 40, 30, true, 7);
        assertThrows(AssertionError.class, () -> checkSameBits(IGNORES_NON_FINITE_B, notFinite));
        AssertionError e = assertThrows(AssertionError.class, () -> qt().withFixedSeed(20261205L).withExamples(100)
                .forAll(cases()).checkAssert(cs -> checkSameBits(LOSES_A_BUSY_STEP, cs)));
        assertTrue(e.getMessage().contains("skipping zeros"), e.getMessage());
    }
}
