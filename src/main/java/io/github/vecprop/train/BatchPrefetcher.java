package io.github.vecprop.train;

import java.util.concurrent.locks.LockSupport;

/**
 * Gathers mini-batches on a helper thread, one ahead of the step that uses them: while the trainer's thread
 * runs step b on one buffer, the helper copies the rows of batch b+1 into the other. The gather (100 scattered
 * rows of a 188 MB training set: cache misses, not arithmetic) then overlaps the step instead of preceding it,
 * on the second core (idle under a one-thread step; with two gemm threads it shares that core with the gemm
 * helper), and the batches are exactly those the trainer would gather itself, so training gives the same bits.
 *
 * <p>One trainer thread drives it ({@link #request}, then {@link #await}); the hand-off allocates nothing.
 * {@link #close} stops the helper.
 */
final class BatchPrefetcher implements AutoCloseable {
    private final float[] data;
    private final int[] labels;
    private final int d;
    private final int batchSize;
    private final float[][] x = new float[2][];
    private final int[][] t = new int[2][];
    private final Thread trainer;
    private final Thread helper;
    // Written by the trainer before the volatile write of requested; read by the helper after reading it.
    private int[] order;
    private int first;
    private volatile int requested = -1;
    private volatile int gathered = -1;
    private volatile boolean closed;
    private volatile Throwable failure;

    BatchPrefetcher(float[] data, int d, int[] labels, int batchSize, float[] x0, float[] x1, int[] t0, int[] t1) {
        this.data = data;
        this.d = d;
        this.labels = labels;
        this.batchSize = batchSize;
        this.x[0] = x0;
        this.x[1] = x1;
        this.t[0] = t0;
        this.t[1] = t1;
        this.trainer = Thread.currentThread();
        this.helper = new Thread(this::run, "vecprop-batch-gather");
        helper.setDaemon(true);
        helper.start();
    }

    /**
     * Asks for the batch of rows {@code order[first .. first + batchSize)} in buffer {@code seq & 1}; {@code seq}
     * counts requests from 0. The previous request must have been awaited, and {@code order} must not change
     * until this one is.
     */
    void request(int seq, int[] order, int first) {
        this.order = order;
        this.first = first;
        requested = seq;
        LockSupport.unpark(helper);
    }

    /**
     * Waits until request {@code seq} is gathered. An interrupt does not end the wait, which lasts at most one
     * gather (microseconds): park then returns at once, the loop spins that long, and the status stays set.
     */
    void await(int seq) {
        while (gathered != seq) {
            Throwable f = failure;
            if (f != null) {
                throw new IllegalStateException("gathering a batch failed", f);
            }
            LockSupport.park(this);
        }
    }

    private void run() {
        int done = -1;
        try {
            while (!closed) {
                int r = requested;
                if (r == done) {
                    LockSupport.park(this);
                    continue;
                }
                gather(order, first, x[r & 1], t[r & 1]);
                done = r;
                gathered = r;
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
            tb[r] = labels[row];
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
