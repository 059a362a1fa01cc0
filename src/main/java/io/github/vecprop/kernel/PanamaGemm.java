package io.github.vecprop.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * GEMM on the JDK Vector API: {@code C = alpha * op(A) * op(B) + beta * C}, semantics exactly as
 * {@link Kernels#gemm}.
 *
 * <h2>Layout of the computation</h2>
 * The classic blocked scheme (Goto / BLIS):
 * <pre>
 * for jc over N in steps of NC            (a column block of C and B)
 *   for pc over K in steps of kc <= KC    (kc is the same for every thread: it depends on k only)
 *     pack B[pc.., jc..] into kc x W3 panels (row p of a panel is W3 contiguous floats; 2L or L at the edge),
 *       or, when B is by rows and small (IN_PLACE_FLOATS), read its whole panels where B lies
 *     for ic over M in steps of MC
 *       for jr over panels, for ir over MR-row strips of A:  MR x W3 micro-kernel
 * then the thin columns past the last whole vector (at most DOT_COLUMNS of them), apart
 * </pre>
 * The micro-kernel keeps {@code MR * W3 / lanes} vector accumulators ({@code 8 x 3} with AVX-512's 32
 * registers, {@code 8 x 2} with AVX2's 16) in registers, and per step of p loads {@code W3 / lanes} vectors of
 * B and broadcasts {@code MR} scalars of A; no masks. The columns of n past its last whole vector, when
 * there are at most four (the 2 of 50), are not padded into a vector of their own, which would cost as many
 * multiply-adds as 16 columns: with A by rows they are dot products, with A transposed vectors run down
 * the rows of C ({@link #thin}). With a padded panel instead, 100 x 784 x 50 took 122 µs on a Zen 4 core, and
 * 84 µs with 3L panels and thin columns (README, sixth session).
 * It addresses A through two strides (element (r, p) at {@code ai + r*ars + p*aps}), so a full strip of A is
 * read in place whether A is transposed or not; only a ragged last strip is copied, with zero rows, into a
 * small buffer. (Packing all of A was measured as costly as the multiply itself for the narrow products of
 * a small network, e.g. {@code 100 x 784 x 50}, and brought nothing for large ones.) Transposed B is
 * handled by its packing routine, so NN, NT, TN and TT share the micro-kernels (3L, 2L and a one-vector
 * variant for narrower last panels; all compute each element of C with the same operations). A full tile leaves the kernel straight into C
 * ({@code alpha * acc + beta * C}); an edge tile goes through a small per-thread tile, which a separate routine
 * merges into C with the same operations (full vectors, then scalars at the right edge). Buffers live in a per-thread {@link Scratch} and are reused:
 * no allocation per call in steady state.
 *
 * <p>Tiny products ({@code m <= 4}, e.g. batch-1 inference) skip packing: a row of C is accumulated
 * axpy-style from rows of B, or, with B transposed, as dot products.
 *
 * <h2>Threads</h2>
 * With {@code parallelism > 1} and enough work, the columns (or, for narrow C, the rows) of C are split
 * into slabs on the tile grid ({@link GemmThreads}); each slab runs the scheme above with its own buffers.
 * Because slab boundaries are multiples of W3 (or MR), the thin columns are computed the same way whatever
 * rows a slab has, and kc depends only on k, every element of C goes
 * through the same operations whatever the thread count: results are <b>bit-identical</b> for parallelism
 * 1 and 2 (or more).
 */
final class PanamaGemm {

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();

    /** Rows of the register tile. */
    static final int MR = 8;
    /** The length of {@link Scratch#tile}: an MR x 3L tile, with room for the other users it lists. */
    static final int TILE_FLOATS = MR * 3 * L;
    /** Columns of the 2L kernel's register tile (the widest panel with 16 vector registers; see W3). */
    static final int NR = 2 * L;
    /**
     * Upper bound of the K block: a kc x W3 panel of B (48 KB with 16 lanes) stays in or near L1. 128 was no
     * faster on a Zen 4 core, whose L1 holds 32 KB (README, sixth session).
     */
    static final int KC = 256;
    /** Rows of A per block (a multiple of MR): the MC x kc block of A read in place stays in L2 while the panels of B pass. */
    static final int MC = 192;
    /**
     * The widest panel of B: three vectors where the machine has 32 vector registers (AVX-512: the 8 x 3L
     * kernel needs 28 of them), two where it has 16 (AVX2, whose 256-bit species has 8 lanes).
     */
    static final int W3 = (S.vectorBitSize() >= 512 ? 3 : 2) * L;
    /** B by rows is read in place when a K block of it holds at most this many floats (64 KB). */
    static final int IN_PLACE_FLOATS = 16384;
    /** Columns of B per packed block (a multiple of W3). */
    static final int NC = 128 * L / W3 * W3;
    /**
     * Columns past the last whole vector are computed apart ({@link #thin}) when at most this many; more are
     * padded into one last vector.
     */
    static final int DOT_COLUMNS = 4;

    /** Products with at most this many rows of C take the no-packing path. */
    static final int SMALL_M = 4;
    /** Products with fewer multiply-adds than this ({@code m*n*k}) stay on the calling thread. */
    static final long PARALLEL_MIN_WORK = 1L << 21;

    private PanamaGemm() {
    }

    /** Whether this machine's vectors suit these kernels: at least 4 floats. */
    static boolean supported() {
        return L >= 4;
    }

    /**
     * Per-thread reusable buffers, kept: packed B grown on demand (at most {@code KC * NC} floats, 2 MB with
     * 16 lanes, for the blocked path; {@code k * L} or {@link #pairedLength} floats for a narrow product), one {@code MR x KC} strip of A allocated whole, {@code m * k} floats for the small path, the
     * thin columns of B ({@code k * L} floats and a little more).
     */
    static final class Scratch {
        float[] bPack = new float[0];
        /** Full size from the start (8 KB with 16 lanes): growing it later would meet the JIT's never-taken branch. */
        float[] aPack = new float[MR * KC];
        float[] aRows = new float[0];
        /**
         * Edge tiles of up to MR x W3 from the micro-kernels; 16L for dots, 10L and 20L for the narrow kernels; the
         * repeated bias and the column sums of rows narrower than a vector (PanamaKernels.addBias, columnSums),
         * which hold nothing in it across a call.
         */
        final float[] tile = new float[TILE_FLOATS];

        float[] bPack(int size) {
            if (bPack.length < size) {
                bPack = new float[size];
            }
            return bPack;
        }

        float[] aPack(int size) {
            if (aPack.length < size) {
                aPack = new float[size];
            }
            return aPack;
        }

        /** The nonzero inputs of a served row (PanamaDense.nonzeros), values and indices. */
        float[] nonzeroValues = new float[0];
        int[] nonzeroRows = new int[0];

        float[] nonzeroValues(int size) {
            if (nonzeroValues.length < size) {
                nonzeroValues = new float[size];
            }
            return nonzeroValues;
        }

        int[] nonzeroRows(int size) {
            if (nonzeroRows.length < size) {
                nonzeroRows = new int[size];
            }
            return nonzeroRows;
        }

        /** Accumulators for two thin columns of all of C's rows ({@link #thinByRowsOfA}). */
        float[] thinAcc = new float[0];

        float[] thinAcc(int size) {
            if (thinAcc.length < size) {
                thinAcc = new float[size];
            }
            return thinAcc;
        }

        /** The thin columns of B ({@link #thin}), apart from bPack, which the panels of the same call hold. */
        float[] thinPack = new float[0];

        float[] thinPack(int size) {
            if (thinPack.length < size) {
                thinPack = new float[size];
            }
            return thinPack;
        }

        /** The second K half of a product that splits K ({@link #splitsK}), m x n. */
        float[] kPart = new float[0];

        float[] kPart(int size) {
            if (kPart.length < size) {
                kPart = new float[size];
            }
            return kPart;
        }

        /** One float per row: a narrow softmax's inverse row sums (PanamaKernels). */
        float[] rowScale = new float[0];

        float[] rowScale(int size) {
            if (rowScale.length < size) {
                rowScale = new float[size];
            }
            return rowScale;
        }

        float[] aRows(int size) {
            if (aRows.length < size) {
                aRows = new float[size];
            }
            return aRows;
        }
    }

    static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /**
     * {@code C = alpha * op(A) * op(B) + beta * C}; see {@link Kernels#gemm}. Uses up to
     * {@code parallelism} threads (the caller included) when the product is large enough.
     */
    static void gemm(boolean transA, boolean transB, int m, int n, int k,
                     float alpha, float[] a, int aOff, int lda,
                     float[] b, int bOff, int ldb,
                     float beta, float[] c, int cOff, int ldc, int parallelism) {
        gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, parallelism,
                PARALLEL_MIN_WORK);
    }

    /**
     * As {@link #gemm(boolean, boolean, int, int, int, float, float[], int, int, float[], int, int, float, float[], int, int, int)},
     * with the work threshold for going parallel as a parameter (tests use 0 to split small products).
     */
    static void gemm(boolean transA, boolean transB, int m, int n, int k,
                     float alpha, float[] a, int aOff, int lda,
                     float[] b, int bOff, int ldb,
                     float beta, float[] c, int cOff, int ldc, int parallelism, long parallelMinWork) {
        GemmArgs.check(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0) {
            scale(m, n, beta, c, cOff, ldc);
            return;
        }
        if (m <= SMALL_M) {
            small(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            return;
        }
        if (n < L && !transB) {
            narrow(transA, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            return;
        }
        int threads = GemmThreads.usableThreads(parallelism);
        if (splitsK(transA, m, n, k) && threads > 1 && (long) m * n * k >= parallelMinWork) {
            ParallelCall call = CALLS.get();
            float[] part = SCRATCH.get().kPart(m * n);
            call.set(false, 2, 2, transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            call.kPart = part;
            try {
                GemmThreads.run(2, threads, call);
            } finally {
                call.clear();
            }
            addPart(m, n, part, c, cOff, ldc);
            return;
        }
        if (threads > 1 && (long) m * n * k >= parallelMinWork) {
            int panels = (vectorColumns(n) + W3 - 1) / W3;
            int strips = (m + MR - 1) / MR;
            // Split the wider tile dimension: slabs of whole panels (columns) or whole strips (rows).
            boolean byColumns = panels >= 2 * threads || panels >= strips;
            int units = byColumns ? panels : strips;
            // Column slabs cost nothing extra (A is read in place, each slab packs only its own panels), so
            // cut them finer than one per thread: a helper that starts late then leaves less for the caller
            // to wait on. Row slabs each pack all of B, so one per thread.
            int tasks = byColumns ? Math.max(threads, Math.min(units / 4, threads * 4)) : threads;
            tasks = Math.min(tasks, units);
            if (tasks > 1) {
                ParallelCall call = CALLS.get();
                call.set(byColumns, units, tasks, transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
                try {
                    GemmThreads.run(tasks, threads, call);
                } finally {
                    call.clear();
                }
                return;
            }
        }
        product(SCRATCH.get(), transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    /**
     * Whether a product sums K in two halves ({@link #kHalf}), the first into C and the second into a buffer added
     * after: with A by rows, one panel of columns (the 50 of a 784-50-10 net's W1, which cannot be split by
     * columns) and K of more than one block. Two threads then each sum one half (the caller the first), so each
     * reads half of B, and a two-thread SGD (its rows split the same way) leaves each core the rows it reads
     * next; split by rows, the helper read all of W1 from the other core after every update (13.7 us more per
     * forward, loop harness). A function of the shape alone, so one thread sums the same way: the same bits. It
     * costs one thread 1.1-1.4 us of 75 at 100x784x50 (the second half's sums and its addition to C) and saved
     * two threads' training step 6-13 us (jmh, Zen 4).
     */
    static boolean splitsK(boolean transA, int m, int n, int k) {
        return !transA && k > KC && vectorColumns(n) <= W3 && (long) m * n * k >= PARALLEL_MIN_WORK;
    }

    /**
     * Where {@link #splitsK} cuts K: about half way, rounded up to a whole vector, so the first half's dot
     * products for thin columns end in no scalar tail and the second has one only if k does (392 of 784 left 8
     * on every row of both).
     */
    static int kHalf(int k) {
        return (k / 2 + L - 1) / L * L;
    }

    /** The single-threaded product of {@link #blocked} over all of C, in the halves of {@link #splitsK} where it says so. */
    private static void product(Scratch s, boolean transA, boolean transB, int m, int n, int k, float alpha,
                                float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                float beta, float[] c, int cOff, int ldc) {
        if (!splitsK(transA, m, n, k)) {
            blocked(s, transA, transB, 0, m, 0, n, n, k, 0, k, alpha, a, aOff, lda, b, bOff, ldb, null, beta, c,
                    cOff, ldc);
            return;
        }
        float[] part = s.kPart(m * n);
        kHalfProduct(s, 0, transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, part);
        kHalfProduct(s, 1, transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, part);
        addPart(m, n, part, c, cOff, ldc);
    }

    /**
     * Half {@code t} of a product that splits K ({@link #splitsK}): the first half into C with beta, the second
     * into {@code part} ({@code m x n}), to be added to C by {@link #addPart} once both are done.
     */
    private static void kHalfProduct(Scratch s, int t, boolean transA, boolean transB, int m, int n, int k,
                                     float alpha, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                     float beta, float[] c, int cOff, int ldc, float[] part) {
        int half = kHalf(k);
        if (t == 0) {
            blocked(s, transA, transB, 0, m, 0, n, n, k, 0, half, alpha, a, aOff, lda, b, bOff, ldb, null, beta, c,
                    cOff, ldc);
        } else {
            blocked(s, transA, transB, 0, m, 0, n, n, k, half, k, alpha, a, aOff, lda, b, bOff, ldb, null, 0f, part,
                    0, n);
        }
    }

    /** {@code C += part} for the second K half ({@code m x n}, rows {@code n} apart). */
    private static void addPart(int m, int n, float[] part, float[] c, int cOff, int ldc) {
        int bound = S.loopBound(n);
        for (int i = 0; i < m; i++) {
            int ci = cOff + i * ldc;
            int pi = i * n;
            int j = 0;
            for (; j < bound; j += L) {
                FloatVector.fromArray(S, c, ci + j).add(FloatVector.fromArray(S, part, pi + j)).intoArray(c, ci + j);
            }
            for (; j < n; j++) {
                c[ci + j] += part[pi + j];
            }
        }
    }

    /**
     * {@code C = A·W} for row-major A ({@code m x k}, {@code m > SMALL_M}, {@code n >= L}) and W as
     * {@link PanamaDense#pack} laid it out: the panels of {@link #blockWidth} over all of K, then the thin columns
     * transposed (column j from {@code j * k}), so nothing is packed per call. The same kernels and order as
     * {@link #gemm}, so the same bits, except where gemm sums K in halves ({@link #splitsK}); single-threaded.
     */
    static void multiplyPacked(int m, int n, int k, float[] a, int aOff, int lda, float[] bp, float[] c, int cOff,
                               int ldc) {
        // All of K in one pass, even where gemm splits it (splitsK): the halves serve two threads, and a served
        // product has one; they cost this path 1.5-2 us at batch 100 (jmh, Zen 4).
        blocked(SCRATCH.get(), false, false, 0, m, 0, n, n, k, 0, k, 1f, a, aOff, lda, null, 0, 0, bp, 0f, c, cOff, ldc);
    }

    /** Each calling thread's reusable parallel call, so a parallel product allocates nothing. */
    private static final ThreadLocal<ParallelCall> CALLS = ThreadLocal.withInitial(ParallelCall::new);

    /** The arguments of one parallel product; task {@code t} computes its {@code t}-th slab of columns or rows. */
    private static final class ParallelCall implements GemmThreads.Task {
        boolean byColumns;
        int units;
        int tasks;
        boolean transA;
        boolean transB;
        int m;
        int n;
        int k;
        float alpha;
        float[] a;
        int aOff;
        int lda;
        float[] b;
        int bOff;
        int ldb;
        float beta;
        float[] c;
        int cOff;
        int ldc;
        /** The second K half's product when the call splits K ({@link #splitsK}), else null. */
        float[] kPart;

        void set(boolean byColumns, int units, int tasks, boolean transA, boolean transB, int m, int n, int k,
                 float alpha, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                 float beta, float[] c, int cOff, int ldc) {
            this.byColumns = byColumns;
            this.units = units;
            this.tasks = tasks;
            this.transA = transA;
            this.transB = transB;
            this.m = m;
            this.n = n;
            this.k = k;
            this.alpha = alpha;
            this.a = a;
            this.aOff = aOff;
            this.lda = lda;
            this.b = b;
            this.bOff = bOff;
            this.ldb = ldb;
            this.beta = beta;
            this.c = c;
            this.cOff = cOff;
            this.ldc = ldc;
        }

        /** Drops the array references so a finished call keeps nothing alive. */
        void clear() {
            a = null;
            b = null;
            c = null;
            kPart = null;
        }

        @Override
        public void run(int t) {
            if (kPart != null) { // task 0 (the caller) sums the first half into C, task 1 the second into kPart
                kHalfProduct(SCRATCH.get(), t, transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c,
                        cOff, ldc, kPart);
                return;
            }
            int u0 = (int) ((long) units * t / tasks);
            int u1 = (int) ((long) units * (t + 1) / tasks);
            if (byColumns) { // the last slab takes the thin columns too
                blocked(SCRATCH.get(), transA, transB, 0, m, u0 * W3, u1 == units ? n : u1 * W3, n, k, 0, k,
                        alpha, a, aOff, lda, b, bOff, ldb, null, beta, c, cOff, ldc);
            } else {
                blocked(SCRATCH.get(), transA, transB, u0 * MR, Math.min(m, u1 * MR), 0, n, n, k, 0, k,
                        alpha, a, aOff, lda, b, bOff, ldb, null, beta, c, cOff, ldc);
            }
        }
    }

    /** {@code C = beta * C} (zeros, without reading C, when {@code beta == 0}): the {@code k == 0} case. */
    private static void scale(int m, int n, float beta, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            int row = cOff + i * ldc;
            for (int j = 0; j < n; j++) {
                c[row + j] = beta == 0f ? 0f : beta * c[row + j];
            }
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Blocked, packed path
    // ------------------------------------------------------------------------------------------------

    /** The K block length: K split into equal blocks of at most KC (a function of k alone). */
    static int kcStep(int k) {
        int blocks = (k + KC - 1) / KC;
        return (k + blocks - 1) / blocks;
    }

    /** Columns held in panels: n's whole vectors, plus one padded vector when its remainder is not thin columns. */
    static int vectorColumns(int n) {
        int whole = n / L * L;
        int rem = n - whole;
        return rem == 0 || (whole > 0 && rem <= DOT_COLUMNS) ? whole : whole + L;
    }

    /**
     * Width of the panel that starts at column {@code col0} of {@code vc} vector columns: W3, or 2L or L at
     * the edge; four vectors left go as two of 2L, since a one-vector panel is bound by its broadcasts.
     */
    static int blockWidth(int vc, int col0) {
        int v = (vc - col0) / L;
        return W3 == 2 * L ? Math.min(2, v) * L : (v == 4 ? 2 : Math.min(3, v)) * L;
    }

    /**
     * Computes rows {@code [i0, i1)} and columns {@code [j0, j1)} of the {@code n} columns of C; i0 lies on the
     * MR grid, j0 on the W3 grid, and j1 is {@code n} or on the W3 grid. Columns below {@link #vectorColumns}
     * go through the packed panels, the thin ones past it through {@link #thin}. With {@code prepacked}
     * ({@link #multiplyPacked}'s W, j0 = 0, j1 = n), B is read from there and nothing is packed. Only
     * {@code [p0, p1)} of the {@code k} of K is summed ({@link #splitsK}); {@code k} places B in {@code prepacked}.
     */
    private static void blocked(Scratch s, boolean transA, boolean transB, int i0, int i1, int j0, int j1, int n,
                                int k, int p0, int p1, float alpha, float[] a, int aOff, int lda,
                                float[] b, int bOff, int ldb, float[] prepacked,
                                float beta, float[] c, int cOff, int ldc) {
        int vc = vectorColumns(n);
        int vEnd = j1 == n ? vc : Math.min(j1, vc); // vc passes n when the last vector is padded
        int kcStep = kcStep(p1 - p0);
        float[] tile = s.tile;
        int ncStep = prepacked == null ? NC : vEnd; // prepacked panels span all columns and all of K
        // B by rows and small (W1 of a 784-50-10 net): whole panels are read where B lies, as the prepacked
        // ones are, and only a padded last vector is packed. A wide B is packed: rows a power of two apart
        // would meet in a few sets of L1.
        boolean inPlace = prepacked == null && !transB && (long) kcStep * ldb <= IN_PLACE_FLOATS;
        for (int jc = j0; jc < vEnd; jc += ncStep) {
            int nc = Math.min(ncStep, vEnd - jc);
            for (int pc = p0; pc < p1; pc += kcStep) {
                int kc = Math.min(kcStep, p1 - pc);
                boolean first = pc == p0;
                boolean readC = !first || beta != 0f;
                float betaNow = first ? beta : 1f;
                float[] bp = prepacked;
                if (prepacked == null) {
                    bp = s.bPack(nc * kc);
                    packB(transB, b, bOff, ldb, pc, kc, jc, nc, n, bp, inPlace);
                }
                for (int ic = i0; ic < i1; ic += MC) {
                    int mc = Math.min(MC, i1 - ic);
                    int fullRows = mc / MR * MR;
                    // Full strips of A are read in place; a partial last strip is packed with zero rows, except
                    // half a strip of A by rows before panels of 3L only, which kernel3Half reads in place (its
                    // 4 rows are all real): packing the 4 of 100 rows took 1-2 us of a 100x784x50 product.
                    float[] ap = s.aPack(MR * kc);
                    boolean halfInPlace = !transA && mc - fullRows == MR / 2 && W3 == 3 * L && nc % W3 == 0;
                    if (fullRows < mc && !halfInPlace) {
                        packA(transA, a, aOff, lda, ic + fullRows, mc - fullRows, pc, kc, ap);
                    }
                    for (int col0 = 0, width; col0 < nc; col0 += width) {
                        width = blockWidth(nc, col0);
                        int cols = Math.min(width, n - jc - col0);
                        float[] bs = bp;
                        int bi = col0 * kc;
                        int bStride = width;
                        if (prepacked != null) {
                            bi = col0 * k + pc * width;
                        } else if (inPlace && cols == width) {
                            bs = b;
                            bi = bOff + pc * ldb + jc + col0;
                            bStride = ldb;
                        }
                        for (int ir = 0; ir < mc; ir += MR) {
                            int rows = Math.min(MR, mc - ir);
                            float[] as;
                            int ai;
                            int ars;
                            int aps;
                            if (rows < MR && !halfInPlace) {
                                as = ap;
                                ai = 0;
                                ars = 1;
                                aps = MR;
                            } else if (transA) { // op(A)(i, p) = a[aOff + p*lda + i]
                                as = a;
                                ai = aOff + pc * lda + ic + ir;
                                ars = 1;
                                aps = lda;
                            } else {             // op(A)(i, p) = a[aOff + i*lda + p]
                                as = a;
                                ai = aOff + (ic + ir) * lda + pc;
                                ars = lda;
                                aps = 1;
                            }
                            // Full vectors only: a half-width species beside the preferred one (a 1.5-vector
                            // kernel for the 18 of 50 columns, say) pollutes the Vector API's shared type profiles,
                            // and C2 then compiled other kernels with every vector boxed (package-info).
                            int ci = cOff + (ic + ir) * ldc + jc + col0;
                            boolean whole = rows == MR && cols == width;
                            if (width == 3 * L) { // never on AVX2, where W3 is 2L
                                if (whole) {
                                    kernel3(kc, as, ai, ars, aps, bs, bi, bStride, c, ci, ldc, alpha, betaNow, readC);
                                    continue;
                                }
                                if (rows <= MR / 2) { // half a strip (the 4 of 100 rows): half the multiply-adds
                                    kernel3Half(kc, as, ai, ars, aps, bs, bi, bStride, tile);
                                } else {
                                    kernel3(kc, as, ai, ars, aps, bs, bi, bStride, tile, 0, W3, 1f, 0f, false);
                                }
                                merge(tile, W3, rows, cols, c, ci, ldc, alpha, betaNow, readC);
                            } else if (width == NR) {
                                if (whole) {
                                    kernel(kc, as, ai, ars, aps, bs, bi, bStride, c, ci, ldc, alpha, betaNow, readC);
                                    continue;
                                }
                                kernel(kc, as, ai, ars, aps, bs, bi, bStride, tile, 0, NR, 1f, 0f, false);
                                merge(tile, NR, rows, cols, c, ci, ldc, alpha, betaNow, readC);
                            } else { // a one-vector last panel
                                kernelNarrow(kc, as, ai, ars, aps, bs, bi, bStride, tile);
                                merge(tile, NR, rows, cols, c, ci, ldc, alpha, betaNow, readC);
                            }
                        }
                    }
                }
            }
        }
        if (j1 > vc) {
            thin(s, transA, transB, i0, i1, vc, n - vc, k, p0, p1, alpha, a, aOff, lda, b, bOff, ldb, prepacked, beta,
                    c, cOff, ldc);
        }
    }

    /**
     * Packs rows {@code [pc, pc+kc)} and the {@code nc} vector columns from {@code jc} of op(B) into the panels
     * of {@link #blockWidth}: the panel at column {@code col0} of the block starts at {@code col0 * kc}, its row p
     * {@code width} floats further on each; columns past {@code n} are zero. {@code padOnly}: only a padded last
     * vector (the others are read in place).
     */
    private static void packB(boolean transB, float[] b, int bOff, int ldb, int pc, int kc, int jc, int nc, int n,
                              float[] bp, boolean padOnly) {
        for (int col0 = 0, width; col0 < nc; col0 += width) {
            width = blockWidth(nc, col0);
            int cols = Math.min(width, n - jc - col0);
            if (padOnly && cols == width) {
                continue;
            }
            int base = col0 * kc;
            if (!transB) {
                // op(B)(p, j) = b[bOff + p*ldb + j]: rows of the panel are contiguous runs of B.
                int src = bOff + pc * ldb + jc + col0;
                if (cols == width) {
                    for (int p = 0; p < kc; p++, src += ldb) {
                        int dst = base + p * width;
                        for (int v = 0; v < width; v += L) {
                            FloatVector.fromArray(S, b, src + v).intoArray(bp, dst + v);
                        }
                    }
                } else { // a padded last vector (scalar copies here cost about 4 us of a 100x784x50 product)
                    copyRowsPadded(b, src, ldb, kc, cols, bp, base, width);
                }
            } else {
                // op(B)(p, j) = b[bOff + j*ldb + p]: read each stored row once, scatter it down the panel.
                for (int jj = 0; jj < cols; jj++) {
                    int src = bOff + (jc + col0 + jj) * ldb + pc;
                    int dst = base + jj;
                    for (int p = 0; p < kc; p++) {
                        bp[dst + p * width] = b[src + p];
                    }
                }
                if (cols < width) {
                    for (int p = 0; p < kc; p++) {
                        int dst = base + p * width;
                        for (int j = cols; j < width; j++) {
                            bp[dst + j] = 0f;
                        }
                    }
                }
            }
        }
    }

    /**
     * Rows {@code [i0, i1)} of C's {@code nt} thin columns from {@code j0} (at most {@link #DOT_COLUMNS}, past
     * the last whole vector: the 2 of 50). In a panel they would take a whole vector of lanes, 16 for 2 columns.
     * With A by rows they are dot products of A's rows with B's columns ({@link #dots}; their sums run in another
     * order than the panels'). With A transposed, vectors run down the rows of C ({@link #thinByRowsOfA}).
     * {@code prepacked}: see {@link #multiplyPacked} (A by rows; its columns are {@code kAll} long). Sums over
     * {@code [p0, p1)} of K.
     */
    private static void thin(Scratch s, boolean transA, boolean transB, int i0, int i1, int j0, int nt, int kAll,
                             int p0, int p1, float alpha, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float[] prepacked, float beta, float[] c, int cOff, int ldc) {
        int k = p1 - p0; // the part of K summed here, from p0: A, B and the prepacked columns are offset to it
        if (transA) {
            aOff += p0 * lda;
            bOff += transB ? p0 : p0 * ldb;
            float[] bp = s.thinPack(k * L + NARROW_COLUMNS); // packNarrow's layout and slack
            if (!transB) {
                copyRowsPadded(b, bOff + j0, ldb, k, nt, bp, 0, L);
            } else {
                for (int p = 0; p < k; p++) {
                    for (int j = 0; j < L; j++) {
                        bp[p * L + j] = j < nt ? b[bOff + (j0 + j) * ldb + p] : 0f;
                    }
                }
            }
            if (i1 - i0 >= L) {
                thinByRowsOfA(i1 - i0, nt, k, alpha, a, aOff + i0, lda, bp, beta, c, cOff + i0 * ldc + j0, ldc, s);
                return;
            }
            // A slab of fewer rows (a thread's share): scalar chains, the lanes' operations one at a time, so
            // every element has the same bits whatever the thread count.
            for (int i = i0; i < i1; i++) {
                for (int j = 0; j < nt; j++) {
                    float acc = 0f;
                    for (int p = 0; p < k; p++) {
                        acc = Math.fma(a[aOff + p * lda + i], bp[p * L + j], acc);
                    }
                    float y = acc * alpha;
                    int ci = cOff + i * ldc + j0 + j;
                    c[ci] = beta == 0f ? y : Math.fma(c[ci], beta, y);
                }
            }
            return;
        }
        aOff += p0;
        bOff += transB ? p0 : p0 * ldb;
        float[] bt = b;
        int base = bOff + j0 * ldb;
        int stride = ldb;
        if (prepacked != null) {
            bt = prepacked;
            base = j0 * kAll + p0;
            stride = kAll;
        } else if (!transB) { // column j of B, contiguous from j * k
            bt = s.thinPack(nt * k);
            for (int j = 0; j < nt; j++) {
                for (int p = 0, src = bOff + j0 + j, dst = j * k; p < k; p++, src += ldb) {
                    bt[dst + p] = b[src];
                }
            }
            base = 0;
            stride = k;
        }
        for (int j = 0; j < nt; j += 2) {
            int l = Math.min(j + 1, nt - 1); // an odd last column is paired with itself
            for (int i = i0; i < i1; i += MR) {
                dots(k, a, aOff, lda, i, Math.min(MR, i1 - i), bt, base + j * stride, base + l * stride,
                        c, cOff + i * ldc, ldc, j0 + j, j0 + l, alpha, beta, s.tile);
            }
        }
    }

    /**
     * The thin columns of a product with A transposed (Affine's dW = Xᵀ·dY: the 2 of 50 columns, for all 784 rows
     * of C), {@code m >= L}: vectors run down C's rows as in {@link #narrowTransposed}, but each stored row of A
     * (a row of X) is read once from end to end, four rows at a time, into accumulators for all of C's rows kept in
     * {@link Scratch#thinAcc} (6 KB for 784 x 2, in L1). Reading X in column blocks, as the narrow kernels do,
     * took 7.5 ns per row of X for 128 columns, from L2 with 3 KB strides; a row read whole streams. Columns go
     * in pairs (an odd last one with itself, stored once). Each element's chain is {@link #narrowTransposed}'s.
     */
    private static void thinByRowsOfA(int m, int nt, int k, float alpha, float[] a, int aOff, int lda, float[] bp,
                                      float beta, float[] c, int cOff, int ldc, Scratch s) {
        int full = m / L;
        int positions = m % L == 0 ? full : full + 1;
        int last = m - L; // the last position's start: the tail vector overlaps the one before it
        int span = positions * L;
        int fullSpan = full * L;
        float[] acc = s.thinAcc(2 * span);
        for (int j = 0; j < nt; j += 2) {
            int l = Math.min(j + 1, nt - 1);
            java.util.Arrays.fill(acc, 0, 2 * span, 0f);
            int p = 0;
            for (; p + 3 < k; p += 4) {
                int r0 = aOff + p * lda;
                int r1 = r0 + lda;
                int r2 = r1 + lda;
                int r3 = r2 + lda;
                FloatVector y0 = FloatVector.broadcast(S, bp[p * L + j]);
                FloatVector z0 = FloatVector.broadcast(S, bp[p * L + l]);
                FloatVector y1 = FloatVector.broadcast(S, bp[(p + 1) * L + j]);
                FloatVector z1 = FloatVector.broadcast(S, bp[(p + 1) * L + l]);
                FloatVector y2 = FloatVector.broadcast(S, bp[(p + 2) * L + j]);
                FloatVector z2 = FloatVector.broadcast(S, bp[(p + 2) * L + l]);
                FloatVector y3 = FloatVector.broadcast(S, bp[(p + 3) * L + j]);
                FloatVector z3 = FloatVector.broadcast(S, bp[(p + 3) * L + l]);
                for (int ai = 0; ai < span; ai += L) {
                    int off = ai < fullSpan ? ai : last;
                    FloatVector x0 = FloatVector.fromArray(S, a, r0 + off);
                    FloatVector x1 = FloatVector.fromArray(S, a, r1 + off);
                    FloatVector x2 = FloatVector.fromArray(S, a, r2 + off);
                    FloatVector x3 = FloatVector.fromArray(S, a, r3 + off);
                    FloatVector u = FloatVector.fromArray(S, acc, ai);
                    FloatVector v = FloatVector.fromArray(S, acc, span + ai);
                    x3.fma(y3, x2.fma(y2, x1.fma(y1, x0.fma(y0, u)))).intoArray(acc, ai);
                    x3.fma(z3, x2.fma(z2, x1.fma(z1, x0.fma(z0, v)))).intoArray(acc, span + ai);
                }
            }
            for (; p < k; p++) {
                int r0 = aOff + p * lda;
                FloatVector y0 = FloatVector.broadcast(S, bp[p * L + j]);
                FloatVector z0 = FloatVector.broadcast(S, bp[p * L + l]);
                for (int ai = 0; ai < span; ai += L) {
                    FloatVector x0 = FloatVector.fromArray(S, a, r0 + (ai < fullSpan ? ai : last));
                    x0.fma(y0, FloatVector.fromArray(S, acc, ai)).intoArray(acc, ai);
                    x0.fma(z0, FloatVector.fromArray(S, acc, span + ai)).intoArray(acc, span + ai);
                }
            }
            for (int i = 0; i < m; i++) {
                // Row i from its first position: rows past full * L only in the overlapping last one.
                int ai = i < fullSpan ? i : fullSpan + (i - last);
                int ci = cOff + i * ldc;
                float u = acc[ai] * alpha;
                c[ci + j] = beta == 0f ? u : Math.fma(c[ci + j], beta, u);
                if (l != j) {
                    float v = acc[span + ai] * alpha;
                    c[ci + l] = beta == 0f ? v : Math.fma(c[ci + l], beta, v);
                }
            }
        }
    }

    /**
     * Packs rows {@code [i, i+rows)} ({@code rows < MR}: the ragged last strip) and columns
     * {@code [pc, pc+kc)} of op(A) into one strip: element (r, p) at {@code p*MR + r}; rows past
     * {@code rows} are zero.
     */
    static void packA(boolean transA, float[] a, int aOff, int lda, int i, int rows, int pc, int kc,
                              float[] ap) {
        if (transA) {
            // op(A)(i, p) = a[aOff + p*lda + i]: the strip's column p is a contiguous run of A.
            int src = aOff + pc * lda + i;
            for (int p = 0; p < kc; p++, src += lda) {
                int dst = p * MR;
                for (int r = 0; r < rows; r++) {
                    ap[dst + r] = a[src + r];
                }
                for (int r = rows; r < MR; r++) {
                    ap[dst + r] = 0f;
                }
            }
        } else {
            for (int r = 0; r < rows; r++) {
                int src = aOff + (i + r) * lda + pc;
                for (int p = 0; p < kc; p++) {
                    ap[p * MR + r] = a[src + p];
                }
            }
            for (int r = rows; r < MR; r++) {
                for (int p = 0; p < kc; p++) {
                    ap[p * MR + r] = 0f;
                }
            }
        }
    }

    /**
     * The 2L micro-kernel: an MR x NR tile of {@code A_strip * B_panel} over {@code kc} steps, stored as
     * {@code out[oi + r*ors + j] = alpha * acc(r, j) + beta * out[..]} ({@code out} read only if {@code readC}),
     * exactly {@link #merge}'s operations. Element (r, p) of the A strip is {@code a[ai + r*ars + p*aps]}; row p
     * of the B panel is {@code b[bi + p*bs ..]} ({@code bs}: NR in a packed panel, ldb in place). A full tile is stored straight into C: going through the
     * per-thread tile and merging cost as long as multiplying for a short k (a 100 x 10 x 50 product). Edge
     * tiles go to {@code tile} ({@code alpha = 1, readC = false}) for {@link #merge}. Everything vector stays
     * inside this method.
     */
    static void kernel(int kc, float[] a, int ai, int ars, int aps, float[] b, int bi, int bs,
                       float[] out, int oi, int ors, float alpha, float beta, boolean readC) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00,
                c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00,
                c70 = c00, c71 = c00;
        final int r1 = ars, r2 = 2 * ars, r3 = 3 * ars, r4 = 4 * ars, r5 = 5 * ars, r6 = 6 * ars, r7 = 7 * ars;
        for (int p = 0; p < kc; p++) {
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
            FloatVector x;
            x = FloatVector.broadcast(S, a[ai]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[ai + r1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[ai + r2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[ai + r3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[ai + r4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[ai + r5]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, a[ai + r6]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, a[ai + r7]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
            ai += aps;
            bi += bs;
        }
        c00 = c00.mul(alpha);
        c01 = c01.mul(alpha);
        c10 = c10.mul(alpha);
        c11 = c11.mul(alpha);
        c20 = c20.mul(alpha);
        c21 = c21.mul(alpha);
        c30 = c30.mul(alpha);
        c31 = c31.mul(alpha);
        c40 = c40.mul(alpha);
        c41 = c41.mul(alpha);
        c50 = c50.mul(alpha);
        c51 = c51.mul(alpha);
        c60 = c60.mul(alpha);
        c61 = c61.mul(alpha);
        c70 = c70.mul(alpha);
        c71 = c71.mul(alpha);
        final int o0 = oi, o1 = oi + ors, o2 = oi + 2 * ors, o3 = oi + 3 * ors, o4 = oi + 4 * ors,
                o5 = oi + 5 * ors, o6 = oi + 6 * ors, o7 = oi + 7 * ors;
        if (readC) {
            FloatVector vb = FloatVector.broadcast(S, beta);
            c00 = FloatVector.fromArray(S, out, o0).fma(vb, c00);
            c01 = FloatVector.fromArray(S, out, o0 + L).fma(vb, c01);
            c10 = FloatVector.fromArray(S, out, o1).fma(vb, c10);
            c11 = FloatVector.fromArray(S, out, o1 + L).fma(vb, c11);
            c20 = FloatVector.fromArray(S, out, o2).fma(vb, c20);
            c21 = FloatVector.fromArray(S, out, o2 + L).fma(vb, c21);
            c30 = FloatVector.fromArray(S, out, o3).fma(vb, c30);
            c31 = FloatVector.fromArray(S, out, o3 + L).fma(vb, c31);
            c40 = FloatVector.fromArray(S, out, o4).fma(vb, c40);
            c41 = FloatVector.fromArray(S, out, o4 + L).fma(vb, c41);
            c50 = FloatVector.fromArray(S, out, o5).fma(vb, c50);
            c51 = FloatVector.fromArray(S, out, o5 + L).fma(vb, c51);
            c60 = FloatVector.fromArray(S, out, o6).fma(vb, c60);
            c61 = FloatVector.fromArray(S, out, o6 + L).fma(vb, c61);
            c70 = FloatVector.fromArray(S, out, o7).fma(vb, c70);
            c71 = FloatVector.fromArray(S, out, o7 + L).fma(vb, c71);
        }
        c00.intoArray(out, o0);
        c01.intoArray(out, o0 + L);
        c10.intoArray(out, o1);
        c11.intoArray(out, o1 + L);
        c20.intoArray(out, o2);
        c21.intoArray(out, o2 + L);
        c30.intoArray(out, o3);
        c31.intoArray(out, o3 + L);
        c40.intoArray(out, o4);
        c41.intoArray(out, o4 + L);
        c50.intoArray(out, o5);
        c51.intoArray(out, o5 + L);
        c60.intoArray(out, o6);
        c61.intoArray(out, o6 + L);
        c70.intoArray(out, o7);
        c71.intoArray(out, o7 + L);
    }


    /**
     * The micro-kernel for a panel with at most L valid columns: as {@link #kernel} with one
     * vector of B per row of A, rows of B {@code bs} apart. Writes the first {@code L} columns of each tile row
     * ({@code NR} apart). (Two
     * half-width vectors per row were 15% faster on the Zen 4 this was first measured on, whose 512-bit
     * multiply-adds take two 256-bit units; on the Zen 5 here they take one, so one full vector halves the
     * multiply-adds.)
     */
    static void kernelNarrow(int kc, float[] a, int ai, int ars, int aps, float[] b, int bi, int bs, float[] tile) {
        FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
        final int r1 = ars, r2 = 2 * ars, r3 = 3 * ars, r4 = 4 * ars, r5 = 5 * ars, r6 = 6 * ars, r7 = 7 * ars;
        for (int p = 0; p < kc; p++) {
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            c0 = FloatVector.broadcast(S, a[ai]).fma(b0, c0);
            c1 = FloatVector.broadcast(S, a[ai + r1]).fma(b0, c1);
            c2 = FloatVector.broadcast(S, a[ai + r2]).fma(b0, c2);
            c3 = FloatVector.broadcast(S, a[ai + r3]).fma(b0, c3);
            c4 = FloatVector.broadcast(S, a[ai + r4]).fma(b0, c4);
            c5 = FloatVector.broadcast(S, a[ai + r5]).fma(b0, c5);
            c6 = FloatVector.broadcast(S, a[ai + r6]).fma(b0, c6);
            c7 = FloatVector.broadcast(S, a[ai + r7]).fma(b0, c7);
            ai += aps;
            bi += bs;
        }
        c0.intoArray(tile, 0);
        c1.intoArray(tile, 1 * NR);
        c2.intoArray(tile, 2 * NR);
        c3.intoArray(tile, 3 * NR);
        c4.intoArray(tile, 4 * NR);
        c5.intoArray(tile, 5 * NR);
        c6.intoArray(tile, 6 * NR);
        c7.intoArray(tile, 7 * NR);
    }

    /** Columns of C per pass of {@link #kernelNarrowColumns}. */
    static final int NARROW_COLUMNS = 5;

    /**
     * A narrow product with transposed A (Affine's {@code dW = Xᵀ·dY} for the 10-class layer): column {@code i}
     * of op(A) is row {@code i} of the stored A, so vectors run down the rows of C (lanes are rows, {@code L}
     * at a time) and one broadcast of B serves four vectors, where the row-wise kernel needs a broadcast of
     * A for every multiply-add. Vector positions are {@code 0, L, 2L, ...} and, when {@code m} is not a multiple
     * of {@code L}, one more ending at row {@code m}, overlapping (each row is stored once). Every element of C
     * goes through the same operations as in {@link #kernelNarrow}. Needs {@code m >= L}.
     */
    private static void narrowTransposed(int m, int n, int k, float alpha, float[] a, int aOff, int lda, float[] bp,
                                         float beta, float[] c, int cOff, int ldc, float[] tile) {
        int full = m / L;
        int positions = m % L == 0 ? full : full + 1;
        int last = positions - 1;
        // Two columns or fewer (a GEMM's thin columns: the 2 of 50) take twice the positions per pass, two
        // columns each: five would compute three of zeros.
        boolean two = n <= 2;
        int perPass = two ? 8 : 4;
        int columns = two ? 2 : NARROW_COLUMNS;
        for (int q = 0; q < positions; q += perPass) {
            int i0 = position(q, full, m), i1 = position(Math.min(q + 1, last), full, m);
            int i2 = position(Math.min(q + 2, last), full, m), i3 = position(Math.min(q + 3, last), full, m);
            for (int j0 = 0; j0 < n; j0 += columns) {
                if (two) {
                    int i4 = position(Math.min(q + 4, last), full, m), i5 = position(Math.min(q + 5, last), full, m);
                    int i6 = position(Math.min(q + 6, last), full, m), i7 = position(Math.min(q + 7, last), full, m);
                    kernelTwoColumns(k, a, aOff, lda, i0, i1, i2, i3, i4, i5, i6, i7, bp, tile);
                } else {
                    kernelNarrowColumns(k, a, aOff, lda, i0, i1, i2, i3, bp, j0, tile);
                }
                int cols = Math.min(columns, n - j0);
                for (int v = 0; v < perPass && q + v < positions; v++) {
                    int t = q + v;
                    int i = position(t, full, m);
                    // Position t stores rows [t*L, min((t+1)*L, m)): the overlapping last one skips rows already stored.
                    for (int l = t * L - i; l < L; l++) {
                        int ci = cOff + (i + l) * ldc + j0;
                        for (int j = 0; j < cols; j++) {
                            float y = tile[(j * perPass + v) * L + l] * alpha;
                            c[ci + j] = beta == 0f ? y : Math.fma(c[ci + j], beta, y);
                        }
                    }
                }
            }
        }
    }

    /**
     * {@link #kernelNarrowColumns} for columns 0 and 1 of {@code bp}'s rows and eight row positions:
     * {@code tile[(j*8 + v)*L + l]}. Sixteen accumulators, eight loads of A and two broadcasts of B per step;
     * each element's chain is the same as there.
     */
    static void kernelTwoColumns(int kc, float[] a, int aOff, int lda, int i0, int i1, int i2, int i3, int i4,
                                 int i5, int i6, int i7, float[] bp, float[] tile) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z, c02 = z, c03 = z, c04 = z, c05 = z, c06 = z, c07 = z,
                c10 = z, c11 = z, c12 = z, c13 = z, c14 = z, c15 = z, c16 = z, c17 = z;
        int ap = aOff;
        for (int p = 0; p < kc; p++, ap += lda) {
            FloatVector y = FloatVector.broadcast(S, bp[p * L]);
            FloatVector w = FloatVector.broadcast(S, bp[p * L + 1]);
            FloatVector x = FloatVector.fromArray(S, a, ap + i0);
            c00 = x.fma(y, c00);
            c10 = x.fma(w, c10);
            x = FloatVector.fromArray(S, a, ap + i1);
            c01 = x.fma(y, c01);
            c11 = x.fma(w, c11);
            x = FloatVector.fromArray(S, a, ap + i2);
            c02 = x.fma(y, c02);
            c12 = x.fma(w, c12);
            x = FloatVector.fromArray(S, a, ap + i3);
            c03 = x.fma(y, c03);
            c13 = x.fma(w, c13);
            x = FloatVector.fromArray(S, a, ap + i4);
            c04 = x.fma(y, c04);
            c14 = x.fma(w, c14);
            x = FloatVector.fromArray(S, a, ap + i5);
            c05 = x.fma(y, c05);
            c15 = x.fma(w, c15);
            x = FloatVector.fromArray(S, a, ap + i6);
            c06 = x.fma(y, c06);
            c16 = x.fma(w, c16);
            x = FloatVector.fromArray(S, a, ap + i7);
            c07 = x.fma(y, c07);
            c17 = x.fma(w, c17);
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, L);
        c02.intoArray(tile, 2 * L);
        c03.intoArray(tile, 3 * L);
        c04.intoArray(tile, 4 * L);
        c05.intoArray(tile, 5 * L);
        c06.intoArray(tile, 6 * L);
        c07.intoArray(tile, 7 * L);
        c10.intoArray(tile, 8 * L);
        c11.intoArray(tile, 9 * L);
        c12.intoArray(tile, 10 * L);
        c13.intoArray(tile, 11 * L);
        c14.intoArray(tile, 12 * L);
        c15.intoArray(tile, 13 * L);
        c16.intoArray(tile, 14 * L);
        c17.intoArray(tile, 15 * L);
    }

    /**
     * {@code tile[(j*4 + v)*L + l] = sum_p a[aOff + p*lda + i_v + l] * bp[p*L + j0 + j]} for {@code j <
     * NARROW_COLUMNS}, four row positions {@code i_v}: twenty accumulators, four loads of A and five broadcasts
     * of B per step. Columns past the product's width are never stored: they read the row's zero padding or, when
     * {@code j0 + 4} passes the row ({@code L} of 4 or 8), the next row, and {@link #packNarrow} leaves
     * {@link #NARROW_COLUMNS} floats after the last row for that.
     */
    static void kernelNarrowColumns(int kc, float[] a, int aOff, int lda, int i0, int i1, int i2, int i3,
                                    float[] bp, int j0, float[] tile) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z, c02 = z, c03 = z, c10 = z, c11 = z, c12 = z, c13 = z, c20 = z, c21 = z,
                c22 = z, c23 = z, c30 = z, c31 = z, c32 = z, c33 = z, c40 = z, c41 = z, c42 = z, c43 = z;
        int ap = aOff;
        for (int p = 0; p < kc; p++, ap += lda) {
            FloatVector x0 = FloatVector.fromArray(S, a, ap + i0);
            FloatVector x1 = FloatVector.fromArray(S, a, ap + i1);
            FloatVector x2 = FloatVector.fromArray(S, a, ap + i2);
            FloatVector x3 = FloatVector.fromArray(S, a, ap + i3);
            int bi = p * L + j0;
            FloatVector y = FloatVector.broadcast(S, bp[bi]);
            c00 = x0.fma(y, c00);
            c01 = x1.fma(y, c01);
            c02 = x2.fma(y, c02);
            c03 = x3.fma(y, c03);
            y = FloatVector.broadcast(S, bp[bi + 1]);
            c10 = x0.fma(y, c10);
            c11 = x1.fma(y, c11);
            c12 = x2.fma(y, c12);
            c13 = x3.fma(y, c13);
            y = FloatVector.broadcast(S, bp[bi + 2]);
            c20 = x0.fma(y, c20);
            c21 = x1.fma(y, c21);
            c22 = x2.fma(y, c22);
            c23 = x3.fma(y, c23);
            y = FloatVector.broadcast(S, bp[bi + 3]);
            c30 = x0.fma(y, c30);
            c31 = x1.fma(y, c31);
            c32 = x2.fma(y, c32);
            c33 = x3.fma(y, c33);
            y = FloatVector.broadcast(S, bp[bi + 4]);
            c40 = x0.fma(y, c40);
            c41 = x1.fma(y, c41);
            c42 = x2.fma(y, c42);
            c43 = x3.fma(y, c43);
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, L);
        c02.intoArray(tile, 2 * L);
        c03.intoArray(tile, 3 * L);
        c10.intoArray(tile, 4 * L);
        c11.intoArray(tile, 5 * L);
        c12.intoArray(tile, 6 * L);
        c13.intoArray(tile, 7 * L);
        c20.intoArray(tile, 8 * L);
        c21.intoArray(tile, 9 * L);
        c22.intoArray(tile, 10 * L);
        c23.intoArray(tile, 11 * L);
        c30.intoArray(tile, 12 * L);
        c31.intoArray(tile, 13 * L);
        c32.intoArray(tile, 14 * L);
        c33.intoArray(tile, 15 * L);
        c40.intoArray(tile, 16 * L);
        c41.intoArray(tile, 17 * L);
        c42.intoArray(tile, 18 * L);
        c43.intoArray(tile, 19 * L);
    }

    /** Rows per strip of {@link #kernelNarrowRows}. */
    static final int NARROW_ROWS = 10;

    /**
     * The narrow micro-kernel for rows of A that are contiguous ({@code a[ai + r*ars + p]}): {@link #NARROW_ROWS}
     * rows against B padded to one vector per row ({@code bp[p*L ..]}); row r times {@code alpha} is stored as
     * one whole vector at {@code out[oi + r*ors]} (the tile, or C itself when the windows may spill: see the caller).
     * Each element goes through the same operations as in {@link #kernelNarrow}. With one multiply-add per
     * broadcast of A, a narrow product is bound by broadcasts, not multiply-adds (jmh's NarrowFloorBenchmark:
     * 0.84 µs for the 100x50x10 strips, 0.68 with the broadcasts hoisted out); ten rows leave no ragged strip of 100, and
     * indexing A by {@code p} lets the JIT hoist the bounds checks the strided form keeps in the loop.
     */
    static void kernelNarrowRows(int kc, float[] a, int ai, int ars, float[] b, float[] out, int oi, int ors, float alpha) {
        FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0,
                c8 = c0, c9 = c0;
        final int a0 = ai, a1 = ai + ars, a2 = ai + 2 * ars, a3 = ai + 3 * ars, a4 = ai + 4 * ars,
                a5 = ai + 5 * ars, a6 = ai + 6 * ars, a7 = ai + 7 * ars, a8 = ai + 8 * ars, a9 = ai + 9 * ars;
        for (int p = 0; p < kc; p++) {
            FloatVector b0 = FloatVector.fromArray(S, b, p * L);
            c0 = FloatVector.broadcast(S, a[a0 + p]).fma(b0, c0);
            c1 = FloatVector.broadcast(S, a[a1 + p]).fma(b0, c1);
            c2 = FloatVector.broadcast(S, a[a2 + p]).fma(b0, c2);
            c3 = FloatVector.broadcast(S, a[a3 + p]).fma(b0, c3);
            c4 = FloatVector.broadcast(S, a[a4 + p]).fma(b0, c4);
            c5 = FloatVector.broadcast(S, a[a5 + p]).fma(b0, c5);
            c6 = FloatVector.broadcast(S, a[a6 + p]).fma(b0, c6);
            c7 = FloatVector.broadcast(S, a[a7 + p]).fma(b0, c7);
            c8 = FloatVector.broadcast(S, a[a8 + p]).fma(b0, c8);
            c9 = FloatVector.broadcast(S, a[a9 + p]).fma(b0, c9);
        }
        c0.mul(alpha).intoArray(out, oi);
        c1.mul(alpha).intoArray(out, oi + ors);
        c2.mul(alpha).intoArray(out, oi + 2 * ors);
        c3.mul(alpha).intoArray(out, oi + 3 * ors);
        c4.mul(alpha).intoArray(out, oi + 4 * ors);
        c5.mul(alpha).intoArray(out, oi + 5 * ors);
        c6.mul(alpha).intoArray(out, oi + 6 * ors);
        c7.mul(alpha).intoArray(out, oi + 7 * ors);
        c8.mul(alpha).intoArray(out, oi + 8 * ors);
        c9.mul(alpha).intoArray(out, oi + 9 * ors);
    }

    /** Column pairs of {@link #narrowPaired}: C of nine or ten columns (the 10-class layer). */
    static final int PAIRS = 5;
    /** Lanes of half a vector: the K phases of {@link #narrowPaired}'s lanes. */
    private static final int HALF = L / 2;

    /**
     * Whether a narrow product with A by rows and B of {@code k x n} runs {@link #narrowPaired}: sixteen lanes,
     * nine or ten columns, and at least one whole vector of K ({@link #pairedLength} within an int). Otherwise
     * {@link #narrowPacked}'s kernels.
     */
    static boolean paired(int n, int k) {
        return L == 16 && n > 2 * PAIRS - 2 && n <= 2 * PAIRS && k >= L && k <= (Integer.MAX_VALUE - L * L) / (2 * PAIRS);
    }

    /** Floats of {@link #packPaired}'s layout for K of {@code k}. */
    static int pairedLength(int k) {
        return k / L * 2 * PAIRS * L + k % L * L;
    }

    /**
     * B ({@code k x n}, n of 9 or 10, row stride {@code ldb}) in {@link #narrowPaired}'s layout from
     * {@code bq[base]}: for each whole vector of K (block {@code kb}) and each half {@code h} of it, one vector
     * per column pair {@code q}, whose lane {@code l} holds {@code B[kb*L + h*HALF + l % HALF, 2q + l / HALF]}
     * (zero past column n); then the {@code k % L} rows left over, one zero-padded vector each. Each half-block
     * of eight rows is a transpose ({@link #packPairedHalves}), by scalars ({@link #packPairedHalfScalar}) from
     * the first whose last row's whole vector would run past the end of {@code b}; both write the same floats.
     */
    static void packPaired(float[] b, int bOff, int ldb, int k, int n, float[] bq, int base) {
        int blocks = k / L;
        int halves = 2 * blocks;
        int whole = 0; // half-blocks whose last row's whole vector stays inside b
        while (whole < halves && bOff + (whole * HALF + HALF - 1L) * ldb + L <= b.length) {
            whole++;
        }
        packPairedHalves(b, bOff, ldb, n, bq, base, whole);
        for (int half = whole; half < halves; half++) {
            packPairedHalfScalar(b, bOff + half * HALF * ldb, ldb, n, bq, base + half * PAIRS * L);
        }
        copyRowsPadded(b, bOff + blocks * L * ldb, ldb, k - blocks * L, n, bq, base + blocks * 2 * PAIRS * L, L);
    }

    /** One half-block of {@link #packPaired} (eight rows of B from {@code b[src]}), one float at a time. */
    static void packPairedHalfScalar(float[] b, int src, int ldb, int n, float[] bq, int dst) {
        for (int r = 0; r < HALF; r++) {
            int row = src + r * ldb;
            for (int q = 0; q < PAIRS; q++) {
                int j = 2 * q;
                bq[dst + q * L + r] = b[row + j];
                bq[dst + q * L + HALF + r] = j + 1 < n ? b[row + j + 1] : 0f;
            }
        }
    }

    /**
     * The first {@code halves} half-blocks of {@link #packPaired} (from {@code b[bOff]} and {@code bq[base]}), each
     * an 8 x 10 transpose in three rounds of two-vector selections (one {@code vpermi2ps} each in a disassembly of
     * a test method): rows into pairs of rows by column, pairs into fours, fours into the eights of one column
     * pair. Whole rows are loaded, so up to {@code L - n} floats past each row are read; they reach only lanes the
     * selections drop, except column 9's lanes for n = 9, which are cleared. Needs each half-block's last row to
     * have a whole vector inside {@code b}, and 16 lanes. One loop in one method: a call per half-block took
     * 111-120 ns for the six of 100x50x10, this 67 (the scalar copy 131-185).
     */
    static void packPairedHalves(float[] b, int bOff, int ldb, int n, float[] bq, int base, int halves) {
        for (int half = 0; half < halves; half++) {
            int src = bOff + half * HALF * ldb;
            int dst = base + half * PAIRS * L;
            FloatVector r0 = FloatVector.fromArray(S, b, src), r1 = FloatVector.fromArray(S, b, src + ldb),
                    r2 = FloatVector.fromArray(S, b, src + 2 * ldb), r3 = FloatVector.fromArray(S, b, src + 3 * ldb),
                    r4 = FloatVector.fromArray(S, b, src + 4 * ldb), r5 = FloatVector.fromArray(S, b, src + 5 * ldb),
                    r6 = FloatVector.fromArray(S, b, src + 6 * ldb), r7 = FloatVector.fromArray(S, b, src + 7 * ldb);
            FloatVector p01 = PAIR_LOW.selectFrom(r0, r1), p23 = PAIR_LOW.selectFrom(r2, r3);
            FloatVector p45 = PAIR_LOW.selectFrom(r4, r5), p67 = PAIR_LOW.selectFrom(r6, r7);
            FloatVector h01 = PAIR_HIGH.selectFrom(r0, r1), h23 = PAIR_HIGH.selectFrom(r2, r3);
            FloatVector h45 = PAIR_HIGH.selectFrom(r4, r5), h67 = PAIR_HIGH.selectFrom(r6, r7);
            FloatVector f03 = FOUR_FIRST.selectFrom(p01, p23), f47 = FOUR_FIRST.selectFrom(p45, p67);
            FloatVector g03 = FOUR_SECOND.selectFrom(p01, p23), g47 = FOUR_SECOND.selectFrom(p45, p67);
            FloatVector e03 = FOUR_FIRST.selectFrom(h01, h23), e47 = FOUR_FIRST.selectFrom(h45, h67);
            EIGHT_FIRST.selectFrom(f03, f47).intoArray(bq, dst);
            EIGHT_SECOND.selectFrom(f03, f47).intoArray(bq, dst + L);
            EIGHT_FIRST.selectFrom(g03, g47).intoArray(bq, dst + 2 * L);
            EIGHT_SECOND.selectFrom(g03, g47).intoArray(bq, dst + 3 * L);
            FloatVector last = EIGHT_FIRST.selectFrom(e03, e47);
            if (n < 2 * PAIRS) {
                last = last.blend(0f, HALF8);
            }
            last.intoArray(bq, dst + 4 * L);
        }
    }

    /**
     * Selection indices of {@link #packPairedHalves} (lanes {@code 0..L-1} pick from the first vector,
     * {@code L..2L-1} from the second). PAIR_LOW and PAIR_HIGH take two rows of B: lane {@code 2j + e} = row e,
     * column j (or 8 + j). FOUR_FIRST and FOUR_SECOND take two such pair vectors: lane {@code 4j + e} = row e of
     * four, column j (or 4 + j) of the pair vectors' eight. EIGHT_FIRST and EIGHT_SECOND take two such four
     * vectors: lane {@code 8h + e} = row e of eight, column h (or 2 + h) of their four. All zero with other than
     * 16 lanes, where the paired layout is never used.
     */
    private static final FloatVector PAIR_LOW = FloatVector.fromArray(S, selection(i -> (i & 1) * L + (i >> 1)), 0),
            PAIR_HIGH = FloatVector.fromArray(S, selection(i -> (i & 1) * L + HALF + (i >> 1)), 0),
            FOUR_FIRST = FloatVector.fromArray(S, selection(i -> ((i & 3) >> 1) * L + 2 * (i >> 2) + (i & 1)), 0),
            FOUR_SECOND = FloatVector.fromArray(S, selection(i -> ((i & 3) >> 1) * L + 2 * (4 + (i >> 2)) + (i & 1)), 0),
            EIGHT_FIRST = FloatVector.fromArray(S, selection(i -> ((i & 7) >> 2) * L + 4 * (i >> 3) + (i & 3)), 0),
            EIGHT_SECOND = FloatVector.fromArray(S, selection(i -> ((i & 7) >> 2) * L + 4 * (2 + (i >> 3)) + (i & 3)), 0);

    private static float[] selection(java.util.function.IntUnaryOperator lane) {
        float[] v = new float[L];
        for (int i = 0; i < L; i++) {
            v[i] = L == 16 ? lane.applyAsInt(i) : 0;
        }
        return v;
    }

    /**
     * {@link #narrow} with A by rows, for {@link #paired} shapes and {@code m >= 4}, on B in {@link #packPaired}'s
     * layout from {@code bq[bo]}: rows four at a time, each group's rows stored as whole vectors straight into C
     * when the last one's window stays inside the block (beta 0, rows contiguous; later stores overwrite what runs
     * on), through {@code tile} otherwise (always for the last group). With m not a multiple of four the last group
     * overlaps its predecessor and stores only its new rows, so every row goes through the same operations and none
     * is stored twice.
     * <p>{@link #kernelNarrowRows} needs a broadcast of A per multiply-add, and Zen 4 runs its 16-lane form at
     * about 1.4 cycles a multiply-add (jmh's NarrowFloorBenchmark). Here a lane holds one K phase of one
     * column: half a vector of A, repeated in both halves by one shuffle, meets one column pair's values for
     * those K, so every lane of every multiply-add is used, with one shuffle per five of them. Four rows share
     * each load of B: with two, the loads (12 per 20 multiply-adds, the 10 of B each crossing a cache line when
     * B's pack is not 64-byte aligned, which a heap array cannot promise) bound the loop: 1.3 against 1.0 µs
     * aligned at 100x50x10 on a 2-core Zen 5 (two 512-bit FMA units); four rows ran 0.84-1.4 µs at any alignment.
     * The K phases are summed at the end by a fixed tree of blends, shuffles and adds (as in {@link #dots}), two
     * rows at a time, the two rows' fifth pairs sharing their vectors. The groups run in this one method, so its
     * shuffles and masks are set up once per product, not once per group.
     */
    static void narrowPaired(int m, int n, int k, float alpha, float[] a, int aOff, int lda, float[] bq, int bo,
                             float beta, float[] c, int cOff, int ldc, float[] tile) {
        int done = 0;
        for (int i = 0; done < m; i = Math.min(i + 4, m - 4)) {
            int a0 = aOff + i * lda;
            int ci = cOff + i * ldc;
            FloatVector r0 = FloatVector.zero(S), r1 = r0, r2 = r0, r3 = r0, r4 = r0, s0 = r0, s1 = r0, s2 = r0, s3 = r0,
                    s4 = r0, t0 = r0, t1 = r0, t2 = r0, t3 = r0, t4 = r0, u0 = r0, u1 = r0, u2 = r0, u3 = r0, u4 = r0;
            int blocks = k / L;
            for (int kb = 0; kb < blocks; kb++) {
                FloatVector x = FloatVector.fromArray(S, a, a0 + kb * L);
                FloatVector y = FloatVector.fromArray(S, a, a0 + lda + kb * L);
                FloatVector z = FloatVector.fromArray(S, a, a0 + 2 * lda + kb * L);
                FloatVector w = FloatVector.fromArray(S, a, a0 + 3 * lda + kb * L);
                int bi = bo + kb * 2 * PAIRS * L;
                FloatVector xl = x.rearrange(LOW_TWICE);
                FloatVector yl = y.rearrange(LOW_TWICE);
                FloatVector zl = z.rearrange(LOW_TWICE);
                FloatVector wl = w.rearrange(LOW_TWICE);
                FloatVector b = FloatVector.fromArray(S, bq, bi);
                r0 = xl.fma(b, r0);
                s0 = yl.fma(b, s0);
                t0 = zl.fma(b, t0);
                u0 = wl.fma(b, u0);
                b = FloatVector.fromArray(S, bq, bi + L);
                r1 = xl.fma(b, r1);
                s1 = yl.fma(b, s1);
                t1 = zl.fma(b, t1);
                u1 = wl.fma(b, u1);
                b = FloatVector.fromArray(S, bq, bi + 2 * L);
                r2 = xl.fma(b, r2);
                s2 = yl.fma(b, s2);
                t2 = zl.fma(b, t2);
                u2 = wl.fma(b, u2);
                b = FloatVector.fromArray(S, bq, bi + 3 * L);
                r3 = xl.fma(b, r3);
                s3 = yl.fma(b, s3);
                t3 = zl.fma(b, t3);
                u3 = wl.fma(b, u3);
                b = FloatVector.fromArray(S, bq, bi + 4 * L);
                r4 = xl.fma(b, r4);
                s4 = yl.fma(b, s4);
                t4 = zl.fma(b, t4);
                u4 = wl.fma(b, u4);
                FloatVector xh = x.rearrange(HIGH_TWICE);
                FloatVector yh = y.rearrange(HIGH_TWICE);
                FloatVector zh = z.rearrange(HIGH_TWICE);
                FloatVector wh = w.rearrange(HIGH_TWICE);
                b = FloatVector.fromArray(S, bq, bi + 5 * L);
                r0 = xh.fma(b, r0);
                s0 = yh.fma(b, s0);
                t0 = zh.fma(b, t0);
                u0 = wh.fma(b, u0);
                b = FloatVector.fromArray(S, bq, bi + 6 * L);
                r1 = xh.fma(b, r1);
                s1 = yh.fma(b, s1);
                t1 = zh.fma(b, t1);
                u1 = wh.fma(b, u1);
                b = FloatVector.fromArray(S, bq, bi + 7 * L);
                r2 = xh.fma(b, r2);
                s2 = yh.fma(b, s2);
                t2 = zh.fma(b, t2);
                u2 = wh.fma(b, u2);
                b = FloatVector.fromArray(S, bq, bi + 8 * L);
                r3 = xh.fma(b, r3);
                s3 = yh.fma(b, s3);
                t3 = zh.fma(b, t3);
                u3 = wh.fma(b, u3);
                b = FloatVector.fromArray(S, bq, bi + 9 * L);
                r4 = xh.fma(b, r4);
                s4 = yh.fma(b, s4);
                t4 = zh.fma(b, t4);
                u4 = wh.fma(b, u4);
            }
            // The rows of B after the whole vectors, in accumulators of their own, so the reduction below does not wait
            // for them.
            FloatVector tr = FloatVector.zero(S), ts = tr, tt = tr, tu = tr;
            int tail = bo + blocks * 2 * PAIRS * L;
            for (int p = blocks * L; p < k; p++) {
                FloatVector b = FloatVector.fromArray(S, bq, tail + (p - blocks * L) * L);
                tr = FloatVector.broadcast(S, a[a0 + p]).fma(b, tr);
                ts = FloatVector.broadcast(S, a[a0 + lda + p]).fma(b, ts);
                tt = FloatVector.broadcast(S, a[a0 + 2 * lda + p]).fma(b, tt);
                tu = FloatVector.broadcast(S, a[a0 + 3 * lda + p]).fma(b, tu);
            }
            // Lane 8h + t of pair q's vector holds column 2q + h, phase t. Each level sums over one bit of t and
            // sorts the vectors' sums by that bit instead (see dots): bit 2 (r0 with r1, r2 with r3, r4 with s4),
            // bit 1, bit 0. Then row r's column 2q + h is in lane 8h + 4(q & 1) + 2(q >> 1) for q < 4, and
            // columns 8 + h of rows r and s in lanes 8h + 1 and 8h + 5 of both vectors (PAIRED_R, PAIRED_S).
            // Rows r and s first, then t and u through the same code.
            // (m - i - 4) * n >= L - n: the fourth row's window ends inside the block, as in narrowPacked.
            boolean straight = beta == 0f && ldc == n && (m - i - 4) * n >= L - n;
            for (int g = 0; g < 4; g += 2) {
                FloatVector wr01 = r0.blend(r1, HALF4).add(r1.blend(r0, HALF4).rearrange(SWAP4));
                FloatVector wr23 = r2.blend(r3, HALF4).add(r3.blend(r2, HALF4).rearrange(SWAP4));
                FloatVector ws01 = s0.blend(s1, HALF4).add(s1.blend(s0, HALF4).rearrange(SWAP4));
                FloatVector ws23 = s2.blend(s3, HALF4).add(s3.blend(s2, HALF4).rearrange(SWAP4));
                FloatVector w4 = r4.blend(s4, HALF4).add(s4.blend(r4, HALF4).rearrange(SWAP4));
                FloatVector qr = wr01.blend(wr23, HALF2).add(wr23.blend(wr01, HALF2).rearrange(SWAP2));
                FloatVector qs = ws01.blend(ws23, HALF2).add(ws23.blend(ws01, HALF2).rearrange(SWAP2));
                FloatVector q4 = w4.add(w4.rearrange(SWAP2));
                FloatVector fr = qr.blend(q4, HALF1).add(q4.blend(qr, HALF1).rearrange(SWAP1)).rearrange(PAIRED_R);
                FloatVector fs = qs.blend(q4, HALF1).add(q4.blend(qs, HALF1).rearrange(SWAP1)).rearrange(PAIRED_S);
                if (blocks * L < k) {
                    fr = fr.add(tr);
                    fs = fs.add(ts);
                }
                if (straight) {
                    fr.mul(alpha).intoArray(c, ci + g * ldc);
                    fs.mul(alpha).intoArray(c, ci + (g + 1) * ldc);
                } else {
                    fr.intoArray(tile, g * L);
                    fs.intoArray(tile, (g + 1) * L);
                }
                r0 = t0;
                r1 = t1;
                r2 = t2;
                r3 = t3;
                r4 = t4;
                s0 = u0;
                s1 = u1;
                s2 = u2;
                s3 = u3;
                s4 = u4;
                tr = tt;
                ts = tu;
            }
            if (!straight) {
                for (int r = done - i; r < 4; r++) {
                    storeNarrowRow(tile, r * L, n, alpha, beta, c, ci + r * ldc);
                }
            }
            done = i + 4;
        }
    }

    /**
     * {@code C[r, j] = alpha * tile[r, j] + beta * C[r, j]} for the valid {@code rows x cols} of a tile
     * ({@code C} not read unless {@code readC}). Full-width tiles use vectors, the right edge scalars; both
     * round identically ({@code fma(C, beta, alpha * t)}). Rows of the tile are {@code ts} floats apart.
     */
    static void merge(float[] tile, int ts, int rows, int cols, float[] c, int ci, int ldc,
                      float alpha, float beta, boolean readC) {
        int vectors = cols / L * L;
        for (int r = 0; r < rows; r++, ci += ldc) {
            int t = r * ts;
            for (int v = 0; v < vectors; v += L) {
                FloatVector y = FloatVector.fromArray(S, tile, t + v).mul(alpha);
                if (readC) {
                    y = FloatVector.fromArray(S, c, ci + v).fma(FloatVector.broadcast(S, beta), y);
                }
                y.intoArray(c, ci + v);
            }
            for (int j = vectors; j < cols; j++) {
                float y = tile[t + j] * alpha;
                c[ci + j] = readC ? Math.fma(c[ci + j], beta, y) : y;
            }
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Small path: m <= SMALL_M, no packing
    // ------------------------------------------------------------------------------------------------

    private static void small(boolean transA, boolean transB, int m, int n, int k,
                              float alpha, float[] a, int aOff, int lda,
                              float[] b, int bOff, int ldb,
                              float beta, float[] c, int cOff, int ldc) {
        // Element (i, p) of op(A) is a[aOff + i*aRow + p*aCol].
        int aRow = transA ? 1 : lda;
        int aCol = transA ? lda : 1;
        if (!transB) {
            if (n < L) { // narrower than one vector: strided scalar dot products, four partial sums each
                for (int i = 0; i < m; i++) {
                    int ai = aOff + i * aRow;
                    int ci = cOff + i * ldc;
                    for (int j = 0; j < n; j++) {
                        float y = alpha * stridedDot(a, ai, aCol, b, bOff + j, ldb, k);
                        c[ci + j] = beta == 0f ? y : Math.fma(c[ci + j], beta, y);
                    }
                }
                return;
            }
            for (int i = 0; i < m; i++) {
                axpyRow(k, n, a, aOff + i * aRow, aCol, b, bOff, ldb, alpha, beta, c, cOff + i * ldc);
            }
            return;
        }
        float[] tmp = SCRATCH.get().tile;
        float[] rows = a;
        int rowsOff = aOff;
        int rowStride = lda;
        if (transA) { // the dot products want contiguous rows of op(A): gather them once
            rows = SCRATCH.get().aRows(m * k);
            for (int i = 0; i < m; i++) {
                for (int p = 0; p < k; p++) {
                    rows[i * k + p] = a[aOff + p * lda + i];
                }
            }
            rowsOff = 0;
            rowStride = k;
        }
        for (int i = 0; i < m; i++) {
            int ar = rowsOff + i * rowStride;
            int ci = cOff + i * ldc;
            for (int j = 0; j < n; j++) {
                float y = alpha * dot(rows, ar, b, bOff + j * ldb, k, tmp);
                c[ci + j] = beta == 0f ? y : Math.fma(c[ci + j], beta, y);
            }
        }
    }

    /**
     * One row of C: {@code C[j] = alpha * sum_p A(p) * B[p, j] + beta * C[j]}, with {@code A(p) = a[ai + p*aps]}
     * and B stored {@code k x n} ({@code n >= lanes}). The row is covered by vectors at {@code 0, L, 2L, ...}
     * and, when {@code n} is not a multiple of {@code L}, one more vector ending exactly at column {@code n}
     * (overlapping the previous one; only its new lanes are stored). Vectors go four at a time, one sweep
     * down the rows of B per group, with no masks in the loop.
     */
    private static void axpyRow(int k, int n, float[] a, int ai, int aps, float[] b, int bOff, int ldb,
                                float alpha, float beta, float[] c, int ci) {
        int full = n / L;
        int rem = n - full * L;
        int positions = rem == 0 ? full : full + 1;
        int last = positions - 1;
        for (int q = 0; q < positions; q += 4) {
            axpyBlock(k, a, ai, aps, b, bOff, ldb,
                    position(q, full, n), position(Math.min(q + 1, last), full, n),
                    position(Math.min(q + 2, last), full, n), position(Math.min(q + 3, last), full, n),
                    rem == 0 ? -1 : n - L, rem, alpha, beta, c, ci);
        }
    }

    /**
     * C narrower than one vector (the 10-class layer): a 2-vector tile would leave most lanes idle and
     * pay a packed copy of B plus a scalar merge. With A by rows and a {@link #paired} shape (nine or ten columns,
     * 16 lanes), B is packed for {@link #narrowPaired}. Otherwise B is copied into zero-padded one-vector rows
     * ({@link #packNarrow}) and: with A by rows and at least ten rows, strips of ten rows run against it
     * ({@link #kernelNarrowRows}); with A transposed and at least {@code L} rows, vectors run down the rows of C
     * ({@link #narrowTransposed}); otherwise strips of {@code MR} rows, leftover rows one at a time. Always
     * single-threaded: the whole product is a few microseconds.
     */
    private static void narrow(boolean transA, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
                               float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        Scratch scratch = SCRATCH.get();
        if (!transA && paired(n, k)) {
            float[] bq = scratch.bPack(pairedLength(k));
            packPaired(b, bOff, ldb, k, n, bq, 0);
            narrowPaired(m, n, k, alpha, a, aOff, lda, bq, 0, beta, c, cOff, ldc, scratch.tile);
            return;
        }
        narrowPacked(transA, m, n, k, alpha, a, aOff, lda, packNarrow(b, bOff, ldb, k, n, scratch), beta, c, cOff, ldc,
                scratch.tile);
    }

    /** {@link #narrow} on B already in {@link #packNarrow}'s layout (a served layer's, packed once). */
    static void narrowPacked(boolean transA, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
                             float[] bp, float beta, float[] c, int cOff, int ldc, float[] tile) {
        int aRow = transA ? 1 : lda;
        int aCol = transA ? lda : 1;
        if (!transA && m >= NARROW_ROWS) {
            // Strips of NARROW_ROWS rows; the last one ends at row m, overlapping its predecessor, and stores only
            // the rows not stored yet, so every row goes through the same kernel and none is stored twice.
            int done = 0;
            for (int i = 0; done < m; i = Math.min(i + NARROW_ROWS, m - NARROW_ROWS)) {
                int ci = cOff + i * ldc;
                // (m - i - NARROW_ROWS) * n >= L - n: the last row's window ends inside the block, without int overflow.
                if (beta == 0f && ldc == n && (m - i - NARROW_ROWS) * n >= L - n) {
                    // Straight into C with whole-vector stores (no mask, no tile): each row's window runs on into the
                    // rows after it, all inside the block, and later stores (of this strip or the next) overwrite them.
                    // Rows this strip shares with the previous one get the same bits again.
                    kernelNarrowRows(k, a, aOff + i * lda, lda, bp, c, ci, ldc, alpha);
                } else {
                    kernelNarrowRows(k, a, aOff + i * lda, lda, bp, tile, 0, L, 1f);
                    for (int r = done - i; r < NARROW_ROWS; r++) {
                        storeNarrowRow(tile, r * L, n, alpha, beta, c, ci + r * ldc);
                    }
                }
                done = i + NARROW_ROWS;
            }
            return;
        }
        if (transA && m >= L) {
            narrowTransposed(m, n, k, alpha, a, aOff, lda, bp, beta, c, cOff, ldc, tile);
            return;
        }
        int i = 0;
        for (; i + MR <= m; i += MR) {
            narrowStrip(k, n, a, aOff + i * aRow, aRow, aCol, bp, alpha, beta, c, cOff + i * ldc, ldc, tile);
        }
        for (; i < m; i++) {
            narrowRow(k, n, a, aOff + i * aRow, aCol, bp, alpha, beta, c, cOff + i * ldc, tile);
        }
    }

    /**
     * B ({@code k x n}, {@code n < L}) copied into rows of one whole vector, zero-padded, so the narrow
     * kernels load whole rows and need no mask. A masked access is used only where its whole vector window
     * fits the array: one that passes the end takes the Vector API's slow path, and once C2 has profiled that
     * path it may compile the kernel with every vector boxed (seen: 60x slower, kilobytes per call).
     */
    private static float[] packNarrow(float[] b, int bOff, int ldb, int k, int n, Scratch scratch) {
        float[] bp = scratch.bPack(k * L + NARROW_COLUMNS); // the slack: see kernelNarrowColumns
        // Masked loads: a per-row arraycopy and fill cost a quarter of the 100x50x10 product.
        copyRowsPadded(b, bOff, ldb, k, n, bp, 0, L);
        return bp;
    }

    /**
     * Copies {@code rows} rows of {@code cols} floats ({@code ldb} apart in {@code b}, from {@code src}) into
     * rows of {@code width} floats ({@code L}, {@code 2L} or {@code 3L}, at least {@code cols}) of {@code bp} from
     * {@code dst}, zero-padded: masked loads, one per vector of the row, where the whole row window fits
     * {@code b}; scalars for the rows near the end of {@code b}, whose windows would pass it.
     */
    private static void copyRowsPadded(float[] b, int src, int ldb, int rows, int cols, float[] bp, int dst, int width) {
        VectorMask<Float> m0 = S.indexInRange(0, cols);
        VectorMask<Float> m1 = S.indexInRange(L, cols);
        VectorMask<Float> m2 = S.indexInRange(2 * L, cols);
        boolean two = width > L;
        boolean three = width > 2 * L;
        int p = 0;
        for (; p < rows && src + width <= b.length; p++, src += ldb, dst += width) {
            FloatVector.fromArray(S, b, src, m0).intoArray(bp, dst);
            if (two) {
                FloatVector.fromArray(S, b, src + L, m1).intoArray(bp, dst + L);
            }
            if (three) {
                FloatVector.fromArray(S, b, src + 2 * L, m2).intoArray(bp, dst + 2 * L);
            }
        }
        for (; p < rows; p++, src += ldb, dst += width) {
            for (int j = 0; j < width; j++) {
                bp[dst + j] = j < cols ? b[src + j] : 0f;
            }
        }
    }

    /**
     * {@code C[ci .. ci + n) = alpha * t + beta * C} for a row narrower than a vector, {@code t} being the
     * {@code L} floats of {@code tile} at {@code ti}. A masked store when its whole window fits the array;
     * near the end of the array, scalars, so no masked access ever reaches past the array (see
     * {@link #packNarrow}). Arrays and indices in, no vectors, so nothing is boxed if it is not inlined.
     */
    private static void storeNarrowRow(float[] tile, int ti, int n, float alpha, float beta, float[] c, int ci) {
        if (ci + L <= c.length) {
            VectorMask<Float> cols = S.indexInRange(0, n);
            FloatVector y = FloatVector.fromArray(S, tile, ti).mul(alpha);
            if (beta != 0f) {
                y = FloatVector.fromArray(S, c, ci, cols).fma(FloatVector.broadcast(S, beta), y);
            }
            y.intoArray(c, ci, cols);
        } else {
            for (int j = 0; j < n; j++) {
                float y = tile[ti + j] * alpha;
                c[ci + j] = beta == 0f ? y : Math.fma(c[ci + j], beta, y);
            }
        }
    }

    /** {@code MR} rows of a narrow C: the one-vector micro-kernel over B padded to rows of {@code L}, then the stores. */
    private static void narrowStrip(int k, int n, float[] a, int ai, int ars, int aps, float[] bp,
                                    float alpha, float beta, float[] c, int ci, int ldc, float[] tile) {
        kernelNarrow(k, a, ai, ars, aps, bp, 0, L, tile);
        for (int r = 0; r < MR; r++) {
            storeNarrowRow(tile, r * NR, n, alpha, beta, c, ci + r * ldc);
        }
    }

    /**
     * One row of C narrower than a vector: {@code c = alpha * sum_p a[p] * B[p, 0..n) + beta * c}, with B
     * padded to one vector per row ({@link #packNarrow}). Two accumulators (even and odd {@code p}) keep
     * two FMA chains in flight.
     */
    private static void narrowRow(int k, int n, float[] a, int ai, int aps, float[] bp,
                                  float alpha, float beta, float[] c, int ci, float[] tile) {
        FloatVector s0 = FloatVector.zero(S);
        FloatVector s1 = s0;
        int bi = 0;
        int p = 0;
        for (; p + 1 < k; p += 2, bi += 2 * L, ai += 2 * aps) {
            s0 = FloatVector.broadcast(S, a[ai]).fma(FloatVector.fromArray(S, bp, bi), s0);
            s1 = FloatVector.broadcast(S, a[ai + aps]).fma(FloatVector.fromArray(S, bp, bi + L), s1);
        }
        if (p < k) {
            s0 = FloatVector.broadcast(S, a[ai]).fma(FloatVector.fromArray(S, bp, bi), s0);
        }
        s0.add(s1).intoArray(tile, 0);
        storeNarrowRow(tile, 0, n, alpha, beta, c, ci);
    }

    /** {@code sum_p x[xi + p*xs] * y[yi + p*ys]} for {@code p < len}, with four scalar partial sums. */
    private static float stridedDot(float[] x, int xi, int xs, float[] y, int yi, int ys, int len) {
        float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
        int p = 0;
        for (; p + 3 < len; p += 4, xi += 4 * xs, yi += 4 * ys) {
            s0 = Math.fma(x[xi], y[yi], s0);
            s1 = Math.fma(x[xi + xs], y[yi + ys], s1);
            s2 = Math.fma(x[xi + 2 * xs], y[yi + 2 * ys], s2);
            s3 = Math.fma(x[xi + 3 * xs], y[yi + 3 * ys], s3);
        }
        for (; p < len; p++, xi += xs, yi += ys) {
            s0 = Math.fma(x[xi], y[yi], s0);
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** Start column of the q-th covering vector of a row of width n with {@code full} whole vectors. */
    private static int position(int q, int full, int n) {
        return q < full ? q * L : n - L;
    }

    /**
     * Four vectors of one row of C at column offsets {@code o0..o3} (repeats allowed: a repeated offset is
     * computed twice and stored twice with the same value). The vector at {@code tail} (if any) stores only
     * its last {@code rem} lanes. All of C that is read is read before anything is stored.
     */
    private static void axpyBlock(int k, float[] a, int ai, int aps, float[] b, int bOff, int ldb,
                                  int o0, int o1, int o2, int o3, int tail, int rem,
                                  float alpha, float beta, float[] c, int ci) {
        FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0, t0 = s0, t1 = s0, t2 = s0, t3 = s0;
        int bi = bOff;
        int p = 0;
        for (; p + 1 < k; p += 2, bi += 2 * ldb, ai += 2 * aps) {
            FloatVector x = FloatVector.broadcast(S, a[ai]);
            FloatVector z = FloatVector.broadcast(S, a[ai + aps]);
            int bj = bi + ldb;
            s0 = x.fma(FloatVector.fromArray(S, b, bi + o0), s0);
            s1 = x.fma(FloatVector.fromArray(S, b, bi + o1), s1);
            s2 = x.fma(FloatVector.fromArray(S, b, bi + o2), s2);
            s3 = x.fma(FloatVector.fromArray(S, b, bi + o3), s3);
            t0 = z.fma(FloatVector.fromArray(S, b, bj + o0), t0);
            t1 = z.fma(FloatVector.fromArray(S, b, bj + o1), t1);
            t2 = z.fma(FloatVector.fromArray(S, b, bj + o2), t2);
            t3 = z.fma(FloatVector.fromArray(S, b, bj + o3), t3);
        }
        if (p < k) {
            FloatVector x = FloatVector.broadcast(S, a[ai]);
            s0 = x.fma(FloatVector.fromArray(S, b, bi + o0), s0);
            s1 = x.fma(FloatVector.fromArray(S, b, bi + o1), s1);
            s2 = x.fma(FloatVector.fromArray(S, b, bi + o2), s2);
            s3 = x.fma(FloatVector.fromArray(S, b, bi + o3), s3);
        }
        s0 = s0.add(t0);
        s1 = s1.add(t1);
        s2 = s2.add(t2);
        s3 = s3.add(t3);
        FloatVector y0 = s0.mul(alpha), y1 = s1.mul(alpha), y2 = s2.mul(alpha), y3 = s3.mul(alpha);
        if (beta != 0f) {
            FloatVector vb = FloatVector.broadcast(S, beta);
            y0 = FloatVector.fromArray(S, c, ci + o0).fma(vb, y0);
            y1 = FloatVector.fromArray(S, c, ci + o1).fma(vb, y1);
            y2 = FloatVector.fromArray(S, c, ci + o2).fma(vb, y2);
            y3 = FloatVector.fromArray(S, c, ci + o3).fma(vb, y3);
        }
        if (beta == 0f) {
            // The tail vector's lanes that overlap a whole vector hold bit-identical values (the same
            // operations on the same inputs), so unmasked stores are exact; masked stores here were not
            // intrinsified and allocated about 300 bytes per call.
            y0.intoArray(c, ci + o0);
            y1.intoArray(c, ci + o1);
            y2.intoArray(c, ci + o2);
            y3.intoArray(c, ci + o3);
            return;
        }
        // With beta != 0 an earlier block may already have stored the overlapped lanes, which this block
        // read as C: only the tail's own last lanes may be written.
        VectorMask<Float> tailLanes = S.indexInRange(rem - L, L); // lanes i >= L - rem
        // Written out, not through a helper: no vector crosses a call (package-info).
        if (o0 == tail) y0.intoArray(c, ci + o0, tailLanes); else y0.intoArray(c, ci + o0);
        if (o1 == tail) y1.intoArray(c, ci + o1, tailLanes); else y1.intoArray(c, ci + o1);
        if (o2 == tail) y2.intoArray(c, ci + o2, tailLanes); else y2.intoArray(c, ci + o2);
        if (o3 == tail) y3.intoArray(c, ci + o3, tailLanes); else y3.intoArray(c, ci + o3);
    }


    /**
     * {@code sum_p x[xi+p] * y[yi+p]} over {@code len} contiguous elements; {@code tmp} holds at least L floats
     * of scratch. The vector partial sums are added lane by lane in a fixed order ({@link #sumLanes}), not by
     * {@code reduceLanes(ADD)}: the Vector API leaves that order open, and the interpreter and C2 do use
     * different orders, so a model's scores changed between calls of one run.
     */
    static float dot(float[] x, int xi, float[] y, int yi, int len, float[] tmp) {
        FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
        int p = 0;
        for (; p + 4 * L <= len; p += 4 * L) {
            s0 = FloatVector.fromArray(S, x, xi + p).fma(FloatVector.fromArray(S, y, yi + p), s0);
            s1 = FloatVector.fromArray(S, x, xi + p + L).fma(FloatVector.fromArray(S, y, yi + p + L), s1);
            s2 = FloatVector.fromArray(S, x, xi + p + 2 * L).fma(FloatVector.fromArray(S, y, yi + p + 2 * L), s2);
            s3 = FloatVector.fromArray(S, x, xi + p + 3 * L).fma(FloatVector.fromArray(S, y, yi + p + 3 * L), s3);
        }
        for (; p + L <= len; p += L) {
            s0 = FloatVector.fromArray(S, x, xi + p).fma(FloatVector.fromArray(S, y, yi + p), s0);
        }
        s0.add(s1).add(s2.add(s3)).intoArray(tmp, 0);
        float sum = sumLanes(tmp, 0);
        for (; p < len; p++) {
            sum = Math.fma(x[xi + p], y[yi + p], sum);
        }
        return sum;
    }

    /** {@code t[off] + .. + t[off + L - 1]} in one fixed order (pairwise, four chains), the same on every path. */
    static float sumLanes(float[] t, int off) {
        float a = 0f, b = 0f, c = 0f, d = 0f;
        for (int i = 0; i < L; i += 4) {
            a += t[off + i];
            b += t[off + i + 1];
            c += t[off + i + 2];
            d += t[off + i + 3];
        }
        return (a + b) + (c + d);
    }

    /**
     * Columns {@code j} and {@code l} of up to MR rows of C (from row {@code i0}) as dot products of A's rows
     * with W's transposed columns at {@code bj} and {@code bl}: sixteen chains of multiply-adds (8 rows x 2
     * columns, each A vector loaded once for both), reduced at the end. Rows past {@code rows} repeat the last
     * one and are not stored. The lanes are summed in a fixed order: with 16 lanes in registers, by a tree of
     * blends, swaps and adds that leaves chain t's sum in lane {@code REVERSED[t]}; otherwise through
     * {@code tile} (see {@link PanamaGemm#dot}).
     */
    static void dots(int k, float[] a, int aOff, int lda, int i0, int rows, float[] bp, int bj, int bl,
                     float[] c, int ci, int ldc, int j, int l, float alpha, float beta, float[] tile) {
        if (k < L) { // no whole vector (the 10 of dh = dout·W2ᵀ): the tails alone, from the zero the lanes would sum to
            int r = 0;
            for (; r + 4 <= rows; r += 4) {
                tails4(k, a, aOff + (i0 + r) * lda, lda, bp, bj, bl, c, ci + r * ldc, ldc, j, l, alpha, beta);
            }
            for (; r < rows; r++) {
                tail(0f, 0f, a, aOff + (i0 + r) * lda, bp, bj, bl, 0, k, c, ci + r * ldc, j, l, alpha, beta, true);
            }
            return;
        }
        int a0 = aOff + (i0 + Math.min(0, rows - 1)) * lda;
        int a1 = aOff + (i0 + Math.min(1, rows - 1)) * lda;
        int a2 = aOff + (i0 + Math.min(2, rows - 1)) * lda;
        int a3 = aOff + (i0 + Math.min(3, rows - 1)) * lda;
        int a4 = aOff + (i0 + Math.min(4, rows - 1)) * lda;
        int a5 = aOff + (i0 + Math.min(5, rows - 1)) * lda;
        int a6 = aOff + (i0 + Math.min(6, rows - 1)) * lda;
        int a7 = aOff + (i0 + Math.min(7, rows - 1)) * lda;
        FloatVector s0 = FloatVector.zero(S), u0 = s0, u1 = s0, u2 = s0, u3 = s0, u4 = s0, u5 = s0, u6 = s0, u7 = s0, v0 = s0, v1 = s0, v2 = s0, v3 = s0, v4 = s0, v5 = s0, v6 = s0, v7 = s0;
        int bound = S.loopBound(k);
        int p = 0;
        for (; p < bound; p += L) {
            FloatVector y = FloatVector.fromArray(S, bp, bj + p);
            FloatVector z = FloatVector.fromArray(S, bp, bl + p);
            FloatVector x0 = FloatVector.fromArray(S, a, a0 + p);
            FloatVector x1 = FloatVector.fromArray(S, a, a1 + p);
            FloatVector x2 = FloatVector.fromArray(S, a, a2 + p);
            FloatVector x3 = FloatVector.fromArray(S, a, a3 + p);
            FloatVector x4 = FloatVector.fromArray(S, a, a4 + p);
            FloatVector x5 = FloatVector.fromArray(S, a, a5 + p);
            FloatVector x6 = FloatVector.fromArray(S, a, a6 + p);
            FloatVector x7 = FloatVector.fromArray(S, a, a7 + p);
            u0 = x0.fma(y, u0);
            v0 = x0.fma(z, v0);
            u1 = x1.fma(y, u1);
            v1 = x1.fma(z, v1);
            u2 = x2.fma(y, u2);
            v2 = x2.fma(z, v2);
            u3 = x3.fma(y, u3);
            v3 = x3.fma(z, v3);
            u4 = x4.fma(y, u4);
            v4 = x4.fma(z, v4);
            u5 = x5.fma(y, u5);
            v5 = x5.fma(z, v5);
            u6 = x6.fma(y, u6);
            v6 = x6.fma(z, v6);
            u7 = x7.fma(y, u7);
            v7 = x7.fma(z, v7);
        }
        if (L == 16) {
            // The 16 lane sums in registers, as a fixed tree (lane i with i^8, then i^4, i^2, i^1; see HALF8):
            // each level splits a pair's lanes by one index bit, swaps the halves of each and adds, so one vector
            // ends up holding every sum, that of chain t (u0, v0, u1, .. v7) in lane REVERSED[t]. Storing the 16
            // vectors and adding their lanes one by one ({@link #sumLanes}) took about 250 cycles a strip.
            FloatVector w0 = u0.blend(v0, HALF8).add(v0.blend(u0, HALF8).rearrange(SWAP8));
            FloatVector w1 = u1.blend(v1, HALF8).add(v1.blend(u1, HALF8).rearrange(SWAP8));
            FloatVector w2 = u2.blend(v2, HALF8).add(v2.blend(u2, HALF8).rearrange(SWAP8));
            FloatVector w3 = u3.blend(v3, HALF8).add(v3.blend(u3, HALF8).rearrange(SWAP8));
            FloatVector w4 = u4.blend(v4, HALF8).add(v4.blend(u4, HALF8).rearrange(SWAP8));
            FloatVector w5 = u5.blend(v5, HALF8).add(v5.blend(u5, HALF8).rearrange(SWAP8));
            FloatVector w6 = u6.blend(v6, HALF8).add(v6.blend(u6, HALF8).rearrange(SWAP8));
            FloatVector w7 = u7.blend(v7, HALF8).add(v7.blend(u7, HALF8).rearrange(SWAP8));
            FloatVector q0 = w0.blend(w1, HALF4).add(w1.blend(w0, HALF4).rearrange(SWAP4));
            FloatVector q1 = w2.blend(w3, HALF4).add(w3.blend(w2, HALF4).rearrange(SWAP4));
            FloatVector q2 = w4.blend(w5, HALF4).add(w5.blend(w4, HALF4).rearrange(SWAP4));
            FloatVector q3 = w6.blend(w7, HALF4).add(w7.blend(w6, HALF4).rearrange(SWAP4));
            FloatVector o0 = q0.blend(q1, HALF2).add(q1.blend(q0, HALF2).rearrange(SWAP2));
            FloatVector o1 = q2.blend(q3, HALF2).add(q3.blend(q2, HALF2).rearrange(SWAP2));
            o0.blend(o1, HALF1).add(o1.blend(o0, HALF1).rearrange(SWAP1)).intoArray(tile, 0);
            if (p < k) {
                for (int r = 0; r < rows; r++) {
                    tail(tile[REVERSED[2 * r]], tile[REVERSED[2 * r + 1]], a, aOff + (i0 + r) * lda, bp, bj, bl,
                            p, k, c, ci + r * ldc, j, l, alpha, beta, true);
                }
                return;
            }
            // No tail (K a whole number of vectors, as both halves of 784 are): store2's stores written out, since
            // eight calls of tail (16 arguments) took half of a strip's overhead, and C2 does not inline store2
            // into this method either (36 -> 56-88 ns a one-vector strip).
            for (int r = 0, cr = ci; r < rows; r++, cr += ldc) {
                float yu = tile[REVERSED[2 * r]] * alpha;
                float yv = tile[REVERSED[2 * r + 1]] * alpha;
                c[cr + j] = beta == 0f ? yu : Math.fma(c[cr + j], beta, yu);
                if (l != j) {
                    c[cr + l] = beta == 0f ? yv : Math.fma(c[cr + l], beta, yv);
                }
            }
            return;
        }
        u0.intoArray(tile, 0 * L);
        v0.intoArray(tile, 1 * L);
        u1.intoArray(tile, 2 * L);
        v1.intoArray(tile, 3 * L);
        u2.intoArray(tile, 4 * L);
        v2.intoArray(tile, 5 * L);
        u3.intoArray(tile, 6 * L);
        v3.intoArray(tile, 7 * L);
        u4.intoArray(tile, 8 * L);
        v4.intoArray(tile, 9 * L);
        u5.intoArray(tile, 10 * L);
        v5.intoArray(tile, 11 * L);
        u6.intoArray(tile, 12 * L);
        v6.intoArray(tile, 13 * L);
        u7.intoArray(tile, 14 * L);
        v7.intoArray(tile, 15 * L);
        for (int r = 0; r < MR; r++) {
            int ar = aOff + (i0 + Math.min(r, rows - 1)) * lda;
            tail(sumLanes(tile, 2 * r * L), sumLanes(tile, (2 * r + 1) * L), a, ar, bp, bj, bl, p, k,
                    c, ci + r * ldc, j, l, alpha, beta, r < rows);
        }
    }

    /**
     * For the 16-lane reduction in {@link #dots}: the lanes with bit 3, 2, 1 or 0 of their index set, and the
     * shuffles that swap each lane with its partner across that bit (unused with fewer lanes).
     */
    private static final VectorMask<Float> HALF8 = VectorMask.fromLong(S, 0xFF00L), HALF4 = VectorMask.fromLong(S, 0xF0F0L),
            HALF2 = VectorMask.fromLong(S, 0xCCCCL), HALF1 = VectorMask.fromLong(S, 0xAAAAL);
    private static final VectorShuffle<Float> SWAP8 = VectorShuffle.fromOp(S, i -> i ^ (8 & (L - 1))),
            SWAP4 = VectorShuffle.fromOp(S, i -> i ^ (4 & (L - 1))), SWAP2 = VectorShuffle.fromOp(S, i -> i ^ (2 & (L - 1))),
            SWAP1 = VectorShuffle.fromOp(S, i -> i ^ (1 & (L - 1)));

    /** For {@link #narrowPaired}: the low or the high half of a vector in both halves. */
    private static final VectorShuffle<Float> LOW_TWICE = VectorShuffle.fromOp(S, i -> i % HALF),
            HIGH_TWICE = VectorShuffle.fromOp(S, i -> HALF + i % HALF);
    /** For {@link #narrowPaired} (16 lanes): lane j takes the lane where the reduction leaves row r's or s's column j. */
    private static final VectorShuffle<Float> PAIRED_R = VectorShuffle.fromOp(S, j -> pairedLane(j, 1)),
            PAIRED_S = VectorShuffle.fromOp(S, j -> pairedLane(j, 5));

    private static int pairedLane(int j, int fifthPair) {
        if (L != 16 || j >= 2 * PAIRS) {
            return j;
        }
        int q = j / 2;
        int h = j % 2;
        return q == PAIRS - 1 ? 8 * h + fifthPair : 8 * h + 4 * (q & 1) + 2 * (q >> 1);
    }
    /** The lane where {@link #dots}' reduction leaves chain t's sum: t's four index bits reversed. */
    private static final int[] REVERSED = {0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15};


    /**
     * {@link #tail} from zero for four rows ({@code ars} apart in A, {@code ldc} in C) at once: eight chains
     * in flight where one row at a time waits on two, each with the same operations.
     */
    private static void tails4(int k, float[] a, int ai, int ars, float[] bp, int bj, int bl,
                               float[] c, int ci, int ldc, int j, int l, float alpha, float beta) {
        float u0 = 0f, u1 = 0f, u2 = 0f, u3 = 0f, v0 = 0f, v1 = 0f, v2 = 0f, v3 = 0f;
        for (int p = 0; p < k; p++) {
            float y = bp[bj + p];
            float z = bp[bl + p];
            float x0 = a[ai + p], x1 = a[ai + ars + p], x2 = a[ai + 2 * ars + p], x3 = a[ai + 3 * ars + p];
            u0 = Math.fma(x0, y, u0);
            v0 = Math.fma(x0, z, v0);
            u1 = Math.fma(x1, y, u1);
            v1 = Math.fma(x1, z, v1);
            u2 = Math.fma(x2, y, u2);
            v2 = Math.fma(x2, z, v2);
            u3 = Math.fma(x3, y, u3);
            v3 = Math.fma(x3, z, v3);
        }
        // tail's stores alone (see dots): four calls of tail with 16 arguments each cost more than the chains.
        store2(u0, v0, c, ci, j, l, alpha, beta);
        store2(u1, v1, c, ci + ldc, j, l, alpha, beta);
        store2(u2, v2, c, ci + 2 * ldc, j, l, alpha, beta);
        store2(u3, v3, c, ci + 3 * ldc, j, l, alpha, beta);
    }

    /** {@code alpha * sum + beta * C} into columns j and l of a row of C; an odd last column paired with itself (l == j) once. */
    private static void store2(float su, float sv, float[] c, int ci, int j, int l, float alpha, float beta) {
        float yu = su * alpha;
        c[ci + j] = beta == 0f ? yu : Math.fma(c[ci + j], beta, yu);
        if (l != j) {
            float yv = sv * alpha;
            c[ci + l] = beta == 0f ? yv : Math.fma(c[ci + l], beta, yv);
        }
    }

    /**
     * A dot product's scalar tail from {@code p}, added to its reduced vector part, stored if the row is real
     * ({@code alpha * sum + beta * C}, as {@link #merge} rounds it).
     */
    private static void tail(float su, float sv, float[] a, int ai, float[] bp, int bj, int bl, int p, int k,
                             float[] c, int ci, int j, int l, float alpha, float beta, boolean store) {
        for (; p < k; p++) {
            su = Math.fma(a[ai + p], bp[bj + p], su);
            sv = Math.fma(a[ai + p], bp[bl + p], sv);
        }
        if (store) {
            store2(su, sv, c, ci, j, l, alpha, beta);
        }
    }

    /**
     * The MR x 3L micro-kernel: {@link #kernel} one vector wider (24 accumulators, 3 vectors of B, one broadcast
     * per row: 28 of AVX-512's 32 vector registers; used only there), stored the same way. Each element goes
     * through the same operations as in the other kernels. Rows of B are {@code bs} apart.
     */
    static void kernel3(int kc, float[] a, int ai, int ars, int aps, float[] b, int bi, int bs,
                        float[] out, int oi, int ors, float alpha, float beta, boolean readC) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c10 = c00, c11 = c00, c12 = c00, c20 = c00, c21 = c00, c22 = c00, c30 = c00, c31 = c00, c32 = c00, c40 = c00, c41 = c00, c42 = c00, c50 = c00, c51 = c00, c52 = c00, c60 = c00, c61 = c00, c62 = c00, c70 = c00, c71 = c00, c72 = c00;
        final int r1 = ars, r2 = 2 * ars, r3 = 3 * ars, r4 = 4 * ars, r5 = 5 * ars, r6 = 6 * ars, r7 = 7 * ars;
        for (int p = 0; p < kc; p++) {
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
            FloatVector b2 = FloatVector.fromArray(S, b, bi + 2 * L);
            FloatVector x;
            x = FloatVector.broadcast(S, a[ai]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            c02 = x.fma(b2, c02);
            x = FloatVector.broadcast(S, a[ai + r1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            c12 = x.fma(b2, c12);
            x = FloatVector.broadcast(S, a[ai + r2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            c22 = x.fma(b2, c22);
            x = FloatVector.broadcast(S, a[ai + r3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            c32 = x.fma(b2, c32);
            x = FloatVector.broadcast(S, a[ai + r4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            c42 = x.fma(b2, c42);
            x = FloatVector.broadcast(S, a[ai + r5]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            c52 = x.fma(b2, c52);
            x = FloatVector.broadcast(S, a[ai + r6]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            c62 = x.fma(b2, c62);
            x = FloatVector.broadcast(S, a[ai + r7]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
            c72 = x.fma(b2, c72);
            ai += aps;
            bi += bs;
        }
        final int o0 = oi, o1 = oi + ors, o2 = oi + 2 * ors, o3 = oi + 3 * ors, o4 = oi + 4 * ors,
                o5 = oi + 5 * ors, o6 = oi + 6 * ors, o7 = oi + 7 * ors;
        if (alpha != 1f) {
            c00 = c00.mul(alpha);
            c01 = c01.mul(alpha);
            c02 = c02.mul(alpha);
            c10 = c10.mul(alpha);
            c11 = c11.mul(alpha);
            c12 = c12.mul(alpha);
            c20 = c20.mul(alpha);
            c21 = c21.mul(alpha);
            c22 = c22.mul(alpha);
            c30 = c30.mul(alpha);
            c31 = c31.mul(alpha);
            c32 = c32.mul(alpha);
            c40 = c40.mul(alpha);
            c41 = c41.mul(alpha);
            c42 = c42.mul(alpha);
            c50 = c50.mul(alpha);
            c51 = c51.mul(alpha);
            c52 = c52.mul(alpha);
            c60 = c60.mul(alpha);
            c61 = c61.mul(alpha);
            c62 = c62.mul(alpha);
            c70 = c70.mul(alpha);
            c71 = c71.mul(alpha);
            c72 = c72.mul(alpha);
        }
        if (readC) {
            FloatVector vb = FloatVector.broadcast(S, beta);
            c00 = FloatVector.fromArray(S, out, o0).fma(vb, c00);
            c01 = FloatVector.fromArray(S, out, o0 + L).fma(vb, c01);
            c02 = FloatVector.fromArray(S, out, o0 + 2 * L).fma(vb, c02);
            c10 = FloatVector.fromArray(S, out, o1).fma(vb, c10);
            c11 = FloatVector.fromArray(S, out, o1 + L).fma(vb, c11);
            c12 = FloatVector.fromArray(S, out, o1 + 2 * L).fma(vb, c12);
            c20 = FloatVector.fromArray(S, out, o2).fma(vb, c20);
            c21 = FloatVector.fromArray(S, out, o2 + L).fma(vb, c21);
            c22 = FloatVector.fromArray(S, out, o2 + 2 * L).fma(vb, c22);
            c30 = FloatVector.fromArray(S, out, o3).fma(vb, c30);
            c31 = FloatVector.fromArray(S, out, o3 + L).fma(vb, c31);
            c32 = FloatVector.fromArray(S, out, o3 + 2 * L).fma(vb, c32);
            c40 = FloatVector.fromArray(S, out, o4).fma(vb, c40);
            c41 = FloatVector.fromArray(S, out, o4 + L).fma(vb, c41);
            c42 = FloatVector.fromArray(S, out, o4 + 2 * L).fma(vb, c42);
            c50 = FloatVector.fromArray(S, out, o5).fma(vb, c50);
            c51 = FloatVector.fromArray(S, out, o5 + L).fma(vb, c51);
            c52 = FloatVector.fromArray(S, out, o5 + 2 * L).fma(vb, c52);
            c60 = FloatVector.fromArray(S, out, o6).fma(vb, c60);
            c61 = FloatVector.fromArray(S, out, o6 + L).fma(vb, c61);
            c62 = FloatVector.fromArray(S, out, o6 + 2 * L).fma(vb, c62);
            c70 = FloatVector.fromArray(S, out, o7).fma(vb, c70);
            c71 = FloatVector.fromArray(S, out, o7 + L).fma(vb, c71);
            c72 = FloatVector.fromArray(S, out, o7 + 2 * L).fma(vb, c72);
        }
        c00.intoArray(out, o0);
        c01.intoArray(out, o0 + L);
        c02.intoArray(out, o0 + 2 * L);
        c10.intoArray(out, o1);
        c11.intoArray(out, o1 + L);
        c12.intoArray(out, o1 + 2 * L);
        c20.intoArray(out, o2);
        c21.intoArray(out, o2 + L);
        c22.intoArray(out, o2 + 2 * L);
        c30.intoArray(out, o3);
        c31.intoArray(out, o3 + L);
        c32.intoArray(out, o3 + 2 * L);
        c40.intoArray(out, o4);
        c41.intoArray(out, o4 + L);
        c42.intoArray(out, o4 + 2 * L);
        c50.intoArray(out, o5);
        c51.intoArray(out, o5 + L);
        c52.intoArray(out, o5 + 2 * L);
        c60.intoArray(out, o6);
        c61.intoArray(out, o6 + L);
        c62.intoArray(out, o6 + 2 * L);
        c70.intoArray(out, o7);
        c71.intoArray(out, o7 + L);
        c72.intoArray(out, o7 + 2 * L);
    }

    /**
     * {@link #kernel3} for the first {@code MR / 2} rows of a strip, into {@code tile} (rows 3L apart): a last
     * strip of at most four rows, which the full kernel would multiply with four zero rows.
     */
    static void kernel3Half(int kc, float[] a, int ai, int ars, int aps, float[] b, int bi, int bs, float[] tile) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c10 = c00, c11 = c00, c12 = c00, c20 = c00,
                c21 = c00, c22 = c00, c30 = c00, c31 = c00, c32 = c00;
        final int r1 = ars, r2 = 2 * ars, r3 = 3 * ars;
        for (int p = 0; p < kc; p++) {
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
            FloatVector b2 = FloatVector.fromArray(S, b, bi + 2 * L);
            FloatVector x;
            x = FloatVector.broadcast(S, a[ai]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            c02 = x.fma(b2, c02);
            x = FloatVector.broadcast(S, a[ai + r1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            c12 = x.fma(b2, c12);
            x = FloatVector.broadcast(S, a[ai + r2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            c22 = x.fma(b2, c22);
            x = FloatVector.broadcast(S, a[ai + r3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            c32 = x.fma(b2, c32);
            ai += aps;
            bi += bs;
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, L);
        c02.intoArray(tile, 2 * L);
        c10.intoArray(tile, W3);
        c11.intoArray(tile, W3 + L);
        c12.intoArray(tile, W3 + 2 * L);
        c20.intoArray(tile, 2 * W3);
        c21.intoArray(tile, 2 * W3 + L);
        c22.intoArray(tile, 2 * W3 + 2 * L);
        c30.intoArray(tile, 3 * W3);
        c31.intoArray(tile, 3 * W3 + L);
        c32.intoArray(tile, 3 * W3 + 2 * L);
    }
}
