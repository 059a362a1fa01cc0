package io.github.vecprop.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;

import java.util.Arrays;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.quicktheories.core.Gen;

/**
 * Property tests for the GEMM kernels: {@link PanamaGemm} and {@link ScalarGemm} are each compared with an
 * independent double-precision triple loop, for all four transpose combinations, on odd sizes (0, 1,
 * lanes-1, lanes, lanes+1, primes, across the MR/NR/KC/MC block edges), random offsets, padded leading
 * dimensions and exact-length arrays (so a read past the addressed region fails), random alpha and beta
 * (beta = 0 with C filled with NaN proves C is not read). Elements outside the addressed part of C must be
 * left untouched.
 *
 * <p>Tolerance, per element: {@code |got - ref| <= (k + 4) * 2^-23 * (|alpha| * sum_p |a_ip * b_pj| + |beta * c_ij|)}:
 * the classical worst-case bound for float summation of {@code k} products plus the alpha/beta roundings,
 * so it cannot flake, yet a dropped term or a flipped sign is orders of magnitude above it (the mutant
 * tests prove the check catches both).
 *
 * <p>Threads: {@link PanamaGemm} splits on its tile grid, so the results with parallelism 2 are required
 * to be <b>bit-identical</b> to parallelism 1.
 *
 * <p>Every property uses a fixed seed, so a failure is reproducible; QuickTheories shrinks it and prints
 * the smallest falsifying case.
 */
class GemmProperties {

    /** The GEMM signature shared by the implementations under test (and the planted mutants). */
    @FunctionalInterface
    interface Gemm {
        void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
                  float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc);
    }

    private static final Gemm SCALAR = ScalarGemm::gemm;
    private static final Gemm PANAMA_1 = (ta, tb, m, n, k, al, a, ao, lda, b, bo, ldb, be, c, co, ldc) ->
            PanamaGemm.gemm(ta, tb, m, n, k, al, a, ao, lda, b, bo, ldb, be, c, co, ldc, 1);
    /** Two threads, and the work threshold at 0 so that even small products are split. */
    private static final Gemm PANAMA_2 = (ta, tb, m, n, k, al, a, ao, lda, b, bo, ldb, be, c, co, ldc) ->
            PanamaGemm.gemm(ta, tb, m, n, k, al, a, ao, lda, b, bo, ldb, be, c, co, ldc, 2, 0L);

    private static final int LANES = PanamaGemm.NR / 2;
    private static final int EXAMPLES = 150;

    /** Sizes where kernels go wrong: empty, single, around the vector, half-vector and tile widths, primes. */
    private static final int[] SPECIAL = {
            0, 1, 2, 3, 4, 5, LANES - 1, LANES, LANES + 1, LANES + LANES / 2, LANES + LANES / 2 + 1,
            2 * LANES - 1, 2 * LANES, 2 * LANES + 1, 3 * LANES + 2,
            PanamaGemm.MR - 1, PanamaGemm.MR, PanamaGemm.MR + 1, 7, 13, 17, 31, 37, 61, 97, 127};

    // ------------------------------------------------------------------------------------------------
    // The generated case
    // ------------------------------------------------------------------------------------------------

    /** One generated product: shape, layout (offsets, leading-dimension padding, array slack), scalars, data seed. */
    record Case(boolean transA, boolean transB, int m, int n, int k,
                int aOff, int bOff, int cOff, int padA, int padB, int padC, int slack,
                float alpha, float beta, long seed) {

        int lda() {
            return (transA ? m : k) + padA;
        }

        int ldb() {
            return (transB ? k : n) + padB;
        }

        int ldc() {
            return n + padC;
        }

        /** Exact-length arrays plus {@code slack} (0 to 3) elements. */
        float[] a() {
            return fill(new float[aOff + (transA ? k : m) * lda() + slack], seed);
        }

        float[] b() {
            return fill(new float[bOff + (transB ? n : k) * ldb() + slack], seed * 31 + 7);
        }

        /** C before the call: random, or all NaN when beta is 0 (it must not be read). */
        float[] c() {
            float[] c = new float[cOff + m * ldc() + slack];
            if (beta == 0f) {
                Arrays.fill(c, Float.NaN);
                return c;
            }
            return fill(c, seed * 17 + 3);
        }

        private static float[] fill(float[] x, long seed) {
            SplittableRandom r = new SplittableRandom(seed);
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (r.nextDouble() * 2 - 1);
            }
            return x;
        }
    }

    private static Gen<Integer> dim(int max) {
        Gen<Integer> special = integers().between(0, SPECIAL.length - 1).map(i -> SPECIAL[i]);
        Gen<Integer> small = integers().between(0, 40);
        Gen<Integer> large = integers().between(0, max);
        return special.mix(small, 40).mix(large, 15);
    }

    private static Gen<Float> alphas() {
        float[] choices = {1f, -1f, 0.5f, 2.5f, -0.75f};
        return integers().between(0, choices.length - 1).map(i -> choices[i]);
    }

    private static Gen<Float> betas() {
        float[] choices = {0f, 0f, 1f, -0.5f, 1.75f};
        return integers().between(0, choices.length - 1).map(i -> choices[i]);
    }

    /** Cases with the given transposes and dimension bounds; k reaches past two KC blocks. */
    private static Gen<Case> cases(Gen<Boolean> transA, Gen<Boolean> transB, int maxMn, int maxK) {
        Gen<int[]> shape = dim(maxMn).zip(dim(maxMn), dim(maxK), (m, n, k) -> new int[] {m, n, k});
        Gen<Integer> small = integers().between(0, 5);
        Gen<int[]> offsets = small.zip(small, small, (x, y, z) -> new int[] {x, y, z});
        Gen<Integer> pad = integers().between(0, 3);
        Gen<int[]> pads = pad.zip(pad, pad, pad, (x, y, z, w) -> new int[] {x, y, z, w});
        Gen<boolean[]> trans = transA.zip(transB, (x, y) -> new boolean[] {x, y});
        Gen<float[]> scalars = alphas().zip(betas(), (x, y) -> new float[] {x, y});
        Gen<Long> seeds = integers().between(0, 1_000_000).map(Integer::longValue);
        return trans.zip(shape, offsets, pads, scalars, (t, s, o, p, ab) -> new Object[] {t, s, o, p, ab})
                .zip(seeds, (x, seed) -> {
                    boolean[] t = (boolean[]) x[0];
                    int[] s = (int[]) x[1];
                    int[] o = (int[]) x[2];
                    int[] p = (int[]) x[3];
                    float[] ab = (float[]) x[4];
                    return new Case(t[0], t[1], s[0], s[1], s[2], o[0], o[1], o[2], p[0], p[1], p[2], p[3],
                            ab[0], ab[1], seed);
                });
    }

    // ------------------------------------------------------------------------------------------------
    // The check
    // ------------------------------------------------------------------------------------------------

    /**
     * Runs {@code impl} on the case and compares with the double-precision reference; throws
     * {@link AssertionError} naming the first bad element. Also checks that C outside the m x n block is
     * untouched.
     */
    static void checkAgainstReference(Gemm impl, Case cs) {
        float[] a = cs.a();
        float[] b = cs.b();
        float[] c0 = cs.c();
        float[] c = c0.clone();
        impl.gemm(cs.transA(), cs.transB(), cs.m(), cs.n(), cs.k(), cs.alpha(), a, cs.aOff(), cs.lda(),
                b, cs.bOff(), cs.ldb(), cs.beta(), c, cs.cOff(), cs.ldc());
        int lda = cs.lda();
        int ldb = cs.ldb();
        int ldc = cs.ldc();
        boolean[] inside = new boolean[c.length];
        for (int i = 0; i < cs.m(); i++) {
            for (int j = 0; j < cs.n(); j++) {
                double sum = 0;
                double magnitude = 0;
                for (int p = 0; p < cs.k(); p++) {
                    double x = cs.transA() ? a[cs.aOff() + p * lda + i] : a[cs.aOff() + i * lda + p];
                    double y = cs.transB() ? b[cs.bOff() + j * ldb + p] : b[cs.bOff() + p * ldb + j];
                    sum += x * y;
                    magnitude += Math.abs(x * y);
                }
                int idx = cs.cOff() + i * ldc + j;
                inside[idx] = true;
                double old = cs.beta() == 0f ? 0 : (double) cs.beta() * c0[idx];
                double ref = cs.alpha() * sum + old;
                double tol = (cs.k() + 4) * 0x1p-23 * (Math.abs(cs.alpha()) * magnitude + Math.abs(old))
                        + Float.MIN_NORMAL;
                double err = Math.abs(c[idx] - ref);
                if (!(err <= tol)) {
                    throw new AssertionError("C[" + i + ", " + j + "] = " + c[idx] + " but reference = " + ref
                            + " (error " + err + " > tolerance " + tol + ") for " + cs);
                }
            }
        }
        for (int idx = 0; idx < c.length; idx++) {
            if (!inside[idx] && Float.floatToRawIntBits(c[idx]) != Float.floatToRawIntBits(c0[idx])) {
                throw new AssertionError("c[" + idx + "] outside the m x n block was changed from " + c0[idx]
                        + " to " + c[idx] + " for " + cs);
            }
        }
    }

    private static Gen<Boolean> fixed(boolean value) {
        return booleans().all().map(x -> value);
    }

    // ------------------------------------------------------------------------------------------------
    // Properties
    // ------------------------------------------------------------------------------------------------

    @ParameterizedTest(name = "transA={0}, transB={1}")
    @CsvSource({"false,false", "false,true", "true,false", "true,true"})
    void panamaMatchesReference(boolean transA, boolean transB) {
        qt().withFixedSeed(20240601L).withExamples(EXAMPLES)
                .forAll(cases(fixed(transA), fixed(transB), 300, 600))
                .checkAssert(cs -> checkAgainstReference(PANAMA_1, cs));
    }

    @ParameterizedTest(name = "transA={0}, transB={1}")
    @CsvSource({"false,false", "false,true", "true,false", "true,true"})
    void scalarMatchesReference(boolean transA, boolean transB) {
        qt().withFixedSeed(20240602L).withExamples(EXAMPLES)
                .forAll(cases(fixed(transA), fixed(transB), 300, 600))
                .checkAssert(cs -> checkAgainstReference(SCALAR, cs));
    }

    @ParameterizedTest(name = "transA={0}, transB={1}")
    @CsvSource({"false,false", "false,true", "true,false", "true,true"})
    void panamaTwoThreadsMatchesReference(boolean transA, boolean transB) {
        qt().withFixedSeed(20240603L).withExamples(EXAMPLES)
                .forAll(cases(fixed(transA), fixed(transB), 300, 600))
                .checkAssert(cs -> checkAgainstReference(PANAMA_2, cs));
    }

    /** Parallelism 2 (forced split) gives bit-identical results to parallelism 1. */
    @Test
    void twoThreadsAreBitIdenticalToOne() {
        qt().withFixedSeed(20240604L).withExamples(EXAMPLES)
                .forAll(cases(booleans().all(), booleans().all(), 300, 600))
                .checkAssert(cs -> {
                    float[] a = cs.a();
                    float[] b = cs.b();
                    float[] one = cs.c();
                    float[] two = one.clone();
                    PanamaGemm.gemm(cs.transA(), cs.transB(), cs.m(), cs.n(), cs.k(), cs.alpha(), a, cs.aOff(),
                            cs.lda(), b, cs.bOff(), cs.ldb(), cs.beta(), one, cs.cOff(), cs.ldc(), 1);
                    PanamaGemm.gemm(cs.transA(), cs.transB(), cs.m(), cs.n(), cs.k(), cs.alpha(), a, cs.aOff(),
                            cs.lda(), b, cs.bOff(), cs.ldb(), cs.beta(), two, cs.cOff(), cs.ldc(), 2, 0L);
                    for (int i = 0; i < one.length; i++) {
                        if (Float.floatToRawIntBits(one[i]) != Float.floatToRawIntBits(two[i])) {
                            throw new AssertionError("c[" + i + "]: " + one[i] + " with 1 thread, " + two[i]
                                    + " with 2, for " + cs);
                        }
                    }
                });
    }

    // ------------------------------------------------------------------------------------------------
    // The check must be able to fail: planted bugs
    // ------------------------------------------------------------------------------------------------

    /** A GEMM that forgets the last term of every dot product. */
    private static final Gemm DROPS_LAST_K = (ta, tb, m, n, k, al, a, ao, lda, b, bo, ldb, be, c, co, ldc) ->
            PanamaGemm.gemm(ta, tb, m, n, Math.max(0, k - 1), al, a, ao, lda, b, bo, ldb, be, c, co, ldc, 1);

    /** A GEMM that flips the sign of the last element of C. */
    private static final Gemm FLIPS_ONE_SIGN = (ta, tb, m, n, k, al, a, ao, lda, b, bo, ldb, be, c, co, ldc) -> {
        PanamaGemm.gemm(ta, tb, m, n, k, al, a, ao, lda, b, bo, ldb, be, c, co, ldc, 1);
        if (m > 0 && n > 0) {
            int last = co + (m - 1) * ldc + n - 1;
            c[last] = -c[last];
        }
    };

    @Test
    void propertyDetectsADroppedTerm() {
        AssertionError e = assertThrows(AssertionError.class, () ->
                qt().withFixedSeed(20240605L).withExamples(EXAMPLES)
                        .forAll(cases(booleans().all(), booleans().all(), 300, 600))
                        .checkAssert(cs -> checkAgainstReference(DROPS_LAST_K, cs)));
        assertTrue(e.getMessage().contains("reference"), e.getMessage());
    }

    @Test
    void propertyDetectsAFlippedSign() {
        AssertionError e = assertThrows(AssertionError.class, () ->
                qt().withFixedSeed(20240606L).withExamples(EXAMPLES)
                        .forAll(cases(booleans().all(), booleans().all(), 300, 600))
                        .checkAssert(cs -> checkAgainstReference(FLIPS_ONE_SIGN, cs)));
        assertTrue(e.getMessage().contains("reference"), e.getMessage());
    }

    @Test
    void checkRejectsADroppedTermOnAFixedCase() {
        Case cs = new Case(false, false, 3, 5, 7, 1, 2, 3, 1, 0, 2, 1, 1f, 0f, 42L);
        checkAgainstReference(PANAMA_1, cs);
        assertThrows(AssertionError.class, () -> checkAgainstReference(DROPS_LAST_K, cs));
    }

    // ------------------------------------------------------------------------------------------------
    // The shapes the network uses, and block edges
    // ------------------------------------------------------------------------------------------------

    @ParameterizedTest(name = "transA={0}, transB={1}")
    @CsvSource({"false,false", "false,true", "true,false", "true,true"})
    void networkShapesMatchReference(boolean transA, boolean transB) {
        // m n k; then narrow products (n below a vector) at the edges of their strips, column groups and positions,
        // and products with few steps of k.
        int[][] shapes = {{1, 50, 784}, {100, 50, 784}, {100, 10, 50}, {1, 10, 50}, {4, 50, 784}, {784, 50, 100},
                {50, 10, 100}, {23, 7, 9}, {33, 15, 40}, {16, 1, 3}, {10, 6, 12}, {11, 5, 7}, {9, 10, 5}, {65, 11, 2},
                {100, 50, 10}, {7, 16, 1}, {30, 17, 16}, {12, 256, 16}, {5, 40, 3}};
        for (int[] s : shapes) {
            for (float beta : new float[] {0f, 1f}) {
                Case cs = new Case(transA, transB, s[0], s[1], s[2], 0, 0, 0, 0, 0, 0, 0, 1f, beta, s[0] * 7L + s[2]);
                checkAgainstReference(PANAMA_1, cs);
                checkAgainstReference(PANAMA_2, cs);
                checkAgainstReference(SCALAR, cs);
            }
        }
    }

    /**
     * Products that sum K in two halves ({@link PanamaGemm#splitsK}: A by rows, one panel, long K) have the same
     * bits on one thread and two, with beta 0 and 1, at offsets, and match the reference (the served path does not
     * split; DenseProperties skips these shapes in its bit comparison).
     */
    @Test
    void kHalvesHaveTheSameBitsOnOneAndTwoThreads() {
        int[][] shapes = {{100, 50, 784}, {100, 52, 784}, {100, 49, 784}, {100, 51, 784}, {137, 20, 1000}, {300, 48, 300}};
        for (int[] sh : shapes) {
            int m = sh[0], n = sh[1], k = sh[2];
            org.junit.jupiter.api.Assertions.assertTrue(PanamaGemm.splitsK(false, m, n, k) || LANES < 16,
                    m + "x" + n + "x" + k + " should split K");
            for (boolean transB : new boolean[] {false, true}) {
                for (float beta : new float[] {0f, 1f}) {
                    Case cs = new Case(false, transB, m, n, k, 3, 5, 2, 7, 1, 4, 9, 0.5f, beta, m * 31L + k);
                    checkAgainstReference(PANAMA_1, cs);
                    float[] one = cs.c();
                    float[] two = one.clone();
                    PanamaGemm.gemm(false, transB, m, n, k, 0.5f, cs.a(), cs.aOff(), cs.lda(), cs.b(), cs.bOff(),
                            cs.ldb(), beta, one, cs.cOff(), cs.ldc(), 1);
                    PanamaGemm.gemm(false, transB, m, n, k, 0.5f, cs.a(), cs.aOff(), cs.lda(), cs.b(), cs.bOff(),
                            cs.ldb(), beta, two, cs.cOff(), cs.ldc(), 2);
                    for (int i = 0; i < one.length; i++) {
                        if (Float.floatToRawIntBits(one[i]) != Float.floatToRawIntBits(two[i])) {
                            throw new AssertionError("c[" + i + "]: " + one[i] + " with 1 thread, " + two[i] + " with 2, for "
                                    + cs);
                        }
                    }
                }
            }
        }
    }

    /**
     * The paired narrow kernel ({@link PanamaGemm#paired}: 16 lanes, nine or ten columns, K of a vector or more):
     * row counts of every remainder modulo four (the last group of four rows overlapping its predecessor), K with
     * and without rows left over after its whole vectors, and C stored straight (beta 0, rows contiguous) or
     * through the tile.
     */
    @Test
    void pairedNarrowProductsMatchReference() {
        assumeTrue(PanamaGemm.paired(10, 50), "the paired kernel runs with 16 lanes only");
        for (Case cs : pairedCases()) {
            checkAgainstReference(PANAMA_1, cs);
        }
    }

    /** The paired shapes' check fails for a product that drops a term or flips a sign. */
    @Test
    void pairedCheckCatchesPlantedBugs() {
        assumeTrue(PanamaGemm.paired(10, 50), "the paired kernel runs with 16 lanes only");
        for (Case cs : pairedCases()) {
            assertThrows(AssertionError.class, () -> checkAgainstReference(DROPS_LAST_K, cs), cs::toString);
            assertThrows(AssertionError.class, () -> checkAgainstReference(FLIPS_ONE_SIGN, cs), cs::toString);
        }
    }

    /**
     * A row of a paired product has the same bits wherever it falls in the groups of four rows, the overlapping
     * last group included: every row of an m-row product against the same rows taken five at a time (two
     * overlapping groups), for m of 5 to 13, K with and without a tail, nine and ten columns.
     */
    @Test
    void pairedRowsKeepTheirBitsWhereverTheyFall() {
        assumeTrue(PanamaGemm.paired(10, 50), "the paired kernel runs with 16 lanes only");
        checkRowsIndependentOfPlace(PANAMA_1);
    }

    /** The check above fails for a product whose last row's bits depend on the row count. */
    @Test
    void rowPlaceCheckCatchesARowThatDependsOnTheGroups() {
        assumeTrue(PanamaGemm.paired(10, 50), "the paired kernel runs with 16 lanes only");
        Gemm nudgesLastRowOfOddGroups = (ta, tb, m, n, k, al, a, ao, lda, b, bo, ldb, be, c, co, ldc) -> {
            PanamaGemm.gemm(ta, tb, m, n, k, al, a, ao, lda, b, bo, ldb, be, c, co, ldc, 1);
            if (m % 4 == 1) {
                int last = co + (m - 1) * ldc;
                c[last] = Math.nextUp(c[last]);
            }
        };
        assertThrows(AssertionError.class, () -> checkRowsIndependentOfPlace(nudgesLastRowOfOddGroups));
    }

    /** One half-block packer of {@link PanamaGemm#packPaired}: eight rows of B from {@code b[src]} to {@code bq[dst]}. */
    interface HalfPack {
        void pack(float[] b, int src, int ldb, int n, float[] bq, int dst);
    }

    /**
     * The transposing half-block pack writes the layout {@link PanamaGemm#packPaired} documents, bit for bit and
     * nothing else: rows whose stride runs past n hold NaN there (and after the last row), which only the dropped
     * lanes may see.
     */
    @Test
    void pairedHalfPackWritesTheDocumentedLayout() {
        assumeTrue(PanamaGemm.paired(10, 50), "the paired layout needs 16 lanes");
        checkHalfPack((b, src, ldb, n, bq, dst) -> PanamaGemm.packPairedHalves(b, src, ldb, n, bq, dst, 1));
        checkHalfPack(PanamaGemm::packPairedHalfScalar);
    }

    /** The check above fails for a half-block pack that swaps two rows of one column pair. */
    @Test
    void halfPackCheckCatchesTwoSwappedRows() {
        assumeTrue(PanamaGemm.paired(10, 50), "the paired layout needs 16 lanes");
        HalfPack swapsRows = (b, src, ldb, n, bq, dst) -> {
            PanamaGemm.packPairedHalves(b, src, ldb, n, bq, dst, 1);
            int at = dst + 3 * PanamaGemm.L + 5;
            float t = bq[at];
            bq[at] = bq[at + 1];
            bq[at + 1] = t;
        };
        assertThrows(AssertionError.class, () -> checkHalfPack(swapsRows));
    }

    /**
     * The whole paired pack, transposes and scalar half-blocks and the tail rows, against its documented
     * layout, on B that ends at its last element (so the last half-blocks take the scalar copy), one float short
     * of the last row's whole vector, just long enough for it, and longer.
     */
    @Test
    void pairedPackWritesTheDocumentedLayout() {
        assumeTrue(PanamaGemm.paired(10, 50), "the paired layout needs 16 lanes");
        int lanes = PanamaGemm.L;
        SplittableRandom r = new SplittableRandom(21);
        for (int n : new int[] {9, 10}) {
            for (int k : new int[] {16, 17, 31, 32, 50, 100, 257}) {
                for (int ldb : new int[] {n, n + 1, 16, 37}) {
                    for (int room : new int[] {0, lanes - n - 1, lanes - n, lanes}) { // none, one short of the last row's vector, exact, more
                        int bOff = r.nextInt(3);
                        float[] b = new float[bOff + (k - 1) * ldb + n + room];
                        for (int i = 0; i < b.length; i++) {
                            b[i] = (float) (r.nextDouble() * 2 - 1);
                        }
                        int base = r.nextInt(5);
                        float[] bq = new float[base + PanamaGemm.pairedLength(k) + 3];
                        Arrays.fill(bq, -7f);
                        PanamaGemm.packPaired(b, bOff, ldb, k, n, bq, base);
                        float[] expected = new float[bq.length];
                        Arrays.fill(expected, -7f);
                        int blocks = k / lanes;
                        for (int half = 0; half < 2 * blocks; half++) {
                            documentedHalf(b, bOff + half * (lanes / 2) * ldb, ldb, n, expected, base + half * PanamaGemm.PAIRS * lanes);
                        }
                        for (int p = blocks * lanes; p < k; p++) {
                            int dst = base + blocks * 2 * PanamaGemm.PAIRS * lanes + (p - blocks * lanes) * lanes;
                            for (int j = 0; j < lanes; j++) {
                                expected[dst + j] = j < n ? b[bOff + p * ldb + j] : 0f;
                            }
                        }
                        assertArrayEquals(expected, bq, "paired pack of " + k + " x " + n + ", ldb " + ldb + ", room " + room);
                    }
                }
            }
        }
    }

    private static void checkHalfPack(HalfPack pack) {
        int lanes = PanamaGemm.L;
        SplittableRandom r = new SplittableRandom(19);
        for (int n : new int[] {9, 10}) {
            for (int ldb : new int[] {n, n + 1, 16, 23}) {
                int src = r.nextInt(4);
                float[] b = new float[src + 7 * ldb + lanes];
                Arrays.fill(b, Float.NaN);
                for (int row = 0; row < 8; row++) {
                    for (int j = 0; j < n; j++) {
                        b[src + row * ldb + j] = (float) (r.nextDouble() * 2 - 1);
                    }
                }
                int dst = r.nextInt(4);
                float[] bq = new float[dst + PanamaGemm.PAIRS * lanes + 2];
                Arrays.fill(bq, -7f);
                pack.pack(b, src, ldb, n, bq, dst);
                float[] expected = new float[bq.length];
                Arrays.fill(expected, -7f);
                documentedHalf(b, src, ldb, n, expected, dst);
                assertArrayEquals(expected, bq, "half-block of n " + n + ", ldb " + ldb);
            }
        }
    }

    /** {@link PanamaGemm#packPaired}'s Javadoc for one half-block: lane l of pair q is row l % 8, column 2q + l / 8. */
    private static void documentedHalf(float[] b, int src, int ldb, int n, float[] out, int dst) {
        int lanes = PanamaGemm.L;
        for (int q = 0; q < PanamaGemm.PAIRS; q++) {
            for (int l = 0; l < lanes; l++) {
                int j = 2 * q + l / (lanes / 2);
                out[dst + q * lanes + l] = j < n ? b[src + (l % (lanes / 2)) * ldb + j] : 0f;
            }
        }
    }

    private static void checkRowsIndependentOfPlace(Gemm g) {
        long seed = 11;
        for (int n : new int[] {9, 10}) {
            for (int k : new int[] {16, 17, 50}) {
                for (int m = 5; m <= 13; m++) {
                    Case cs = new Case(false, false, m, n, k, 0, 0, 0, 0, 0, 0, 0, 1f, 0f, seed++);
                    float[] a = cs.a();
                    float[] b = cs.b();
                    float[] all = new float[m * n];
                    g.gemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, all, 0, n);
                    for (int first = 0; first + 5 <= m; first++) {
                        float[] five = new float[5 * n];
                        g.gemm(false, false, 5, n, k, 1f, a, first * k, k, b, 0, n, 0f, five, 0, n);
                        for (int i = 0; i < five.length; i++) {
                            int row = first + i / n;
                            if (Float.floatToRawIntBits(five[i]) != Float.floatToRawIntBits(all[first * n + i])) {
                                throw new AssertionError("row " + row + ", column " + i % n + " of " + m + "x" + n
                                        + "x" + k + ": " + all[first * n + i] + " in the whole product, " + five[i]
                                        + " among rows " + first + ".." + (first + 4));
                            }
                        }
                    }
                }
            }
        }
    }

    private static java.util.List<Case> pairedCases() {
        java.util.List<Case> cases = new java.util.ArrayList<>();
        long seed = 1;
        for (int n : new int[] {9, 10}) {
            for (int m : new int[] {5, 6, 7, 8, 9, 10, 11, 12, 13, 100}) {
                for (int k : new int[] {16, 17, 31, 32, 50, 784}) {
                    cases.add(new Case(false, false, m, n, k, 0, 0, 0, 0, 0, 0, 0, 1f, 0f, seed++));
                    cases.add(new Case(false, false, m, n, k, 3, 1, 2, 1, 2, 0, 1, -0.75f, 0f, seed++));
                    cases.add(new Case(false, false, m, n, k, 1, 2, 3, 2, 1, 3, 0, 2.5f, 1.75f, seed++));
                    cases.add(new Case(false, false, m, n, k, 0, 0, 1, 0, 0, 2, 0, 1f, 0f, seed++)); // ldc > n: the tile
                    cases.add(new Case(false, false, m, n, k, 0, 0, 0, 0, 0, 0, 0, 1f, -0.5f, seed++)); // beta, ldc = n
                }
            }
        }
        return cases;
    }

    /**
     * Narrow products on a thread whose scratch buffers are still at their first size, so a kernel that reads
     * past what its product packed meets the end of the array (found in review: the transposed kernel's
     * column groups of five read past the last row of packed B with 4 or 8 lanes; run the suite with
     * {@code -XX:UseAVX=2} to check 8).
     */
    @Test
    void narrowProductsOnAFreshThreadStayInTheirBuffers() throws InterruptedException {
        for (int n = 1; n < LANES; n++) {
            for (boolean transA : new boolean[] {false, true}) {
                // K of 9, and of 50 (2 rows past 3 vectors: the paired layout's tail ends the buffer with 16 lanes).
                for (int k : new int[] {9, 50}) {
                    Case cs = new Case(transA, false, LANES + 7, n, k, 0, 0, 0, 0, 0, 0, 0, 1f, 0f, n * 31L + k);
                    Throwable[] failure = new Throwable[1];
                    Thread t = new Thread(() -> {
                        try {
                            checkAgainstReference(PANAMA_1, cs);
                        } catch (Throwable e) {
                            failure[0] = e;
                        }
                    });
                    t.start();
                    t.join();
                    if (failure[0] != null) {
                        throw new AssertionError("n=" + n + ", k=" + k + ", transA=" + transA, failure[0]);
                    }
                }
            }
        }
    }

    @Test
    void crossesEveryBlockBoundary() {
        // m past MC, n past NC, k past two KC blocks, all with ragged edges.
        int m = PanamaGemm.MC + PanamaGemm.MR + 3;
        int n = PanamaGemm.NC + PanamaGemm.NR + 3;
        int k = 2 * PanamaGemm.KC + 3;
        Case cs = new Case(false, false, m, n, k, 1, 2, 3, 1, 2, 3, 0, 0.5f, -0.5f, 99L);
        checkAgainstReference(PANAMA_1, cs);
        checkAgainstReference(PANAMA_2, cs);
        Case tiny = new Case(true, true, 9, n, 3, 0, 0, 0, 0, 0, 0, 0, 1f, 0f, 7L);
        checkAgainstReference(PANAMA_1, tiny);
        checkAgainstReference(PANAMA_2, tiny);
        checkAgainstReference(SCALAR, tiny);
    }

    @Test
    void defaultParallelismIsUsedByCallersAndValidated() {
        int before = GemmThreads.defaultParallelism();
        try {
            GemmThreads.setDefaultParallelism(1);
            assertEquals(1, GemmThreads.defaultParallelism());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> GemmThreads.setDefaultParallelism(0));
            assertTrue(e.getMessage().contains("parallelism=0"), e.getMessage());
        } finally {
            GemmThreads.setDefaultParallelism(before);
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Argument validation and degenerate sizes
    // ------------------------------------------------------------------------------------------------

    private static final Gemm[] ALL = {SCALAR, PANAMA_1, PANAMA_2};

    private static String rejection(Gemm impl, boolean ta, boolean tb, int m, int n, int k, float[] a, int aOff,
                                    int lda, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> impl.gemm(ta, tb, m, n, k, 1f, a, aOff, lda, b, bOff, ldb, 0f, c, cOff, ldc));
        return e.getMessage();
    }

    @Test
    void rejectsNegativeDimensions() {
        for (Gemm g : ALL) {
            String msg = rejection(g, false, false, 2, -3, 4, new float[8], 0, 4, new float[0], 0, 0, new float[0], 0, 0);
            assertTrue(msg.contains("n=-3"), msg);
        }
    }

    @Test
    void rejectsNullArrays() {
        for (Gemm g : ALL) {
            String msg = rejection(g, false, false, 1, 1, 1, null, 0, 1, new float[1], 0, 1, new float[1], 0, 1);
            assertTrue(msg.contains("a=null"), msg);
        }
    }

    @Test
    void rejectsSmallLeadingDimensions() {
        for (Gemm g : ALL) {
            String msg = rejection(g, false, false, 4, 2, 5, new float[100], 0, 3, new float[100], 0, 2,
                    new float[100], 0, 2);
            assertTrue(msg.contains("lda=3 < k=5"), msg);
            assertTrue(msg.contains("not transposed"), msg);
            msg = rejection(g, true, false, 4, 2, 5, new float[100], 0, 3, new float[100], 0, 2, new float[100], 0, 2);
            assertTrue(msg.contains("lda=3 < m=4"), msg);
            msg = rejection(g, false, true, 4, 2, 5, new float[100], 0, 5, new float[100], 0, 4, new float[100], 0, 2);
            assertTrue(msg.contains("ldb=4 < k=5"), msg);
            msg = rejection(g, false, false, 4, 2, 5, new float[100], 0, 5, new float[100], 0, 2, new float[100], 0, 1);
            assertTrue(msg.contains("ldc=1 < n=2"), msg);
        }
    }

    @Test
    void rejectsRegionsOutOfBounds() {
        for (Gemm g : ALL) {
            // A is 4 x 5 with lda 6 at offset 2: needs 2 + 3*6 + 5 = 25 elements.
            String msg = rejection(g, false, false, 4, 2, 5, new float[24], 2, 6, new float[100], 0, 2,
                    new float[100], 0, 2);
            assertTrue(msg.contains("25") && msg.contains("a.length=24"), msg);
            msg = rejection(g, false, false, 4, 2, 5, new float[100], 0, 5, new float[9], 0, 2, new float[100], 0, 2);
            assertTrue(msg.contains("10") && msg.contains("b.length=9"), msg);
            msg = rejection(g, false, false, 4, 2, 5, new float[100], 0, 5, new float[100], 0, 2, new float[8], 1, 2);
            assertTrue(msg.contains("9") && msg.contains("c.length=8"), msg);
            msg = rejection(g, false, false, 4, 2, 5, new float[100], -1, 5, new float[100], 0, 2, new float[100], 0, 2);
            assertTrue(msg.contains("aOff=-1"), msg);
        }
    }

    @Test
    void boundsArithmeticDoesNotOverflow() {
        for (Gemm g : ALL) {
            // (rows - 1) * ld overflows int: must still be rejected, not wrap into a "valid" region.
            String msg = rejection(g, false, false, 65536, 1, 65536, new float[16], 0, 65536, new float[65536], 0, 1,
                    new float[65536], 0, 1);
            assertTrue(msg.contains("a.length=16"), msg);
        }
    }

    @Test
    void rejectsAliasing() {
        for (Gemm g : ALL) {
            float[] shared = new float[100];
            String msg = rejection(g, false, false, 3, 3, 3, shared, 0, 3, new float[9], 0, 3, shared, 50, 3);
            assertTrue(msg.contains("C aliases A"), msg);
            msg = rejection(g, false, false, 3, 3, 3, new float[9], 0, 3, shared, 0, 3, shared, 50, 3);
            assertTrue(msg.contains("C aliases B"), msg);
        }
    }

    @Test
    void zeroSizedProductsAreLegal() {
        for (Gemm g : ALL) {
            // m == 0 or n == 0: nothing happens, C untouched.
            float[] c = {7f, 8f};
            g.gemm(false, false, 0, 2, 3, 1f, new float[0], 0, 3, new float[6], 0, 2, 0f, c, 0, 2);
            g.gemm(false, false, 1, 0, 3, 1f, new float[3], 0, 3, new float[0], 0, 0, 0f, c, 0, 0);
            assertArrayEquals(new float[] {7f, 8f}, c);
            // k == 0: C = beta * C, and zeros (NaN ignored) when beta == 0.
            c = new float[] {2f, 4f, 6f, 8f};
            g.gemm(false, false, 2, 2, 0, 1f, new float[0], 0, 0, new float[0], 0, 2, 0.5f, c, 0, 2);
            assertArrayEquals(new float[] {1f, 2f, 3f, 4f}, c);
            c = new float[] {Float.NaN, Float.NaN, Float.NaN, Float.NaN, 9f};
            g.gemm(true, true, 2, 2, 0, 1f, new float[0], 0, 2, new float[0], 0, 0, 0f, c, 0, 2);
            assertArrayEquals(new float[] {0f, 0f, 0f, 0f, 9f}, c);
        }
    }
}
