package io.github.vecprop.jmh;

import io.github.vecprop.kernel.Kernels;
import io.github.vecprop.kernel.PixelCodes;

import java.util.SplittableRandom;

/**
 * The gather benchmarks' training set: 60,000 rows of 784 pixel values, a quarter of them nonzero (as in
 * Fashion-MNIST's images), as floats and as pixel codes, with one shuffled order of the rows to draw batches
 * of 100 from, as an epoch does.
 */
final class ImageSet {
    static final int N = 60_000;
    static final int D = 784;
    static final int BATCH = 100;
    /** The trainer's piece of gather (BatchPrefetcher.PIECE_ROWS). */
    static final int PIECE = 10;

    final Kernels kernels;
    final int lanes;
    final int perRow;
    final float[] data = new float[N * D];
    final int[] codes;
    final int[] order = new int[N];
    private int next;

    ImageSet(Kernels kernels) {
        this.kernels = kernels;
        this.lanes = kernels.codeLanes();
        this.perRow = PixelCodes.intsPerRow(D, lanes);
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < data.length; i++) {
            data[i] = r.nextInt(4) == 0 ? PixelCodes.value(r.nextInt(256)) : 0f;
        }
        codes = new int[N * perRow];
        if (!PixelCodes.pack(kernels, data, 0, N, D, lanes, codes, 0)) {
            throw new IllegalStateException("the set did not pack");
        }
        for (int i = 0; i < N; i++) {
            order[i] = i;
        }
        for (int i = N - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    }

    /** Where in {@link #order} the next batch starts, cycling through the epoch. */
    int nextBatch() {
        int f = next;
        next = f + BATCH >= N ? 0 : f + BATCH;
        return f;
    }

    /** The batch from {@code order[first]} into {@code batch}, copied from the floats. */
    void copyFloats(int first, float[] batch) {
        for (int r = 0; r < BATCH; r++) {
            System.arraycopy(data, order[first + r] * D, batch, r * D, D);
        }
    }

    /** The batch from {@code order[first]} into {@code batch}, widened from the codes as the trainer does; returns gather's sum. */
    int widenCodes(int first, float[] batch) {
        int sum = 0;
        for (int r = 0; r < BATCH; r += PIECE) {
            sum += PixelCodes.gather(kernels, codes, lanes, D, order, first + r, PIECE, batch, r * D);
        }
        return sum;
    }
}
