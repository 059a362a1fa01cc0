package io.github.vecprop.train;

import io.github.vecprop.kernel.GemmThreads;
import io.github.vecprop.kernel.Kernels;
import io.github.vecprop.kernel.PixelCodes;
import io.github.vecprop.tensor.Tensor;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * Gathers mini-batches up to {@link #DEPTH} ahead of the step that uses them, mostly off the trainer's critical
 * path, into a ring of {@code DEPTH + 1} batch buffers it owns. The gather (100 scattered rows of a 188 MB
 * training set, or of its 50 MB of {@link PixelCodes} when the trainer packed them: cache misses, not
 * arithmetic) then overlaps the steps instead of preceding them, and the batches are exactly those the trainer
 * would gather itself, so training gives the same bits.
 *
 * <p>Who gathers: with a default gemm parallelism above 1, the gemm pool's helpers, in pieces of
 * {@link #PIECE_ROWS} rows between the products they help with, and the trainer's thread while it waits for
 * them in a product ({@link GemmThreads#offerIdleWork}); otherwise a thread of its own, on the other core. A
 * helper spins between a step's products, so a thread of our own on the same core
 * got the core only when the scheduler took it from the helper, and the products then ran on one thread:
 * measured with two gemm threads (harness, real data), 213-219 µs per step with a spinning gather thread,
 * 81-107 with the batches gathered beforehand.
 *
 * <p>Why three ahead, not one: a batch the helper has just written sits in its core's L2, and the step's core
 * reads it from there line by line. Measured on the 2-core Zen machine (784-50-10, batch 100, one gemm
 * thread, medians of 4,000-step rounds): one ahead, 226-272 µs per step; three ahead, 125-139 µs, as fast as
 * a batch already in the step's own cache (133-158). Two more gathers (each 313 KB read and 313 KB written)
 * push the batch out of the helper's 1 MB L2 into the shared L3 before the step reads it.
 *
 * <p>One trainer thread drives it: {@link #request} batches in order of {@code seq}, at most {@code DEPTH}
 * not yet awaited, then {@link #await} each and read it from {@link #x} and {@link #labels}; the hand-off
 * allocates nothing. {@link #close} stops the gathering.
 */
final class BatchPrefetcher implements AutoCloseable, GemmThreads.IdleWork {
    /** How many batches may be requested and not yet awaited. */
    static final int DEPTH = 3;
    private static final int RING = DEPTH + 1;
    /**
     * Rows per piece of gather (31 KB of 784-pixel images, a few microseconds): the longest a helper busy with a
     * piece leaves a product to run on fewer threads, and the longest the trainer's thread, running one while it
     * waits for a helper, finishes after that helper. Alternated within one run against 5, 20, 25, 50 and 100
     * rows, 10 was best or within 2%.
     */
    static final int PIECE_ROWS = 10;
    /**
     * How long {@link #await} spins while other threads hold the pieces (one takes a few µs) before it parks: a
     * park asked for 20 µs slept 97 µs (median) on the 2-core KVM machine. With two gemm threads and 10,000 steps
     * (E2E harness, alternated three times) the trainer parked 212-2,561 times a run and waited 81-206 ms in all
     * before; 95-303 times and 60-118 ms with the spin.
     */
    static final long AWAIT_SPIN_NANOS = 50_000L;

    private final float[] data;
    /** The rows of {@code data} as pixel codes ({@link PixelCodes}, {@code lanes} lanes), or null to copy floats. */
    private final int[] codes;
    private final Kernels kernels;
    private final int lanes;
    private final int[] labelsIn;
    /** What the last {@link PixelCodes#gather} read through, kept so that pass stays. */
    private int touched;
    private final int d;
    private final int batchSize;
    private final Tensor[] x = new Tensor[RING];
    private final int[][] t = new int[RING][];
    /** The first position in {@code order} of each ring slot's requested batch; written before {@code requested}. */
    private final int[] firsts = new int[RING];
    private final Thread trainer;
    /** The gathering thread of our own, or null when the gemm pool's helpers gather. */
    private final Thread helper;
    /** Held by whoever runs a piece: the pieces' state below is touched only under it. */
    private final AtomicBoolean busy = new AtomicBoolean();
    private int done = -1;
    private int row;
    // Written by the trainer before the volatile write of requested; read by a gatherer after reading it.
    private int[] order;
    private volatile int requested = -1;
    private volatile int gathered = -1;
    private volatile boolean closed;
    private volatile Throwable failure;

    /**
     * A prefetcher over rows of {@code d} floats of {@code data} with their {@code labels}, in batches of
     * {@code batchSize}. With {@code codes} not null (the same rows packed by {@link PixelCodes#pack} with
     * {@code kernels.codeLanes()} lanes), batches are widened from them instead, with the same bits.
     */
    BatchPrefetcher(float[] data, int[] codes, Kernels kernels, int d, int[] labels, int batchSize) {
        this.data = data;
        this.codes = codes;
        this.kernels = kernels;
        this.lanes = kernels.codeLanes();
        this.d = d;
        this.labelsIn = labels;
        this.batchSize = batchSize;
        for (int i = 0; i < RING; i++) {
            x[i] = Tensor.zeros(batchSize, d);
            t[i] = new int[batchSize];
        }
        this.trainer = Thread.currentThread();
        if (GemmThreads.offerIdleWork(this)) {
            this.helper = null;
        } else {
            this.helper = new Thread(this::run, "vecprop-batch-gather");
            helper.setDaemon(true);
            helper.start();
        }
    }

    /**
     * Asks for the batch of rows {@code order[first .. first + batchSize)} as batch {@code seq}; {@code seq}
     * counts requests from 0, one more each call. At most {@link #DEPTH} requests may be outstanding (not yet
     * awaited), and {@code order} must be the same array, unchanged, until all of them are awaited.
     */
    void request(int seq, int[] order, int first) {
        this.order = order;
        firsts[seq % RING] = first;
        requested = seq;
        if (helper == null) {
            GemmThreads.idleWorkArrived();
        } else {
            LockSupport.unpark(helper);
        }
    }

    /**
     * Waits until batch {@code seq} is gathered, gathering pieces itself when no one else is (so the wait does
     * not depend on helpers that another caller's products keep busy). While other threads run the pieces, it
     * spins for up to {@link #AWAIT_SPIN_NANOS} since it last ran one itself, then parks 20 µs at a time, trying
     * between parks. An interrupt does not end the wait, which lasts at most a few gathers (microseconds): park
     * then returns at once, the loop spins that long, and the status stays set.
     */
    void await(int seq) {
        boolean spinning = false;
        long spinStart = 0;
        while (gathered < seq) {
            Throwable f = failure;
            if (f != null) {
                throw new IllegalStateException("gathering a batch failed", f);
            }
            if (runPiece()) {
                spinning = false;
                continue;
            }
            long now = System.nanoTime();
            if (!spinning) {
                spinning = true;
                spinStart = now;
            }
            if (now - spinStart < AWAIT_SPIN_NANOS) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(this, 20_000L);
            }
        }
    }

    /**
     * The rows of batch {@code seq} ({@code batchSize x d}), a prefetcher-owned buffer: valid from
     * {@link #await}{@code (seq)} until request {@code seq + DEPTH + 1}, which reuses it, is made.
     */
    Tensor x(int seq) {
        return x[seq % RING];
    }

    /** The labels of batch {@code seq}, valid as {@link #x}. */
    int[] labels(int seq) {
        return t[seq % RING];
    }

    /** Gathers the next {@link #PIECE_ROWS} rows of the next requested batch, if there is one and no one else is. */
    @Override
    public boolean runPiece() {
        // Volatile reads first: the waiting trainer and idle helpers call this in their spin loops, and a
        // compare-and-set on busy for nothing would pass its line between the cores on every turn.
        if (!hasPendingWork() || busy.get() || !busy.compareAndSet(false, true)) {
            return false;
        }
        try {
            if (closed || failure != null || requested == done) {
                return false;
            }
            int next = done + 1;
            int slot = next % RING;
            int end = Math.min(row + PIECE_ROWS, batchSize);
            int[] o = order;
            int first = firsts[slot];
            float[] xb = x[slot].data();
            int[] tb = t[slot];
            for (int r = row; r < end; r++) {
                tb[r] = labelsIn[o[first + r]];
            }
            if (codes == null) {
                for (int r = row; r < end; r++) {
                    System.arraycopy(data, o[first + r] * d, xb, r * d, d);
                }
            } else {
                touched = PixelCodes.gather(kernels, codes, lanes, d, o, first + row, end - row, xb, row * d);
            }
            row = end;
            if (row == batchSize) {
                row = 0;
                done = next;
                gathered = next;
                LockSupport.unpark(trainer);
            }
            return true;
        } catch (Throwable e) {
            failure = e;
            LockSupport.unpark(trainer);
            return false;
        } finally {
            busy.set(false);
        }
    }

    @Override
    public boolean hasPendingWork() {
        return !closed && failure == null && requested > gathered;
    }

    private void run() {
        while (!closed && failure == null) {
            if (!runPiece()) {
                LockSupport.park(this);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        if (helper == null) {
            GemmThreads.removeIdleWork(this);
            while (busy.get()) { // a piece a helper started before it saw closed
                Thread.onSpinWait();
            }
            return;
        }
        LockSupport.unpark(helper);
        try {
            helper.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
