package io.github.vecprop.kernel;

import static io.github.vecprop.kernel.PanamaGemm.blockWidth;
import static io.github.vecprop.kernel.PanamaGemm.vectorColumns;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * A served dense layer on the Vector API ({@link Kernels#dense}): {@code C = A·W + b} with W packed once
 * ({@link #pack}) in the layout the kernels read, so no call packs anything.
 *
 * <h2>Layout</h2>
 * W ({@code k x n}) is cut into column blocks of three vectors ({@code 3L}, 48 floats with 16 lanes), and
 * at the right edge two or one; block b holds rows {@code p = 0 .. k} of its columns contiguously, from
 * {@code col0 * k}. The columns past the last whole vector, when there are at most {@link PanamaGemm#DOT_COLUMNS} of
 * them (the 2 of 50), are stored transposed after the blocks and computed as dot products; more are padded
 * into one last vector: the GEMM's panels and thin columns ({@link PanamaGemm#blockWidth}), held whole. So a
 * 784 x 50 layer's packed weights take exactly its 157 KB, and no lane of a 48-column block idles. The
 * one-to-four-row path reads the vector blocks from an aligned
 * copy off the heap ({@link RowBlocks}; 151 KB more for 784 x 50). A layer of nine or ten outputs
 * ({@link PanamaGemm#paired}) holds W a second time after its padded rows, in the layout of the GEMM's paired
 * narrow kernel ({@link PanamaGemm#packPaired}; 31 KB more for 784 x 10).
 *
 * <h2>Paths</h2>
 * From five rows on, the GEMM's blocked loop runs on these blocks ({@link PanamaGemm#multiplyPacked}), and a layer
 * narrower than a vector runs the GEMM's narrow kernels ({@link PanamaGemm#narrowPaired} on the second copy, or
 * {@link PanamaGemm#narrowPacked} on the padded rows): the same kernels, K blocks and thin columns, so five rows or more have {@link Kernels#gemm}'s bits (except where
 * gemm sums K in two halves, {@link PanamaGemm#splitsK}: a served product has one thread, and one pass is faster). One to four rows take a matrix-vector sweep per block over {@link RowBlocks}, bound by reading W from
 * L2, with the bias fused.
 * Single-threaded and allocation-free (scratch from {@link PanamaGemm.Scratch}).
 *
 * <h2>Zero inputs</h2>
 * A zero input adds nothing to a row's sums when every weight is finite ({@code 0 * w} is a signed zero, and
 * adding one leaves a sum's bits alone, except that a running sum of -0, left by an underflowed product,
 * turns +0: that difference in a zero's sign reaches the output only through a bias of exactly -0, so such a
 * bias keeps the full sweep too). So when W is finite, no bias is -0, and at most {@link #SKIP_MAX_DENSITY}
 * of the inputs under each chain of a row's sweep are nonzero (zeros are the pixels of an image's background,
 * the outputs of a ReLU), the matrix-vector sweep reads only the rows of W under the nonzero inputs: the same
 * chains, in the same order, so the same bits as the full sweep, from a fraction of the reads. With a NaN or
 * infinite weight every row is swept in full, so {@code 0 * inf} still gives its NaN.
 */
final class PanamaDense {
    private static final VectorSpecies<Float> S = PanamaGemm.S;
    private static final int L = PanamaGemm.L;
    private static final int NR = PanamaGemm.NR;
    private static final int W3 = PanamaGemm.W3;
    /** Lane indices, as many int lanes as S has float lanes. */
    private static final VectorSpecies<Integer> IS = S.withLanes(int.class);
    /**
     * A row skips its zero inputs when no chain of its sweep ({@link #skips}) has more than this share of
     * them nonzero: a row's time follows its longest chain, and the skipping sweep loads an index and a value
     * per row it reads. Measured, not tuned: on a Zen 3 (8 lanes, halves) Fashion-MNIST images (longest half
     * 59% nonzero for the median image) gained 1.3x at 0.75 (README, fourth session). On a Sapphire Rapids
     * core (16 lanes, quarters), where the aligned full sweep of 784 x 48 is bound by L2 at about 1.8 µs,
     * timing 1000 test images showed skipping even with the full sweep at about half of each quarter
     * nonzero, and images (densest quarter 71% nonzero) 15% slower at 0.75; with 0.5, 784-50-10 took
     * 2.50-2.63 µs on images in JMH, against 2.92-2.96 with the whole-row gate at 0.75 (fifth session).
     * Halves on 512-bit machines (layers with no three-vector block) share the 0.5, unmeasured.
     */
    static final double SKIP_MAX_DENSITY = S.vectorBitSize() >= 512 ? 0.5 : 0.75;
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    /** Alignment of {@link RowBlocks}: a cache line, and at least one vector. */
    private static final long ALIGN = Math.max(64, S.vectorByteSize());
    /** Bytes of a vector, and of a row of a block of three, two and one vectors. */
    private static final long VB = S.vectorByteSize(), ROW3 = 4L * W3, ROW2 = 2 * VB;

    private PanamaDense() {
    }

    /** Floats of a packed bias: whole vectors, zero-padded, so the kernels' vector loads stay inside it. */
    static int biasLength(int n) {
        return (n + L - 1) / L * L;
    }

    /** W ({@code k x n}, row-major from {@code wOff}) in the layout above. */
    static float[] pack(float[] w, int wOff, int k, int n) {
        int vc = vectorColumns(n);
        long size = (long) k * Math.max(vc, n); // vc >= n when the remainder is padded, else n - vc dot columns
        boolean paired = PanamaGemm.paired(n, k); // nine or ten columns: padded rows, then the paired layout
        if (paired) {
            size += PanamaGemm.pairedLength(k);
        }
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("packed dense weights of " + k + " x " + n + " are larger than a Java array");
        }
        float[] bp = new float[(int) size];
        for (int col0 = 0, width; col0 < vc; col0 += width) {
            width = blockWidth(vc, col0);
            int cols = Math.min(width, n - col0);
            int base = col0 * k;
            for (int p = 0; p < k; p++) {
                System.arraycopy(w, wOff + p * n + col0, bp, base + p * width, cols);
            }
        }
        for (int j = vc; j < n; j++) { // column j's K values from j * k: the blocks take vc * k floats
            for (int p = 0; p < k; p++) {
                bp[j * k + p] = w[wOff + p * n + j];
            }
        }
        if (paired) {
            PanamaGemm.packPaired(w, wOff, n, k, n, bp, pairedBase(k));
        }
        return bp;
    }

    /** Where {@link #pack} puts a narrow layer's paired layout ({@link PanamaGemm#paired}): after its k padded rows. */
    private static int pairedBase(int k) {
        return k * L;
    }

    /**
     * The vector blocks of a packed W (its first {@code vectorColumns(n) * k} floats) again, off the heap and
     * {@link #ALIGN}-aligned, for the one-to-four-row sweeps: a heap array's data sits wherever the collector put
     * it, and a vector load that straddles two cache lines reads at about two thirds the rate (the 784 x 48 sweep
     * of {@code WeightReadBenchmark} on a Sapphire Rapids core, in two runs: 1.79 and 1.94 µs aligned, 2.68 and
     * 2.81 µs with every load split, 2.27 and 2.56 µs on the heap; README, fifth session). {@code chains} holds,
     * block by block, the slices each chain of the full sweep reads (four quarters of a 3L block, two halves of a
     * narrower one), so that its loads sit at multiples of the loop index and their bounds checks leave the loop;
     * slicing per call would allocate whenever escape analysis gave up. Freed with the weights that hold it;
     * read-only, so any number of threads may share it.
     */
    record RowBlocks(MemorySegment all, MemorySegment[] chains) {
        static RowBlocks of(float[] bp, int k, int n) {
            int vc = vectorColumns(n);
            long floats = (long) vc * k;
            MemorySegment all = Arena.ofAuto().allocate(floats * Float.BYTES, ALIGN);
            MemorySegment.copy(bp, 0, all, ValueLayout.JAVA_FLOAT, 0, (int) floats);
            all = all.asReadOnly();
            java.util.List<MemorySegment> chains = new java.util.ArrayList<>();
            for (int col0 = 0, width; col0 < vc; col0 += width) {
                width = blockWidth(vc, col0);
                long row = 4L * width;
                long bo = 4L * col0 * k;
                int parts = chainsPerBlock(width);
                int part = k / parts;
                for (int t = 0; t < parts; t++) { // the last part takes the k % parts rows left over
                    int rows = t == parts - 1 ? k - (parts - 1) * part : part;
                    chains.add(all.asSlice(bo + t * part * row, rows * row));
                }
            }
            return new RowBlocks(all, chains.toArray(new MemorySegment[0]));
        }
    }

    /**
     * {@code C = A·W} for dense row-major A ({@code m x k}, row stride {@code lda}) and C ({@code m x n},
     * {@code ldc}), W packed by {@link #pack}; {@code bias} ({@link #biasLength} floats) is added to rows of at
     * most {@link PanamaGemm#SMALL_M} only (for more, the caller adds it). {@code skipZeros}: W is finite and
     * no bias is -0 ({@link DenseWeights#zerosSkippable}), so those rows may skip their zero inputs (see the
     * class doc).
     */
    static void multiply(int m, int n, int k, float[] a, int aOff, int lda, float[] bp, RowBlocks blocks,
                         float[] bias, boolean skipZeros, float[] c, int cOff, int ldc) {
        multiply(m, n, k, a, aOff, lda, bp, blocks, bias, skipZeros ? SKIP_MAX_DENSITY : -1, c, cOff, ldc);
    }

    /**
     * As above, rows of at most {@link PanamaGemm#SMALL_M} skipping their zero inputs when at most
     * {@code maxDensity} of the inputs under each chain are nonzero ({@link #skips}; negative: never; tests
     * force skipping with 1).
     */
    static void multiply(int m, int n, int k, float[] a, int aOff, int lda, float[] bp, RowBlocks blocks,
                         float[] bias, double maxDensity, float[] c, int cOff, int ldc) {
        boolean skipZeros = maxDensity >= 0;
        PanamaGemm.Scratch s = PanamaGemm.SCRATCH.get();
        if (m <= PanamaGemm.SMALL_M) {
            float[] values = skipZeros ? s.nonzeroValues(k + L) : null;
            int[] rows = skipZeros ? s.nonzeroRows(k + L) : null;
            for (int i = 0; i < m; i++) {
                int ai = aOff + i * lda;
                // Counted first, so a row with few zeros costs one compare per vector before its full sweep.
                if (skipZeros && skips(k, n, a, ai, maxDensity)) {
                    int nonzero = nonzeros(k, a, ai, values, rows);
                    values[nonzero] = 0f; // the slot a chain reads once its own rows are done: adds nothing
                    rows[nonzero] = 0;
                    gemvRow(k, n, a, ai, values, rows, nonzero, bp, blocks, bias, c, cOff + i * ldc, s.tile);
                } else {
                    gemvRow(k, n, a, ai, null, null, -1, bp, blocks, bias, c, cOff + i * ldc, s.tile);
                }
            }
            return;
        }
        if (n < L) { // the GEMM's narrow kernels, which store straight into C
            if (PanamaGemm.paired(n, k)) {
                PanamaGemm.narrowPaired(m, n, k, 1f, a, aOff, lda, bp, pairedBase(k), 0f, c, cOff, ldc, s.tile);
            } else {
                PanamaGemm.narrowPacked(false, m, n, k, 1f, a, aOff, lda, bp, 0f, c, cOff, ldc, s.tile);
            }
            return;
        }
        PanamaGemm.multiplyPacked(m, n, k, a, aOff, lda, bp, c, cOff, ldc);
    }

    /**
     * One row of {@code C = a·W + bias}: one sweep down K per block, bound by reading the block (from L2 for a
     * layer's worth of weights), with two chains of multiply-adds, over the first and the second half of K,
     * four over its quarters in three-vector blocks (streams from memory; measured on the Zen 5 here, more
     * streams read L2 faster), added at the end.
     * A block's sums leave through {@code tile}, so no vector store passes the row's end.
     * With {@code count >= 0} the blocks read only the rows of the {@code count} nonzero inputs that
     * {@link #nonzeros} listed (slot {@code count} holds a zero): each chain takes the same rows in the same
     * order, minus the zero ones, so every sum has the same bits. The dot columns read all of K either way:
     * they are a small part of W.
     */
    private static void gemvRow(int k, int n, float[] a, int ai, float[] values, int[] rows, int count,
                                float[] bp, RowBlocks blocks, float[] bias, float[] c, int ci, float[] tile) {
        int vc = vectorColumns(n);
        MemorySegment[] ch = blocks.chains();
        for (int col0 = 0, width, chain = 0; col0 < vc; col0 += width) {
            width = blockWidth(vc, col0);
            int bi = col0 * k;
            if (count >= 0) {
                if (width == 3 * L) {
                    gemv3Skipping(k, values, rows, count, blocks.all(), 4L * bi, bias, col0, tile);
                } else {
                    gemvHalvesSkipping(k, width, values, rows, count, blocks.all(), 4L * bi, bias, col0, tile);
                }
            } else if (width == 3 * L) {
                gemv3(k, a, ai, ch[chain], ch[chain + 1], ch[chain + 2], ch[chain + 3], bias, col0, tile);
            } else if (width == NR) {
                gemvFull(k, a, ai, ch[chain], ch[chain + 1], bias, col0, tile);
            } else {
                gemvOne(k, a, ai, ch[chain], ch[chain + 1], bias, col0, tile);
            }
            chain += chainsPerBlock(width);
            System.arraycopy(tile, 0, c, ci + col0, Math.min(width, n - col0));
        }
        for (int j = vc; j < n; j++) {
            c[ci + j] = PanamaGemm.dot(a, ai, bp, j * k, k, tile) + bias[j];
        }
    }

    /**
     * {@code tile[0 .. 3L) = a·block + bias[j ..]} for a block of three vectors (rows 3L apart), its quarters
     * in {@code b0 .. b3} ({@link RowBlocks}): four chains, over the four quarters of K, so four streams read
     * the block (a 784 x 48 block is 150 KB, from L2).
     */
    private static void gemv3(int k, float[] a, int ai, MemorySegment b0, MemorySegment b1, MemorySegment b2,
                              MemorySegment b3, float[] bias, int j, float[] tile) {
        FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, t0 = s0, t1 = s0, t2 = s0;
        FloatVector u0 = s0, u1 = s0, u2 = s0, v0 = s0, v1 = s0, v2 = s0;
        int q = k / 4;
        for (int p = 0; p < q; p++) {
            long o = p * ROW3;
            FloatVector w = FloatVector.broadcast(S, a[ai + p]);
            FloatVector x = FloatVector.broadcast(S, a[ai + q + p]);
            FloatVector y = FloatVector.broadcast(S, a[ai + 2 * q + p]);
            FloatVector z = FloatVector.broadcast(S, a[ai + 3 * q + p]);
            s0 = w.fma(FloatVector.fromMemorySegment(S, b0, o, NATIVE), s0);
            s1 = w.fma(FloatVector.fromMemorySegment(S, b0, o + VB, NATIVE), s1);
            s2 = w.fma(FloatVector.fromMemorySegment(S, b0, o + 2 * VB, NATIVE), s2);
            t0 = x.fma(FloatVector.fromMemorySegment(S, b1, o, NATIVE), t0);
            t1 = x.fma(FloatVector.fromMemorySegment(S, b1, o + VB, NATIVE), t1);
            t2 = x.fma(FloatVector.fromMemorySegment(S, b1, o + 2 * VB, NATIVE), t2);
            u0 = y.fma(FloatVector.fromMemorySegment(S, b2, o, NATIVE), u0);
            u1 = y.fma(FloatVector.fromMemorySegment(S, b2, o + VB, NATIVE), u1);
            u2 = y.fma(FloatVector.fromMemorySegment(S, b2, o + 2 * VB, NATIVE), u2);
            v0 = z.fma(FloatVector.fromMemorySegment(S, b3, o, NATIVE), v0);
            v1 = z.fma(FloatVector.fromMemorySegment(S, b3, o + VB, NATIVE), v1);
            v2 = z.fma(FloatVector.fromMemorySegment(S, b3, o + 2 * VB, NATIVE), v2);
        }
        for (int p = q; p < k - 3 * q; p++) { // the last k % 4 rows, in the fourth quarter
            long o = p * ROW3;
            FloatVector z = FloatVector.broadcast(S, a[ai + 3 * q + p]);
            v0 = z.fma(FloatVector.fromMemorySegment(S, b3, o, NATIVE), v0);
            v1 = z.fma(FloatVector.fromMemorySegment(S, b3, o + VB, NATIVE), v1);
            v2 = z.fma(FloatVector.fromMemorySegment(S, b3, o + 2 * VB, NATIVE), v2);
        }
        s0.add(t0).add(u0.add(v0)).add(FloatVector.fromArray(S, bias, j)).intoArray(tile, 0);
        s1.add(t1).add(u1.add(v1)).add(FloatVector.fromArray(S, bias, j + L)).intoArray(tile, L);
        s2.add(t2).add(u2.add(v2)).add(FloatVector.fromArray(S, bias, j + 2 * L)).intoArray(tile, 2 * L);
    }

    /**
     * {@code tile[0 .. NR) = a·panel + bias[j ..]} for a block of two vectors (rows 2L apart), as
     * {@link #gemv3} in halves.
     */
    private static void gemvFull(int k, float[] a, int ai, MemorySegment b0, MemorySegment b1, float[] bias, int j,
                                 float[] tile) {
        FloatVector s0 = FloatVector.zero(S), s1 = s0, t0 = s0, t1 = s0;
        int h = k / 2;
        long d = h * ROW2;
        for (int p = 0; p < h; p++) {
            long o = p * ROW2;
            FloatVector x = FloatVector.broadcast(S, a[ai + p]);
            FloatVector z = FloatVector.broadcast(S, a[ai + h + p]);
            s0 = x.fma(FloatVector.fromMemorySegment(S, b0, o, NATIVE), s0);
            s1 = x.fma(FloatVector.fromMemorySegment(S, b0, o + VB, NATIVE), s1);
            t0 = z.fma(FloatVector.fromMemorySegment(S, b1, o, NATIVE), t0);
            t1 = z.fma(FloatVector.fromMemorySegment(S, b1, o + VB, NATIVE), t1);
        }
        if (2 * h < k) {
            FloatVector z = FloatVector.broadcast(S, a[ai + 2 * h]);
            t0 = z.fma(FloatVector.fromMemorySegment(S, b1, d, NATIVE), t0);
            t1 = z.fma(FloatVector.fromMemorySegment(S, b1, d + VB, NATIVE), t1);
        }
        s0.add(t0).add(FloatVector.fromArray(S, bias, j)).intoArray(tile, 0);
        s1.add(t1).add(FloatVector.fromArray(S, bias, j + L)).intoArray(tile, L);
    }

    /** As {@link #gemvFull} for a block of one vector (rows L apart). */
    private static void gemvOne(int k, float[] a, int ai, MemorySegment b0, MemorySegment b1, float[] bias, int j,
                                float[] tile) {
        FloatVector s0 = FloatVector.zero(S), t0 = s0;
        int h = k / 2;
        long d = h * VB;
        for (int p = 0; p < h; p++) {
            long o = p * VB;
            s0 = FloatVector.broadcast(S, a[ai + p]).fma(FloatVector.fromMemorySegment(S, b0, o, NATIVE), s0);
            t0 = FloatVector.broadcast(S, a[ai + h + p]).fma(FloatVector.fromMemorySegment(S, b1, o, NATIVE), t0);
        }
        if (2 * h < k) {
            t0 = FloatVector.broadcast(S, a[ai + 2 * h]).fma(FloatVector.fromMemorySegment(S, b1, d, NATIVE), t0);
        }
        s0.add(t0).add(FloatVector.fromArray(S, bias, j)).intoArray(tile, 0);
    }

    /**
     * Whether the row {@code a[ai .. ai + k)} of an {@code n}-column layer skips its zero inputs at
     * {@code maxDensity}: its densest chain, quarters of K where the layer's first block has three vectors,
     * halves where it has two or one (as {@link #gemvRow} sweeps them), is at most that share nonzero.
     */
    static boolean skips(int k, int n, float[] a, int ai, double maxDensity) {
        return longestChainDensity(k, a, ai, chainsPerBlock(blockWidth(vectorColumns(n), 0))) <= maxDensity;
    }

    /** Chains of a one-row sweep over a block {@code width} columns wide: quarters of K for 3L, else halves. */
    private static int chainsPerBlock(int width) {
        return width == 3 * L ? 4 : 2;
    }

    /**
     * The highest share of nonzero inputs among {@code parts} equal chains over {@code a[ai .. ai + k)}, the
     * last one taking the {@code k % parts} inputs left over.
     */
    static double longestChainDensity(int k, float[] a, int ai, int parts) {
        int part = k / parts;
        double longest = 0;
        for (int t = 0; t < parts; t++) {
            int from = t * part;
            int len = t == parts - 1 ? k - from : part;
            if (len > 0) {
                longest = Math.max(longest, (double) nonzeroCount(len, a, ai + from) / len);
            }
        }
        return longest;
    }

    /** How many of {@code a[ai .. ai + k)} are nonzero (NaN is, -0 is not). */
    static int nonzeroCount(int k, float[] a, int ai) {
        int count = 0;
        int bound = S.loopBound(k);
        int p = 0;
        for (; p < bound; p += L) {
            count += FloatVector.fromArray(S, a, ai + p).compare(VectorOperators.NE, 0f).trueCount();
        }
        for (; p < k; p++) {
            count += a[ai + p] != 0f ? 1 : 0;
        }
        return count;
    }

    /**
     * The nonzero inputs of {@code a[ai .. ai + k)} in order, their values into {@code values} and their
     * indices into {@code rows} (both at least {@code k + L} long: each step stores a whole vector); returns
     * how many. A NaN is nonzero; -0 is zero.
     */
    static int nonzeros(int k, float[] a, int ai, float[] values, int[] rows) {
        int count = 0;
        IntVector index = IntVector.zero(IS).addIndex(1);
        int bound = S.loopBound(k);
        int p = 0;
        for (; p < bound; p += L) {
            FloatVector v = FloatVector.fromArray(S, a, ai + p);
            VectorMask<Float> keep = v.compare(VectorOperators.NE, 0f);
            v.compress(keep).intoArray(values, count);
            index.compress(keep.cast(IS)).intoArray(rows, count);
            count += keep.trueCount();
            index = index.add(L);
        }
        for (; p < k; p++) {
            float x = a[ai + p];
            values[count] = x;
            rows[count] = p;
            count += x != 0f ? 1 : 0;
        }
        return count;
    }

    /** The first of {@code rows[0 .. count)} (ascending) that is at least {@code p}, or {@code count}. */
    private static int firstAtLeast(int[] rows, int count, int p) {
        int lo = 0, hi = count;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (rows[mid] < p) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /**
     * {@link #gemv3}'s four chains, over the nonzero inputs of each quarter of K; a chain whose rows are done
     * reads the zero in slot {@code count} until the longest is done.
     */
    private static void gemv3Skipping(int k, float[] values, int[] rows, int count, MemorySegment b, long bo,
                                      float[] bias, int j, float[] tile) {
        FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, t0 = s0, t1 = s0, t2 = s0;
        FloatVector u0 = s0, u1 = s0, u2 = s0, v0 = s0, v1 = s0, v2 = s0;
        int q = k / 4;
        int e1 = firstAtLeast(rows, count, q);
        int e2 = firstAtLeast(rows, count, 2 * q);
        int e3 = firstAtLeast(rows, count, 3 * q); // the fourth quarter runs to k, as in gemv3
        int n0 = e1, n1 = e2 - e1, n2 = e3 - e2, n3 = count - e3;
        int longest = Math.max(Math.max(n0, n1), Math.max(n2, n3));
        for (int i = 0; i < longest; i++) {
            int i0 = i < n0 ? i : count;
            int i1 = i < n1 ? e1 + i : count;
            int i2 = i < n2 ? e2 + i : count;
            int i3 = i < n3 ? e3 + i : count;
            FloatVector w = FloatVector.broadcast(S, values[i0]);
            FloatVector x = FloatVector.broadcast(S, values[i1]);
            FloatVector y = FloatVector.broadcast(S, values[i2]);
            FloatVector z = FloatVector.broadcast(S, values[i3]);
            long o0 = bo + rows[i0] * ROW3, o1 = bo + rows[i1] * ROW3;
            long o2 = bo + rows[i2] * ROW3, o3 = bo + rows[i3] * ROW3;
            s0 = w.fma(FloatVector.fromMemorySegment(S, b, o0, NATIVE), s0);
            s1 = w.fma(FloatVector.fromMemorySegment(S, b, o0 + VB, NATIVE), s1);
            s2 = w.fma(FloatVector.fromMemorySegment(S, b, o0 + 2 * VB, NATIVE), s2);
            t0 = x.fma(FloatVector.fromMemorySegment(S, b, o1, NATIVE), t0);
            t1 = x.fma(FloatVector.fromMemorySegment(S, b, o1 + VB, NATIVE), t1);
            t2 = x.fma(FloatVector.fromMemorySegment(S, b, o1 + 2 * VB, NATIVE), t2);
            u0 = y.fma(FloatVector.fromMemorySegment(S, b, o2, NATIVE), u0);
            u1 = y.fma(FloatVector.fromMemorySegment(S, b, o2 + VB, NATIVE), u1);
            u2 = y.fma(FloatVector.fromMemorySegment(S, b, o2 + 2 * VB, NATIVE), u2);
            v0 = z.fma(FloatVector.fromMemorySegment(S, b, o3, NATIVE), v0);
            v1 = z.fma(FloatVector.fromMemorySegment(S, b, o3 + VB, NATIVE), v1);
            v2 = z.fma(FloatVector.fromMemorySegment(S, b, o3 + 2 * VB, NATIVE), v2);
        }
        s0.add(t0).add(u0.add(v0)).add(FloatVector.fromArray(S, bias, j)).intoArray(tile, 0);
        s1.add(t1).add(u1.add(v1)).add(FloatVector.fromArray(S, bias, j + L)).intoArray(tile, L);
        s2.add(t2).add(u2.add(v2)).add(FloatVector.fromArray(S, bias, j + 2 * L)).intoArray(tile, 2 * L);
    }

    /**
     * {@link #gemvFull} ({@code width} 2L) or {@link #gemvOne} (L): two chains, over the nonzero inputs of
     * each half of K, as {@link #gemv3Skipping}.
     */
    private static void gemvHalvesSkipping(int k, int width, float[] values, int[] rows, int count, MemorySegment b,
                                           long bo, float[] bias, int j, float[] tile) {
        int e = firstAtLeast(rows, count, k / 2); // the second half runs to k, as in gemvFull
        int n0 = e, n1 = count - e;
        int longest = Math.max(n0, n1);
        if (width == NR) {
            FloatVector s0 = FloatVector.zero(S), s1 = s0, t0 = s0, t1 = s0;
            for (int i = 0; i < longest; i++) {
                int i0 = i < n0 ? i : count;
                int i1 = i < n1 ? e + i : count;
                FloatVector x = FloatVector.broadcast(S, values[i0]);
                FloatVector z = FloatVector.broadcast(S, values[i1]);
                long o0 = bo + rows[i0] * ROW2, o1 = bo + rows[i1] * ROW2;
                s0 = x.fma(FloatVector.fromMemorySegment(S, b, o0, NATIVE), s0);
                s1 = x.fma(FloatVector.fromMemorySegment(S, b, o0 + VB, NATIVE), s1);
                t0 = z.fma(FloatVector.fromMemorySegment(S, b, o1, NATIVE), t0);
                t1 = z.fma(FloatVector.fromMemorySegment(S, b, o1 + VB, NATIVE), t1);
            }
            s0.add(t0).add(FloatVector.fromArray(S, bias, j)).intoArray(tile, 0);
            s1.add(t1).add(FloatVector.fromArray(S, bias, j + L)).intoArray(tile, L);
        } else {
            FloatVector s0 = FloatVector.zero(S), t0 = s0;
            for (int i = 0; i < longest; i++) {
                int i0 = i < n0 ? i : count;
                int i1 = i < n1 ? e + i : count;
                long o0 = bo + rows[i0] * VB, o1 = bo + rows[i1] * VB;
                s0 = FloatVector.broadcast(S, values[i0]).fma(FloatVector.fromMemorySegment(S, b, o0, NATIVE), s0);
                t0 = FloatVector.broadcast(S, values[i1]).fma(FloatVector.fromMemorySegment(S, b, o1, NATIVE), t0);
            }
            s0.add(t0).add(FloatVector.fromArray(S, bias, j)).intoArray(tile, 0);
        }
    }
}
