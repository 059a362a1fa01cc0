package io.github.vecprop.train;

import io.github.vecprop.tensor.Tensor;

import java.util.concurrent.locks.LockSupport;

/**
 * Gathers mini-batches on a helper thread, up to {@link #DEPTH} ahead of the step that uses them, into a ring
 * of {@code DEPTH + 1} batch buffers it owns. The gather (100 scattered rows of a 188 MB training set: cache
 * misses, not arithmetic) then overlaps the steps instead of preceding them, on the second core (idle under a
 * one-thread step; with two gemm threads it shares that core with the gemm helper), and the batches are
 * exactly those the trainer would gather itself, so training gives the same bits.
 *
 * <p>Why three ahead, not one: a batch the helper has just written sits in its core's L2, and the step's core
 * reads it from there line by line. Measured on the 2-core Zen machine (784-50-10, batch 100, one gemm
 * thread, medians of 4,000-step rounds): one ahead, 226-272 µs per step; three ahead, 125-139 µs, as fast as
 * a batch already in the step's own cache (133-158). Two more gathers (each 313 KB read and 313 KB written)
 * push the batch out of the helper's 1 MB L2 into the shared L3 before the step reads it.
 *
 * <p>One trainer thread drives it: {@link #request} batches in order of {@code seq}, at most {@code DEPTH}
 * not yet awaited, then {@link #await} each and read it from {@link #x} and {@link #labels}; the hand-off
 * allocates nothing. {@link #close} stops the helper.
 */
final class BatchPrefetcher implements AutoCloseable {
    /** How many batches may be requested and not yet awaited. */
    static final int DEPTH = 3;
    private static final int RING = DEPTH + 1;

    private final float[] data;
    private final int[] labelsIn;
    private final int d;
    private final int batchSize;
    private final Tensor[] x = new Tensor[RING];
    private final int[][] t = new int[RING][];
    /** The first position in {@code order} of each ring slot's requested batch; written before {@code requested}. */
    private final int[] firsts = new int[RING];
    private final Thread trainer;
    private final Thread helper;
    // Written by the trainer before the volatile write of requested; read by the helper after reading it.
    private int[] order;
    private volatile int requested = -1;
    private volatile int gathered = -1;
    private volatile boolean closed;
    private volatile Throwable failure;

    /** A prefetcher over rows of {@code d} floats of {@code data} with their {@code labels}, in batches of {@code batchSize}. */
    BatchPrefetcher(float[] data, int d, int[] labels, int batchSize) {
        this.data = data;
        this.d = d;
        this.labelsIn = labels;
        this.batchSize = batchSize;
        for (int i = 0; i < RING; i++) {
            x[i] = Tensor.zeros(batchSize, d);
            t[i] = new int[batchSize];
        }
        this.trainer = Thread.currentThread();
        this.helper = new Thread(this::run, "vecprop-batch-gather");
        helper.setDaemon(true);
        helper.start();
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
        LockSupport.unpark(helper);
    }

    /**
     * Waits until batch {@code seq} is gathered. An interrupt does not end the wait, which lasts at most a few
     * gathers (microseconds): park then returns at once, the loop spins that long, and the status stays set.
     */
    void await(int seq) {
        while (gathered < seq) {
            Throwable f = failure;
            if (f != null) {
                throw new IllegalStateException("gathering a batch failed", f);
            }
            LockSupport.park(this);
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

    private void run() {
        int done = -1;
        try {
            while (!closed) {
                if (requested == done) {
                    LockSupport.park(this);
                    continue;
                }
                int next = done + 1;
                gather(order, firsts[next % RING], x[next % RING].data(), t[next % RING]);
                done = next;
                gathered = next;
                LockSupport.unpark(trainer);
            }
        } catch (Throwable e) {
            failure = e;
            LockSupport.unpark(trainer);
        }
    }

    private void gather(int[] order, int first, float[] xb, int[] tb) {
        for (int r = 0; r < batchSize; r++) {
            int row = order[first + r];
            System.arraycopy(data, row * d, xb, r * d, d);
            tb[r] = labelsIn[row];
        }
    }

    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(helper);
        try {
            helper.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
