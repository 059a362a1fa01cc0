package io.github.vecprop.kernel;

/** Bounds checks shared by both kernel implementations, so a bad call fails the same way on either. */
final class Checks {
    private Checks() {
    }

    /** Throws unless {@code [off, off + len)} lies inside {@code array}. */
    static void range(String what, float[] array, int off, long len) {
        if (array == null) {
            throw new IllegalArgumentException(what + " is null");
        }
        if (off < 0 || len < 0 || off + len > array.length) {
            throw new IllegalArgumentException(what + ": elements [" + off + ", " + (off + len) + ") are outside its array of length "
                    + array.length);
        }
    }

    /** Throws unless {@code [off, off + len)} lies inside {@code array}. */
    static void range(String what, int[] array, int off, long len) {
        if (array == null) {
            throw new IllegalArgumentException(what + " is null");
        }
        if (off < 0 || len < 0 || off + len > array.length) {
            throw new IllegalArgumentException(what + ": elements [" + off + ", " + (off + len) + ") are outside its array of length "
                    + array.length);
        }
    }

    /** Throws unless the dimensions are non-negative; returns {@code rows * cols} as a long. */
    static long dims(int rows, int cols) {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("negative dimensions: rows=" + rows + ", cols=" + cols);
        }
        return (long) rows * cols;
    }

    /** Throws unless every label lies in {@code [0, cols)}, naming the first that does not. */
    static void labels(int[] labels, int off, int rows, int cols) {
        range("labels", labels, off, rows);
        for (int r = 0; r < rows; r++) {
            int t = labels[off + r];
            if (t < 0 || t >= cols) {
                throw new IllegalArgumentException("label " + t + " at row " + r + " is outside [0, " + cols + ")");
            }
        }
    }

    /** The arguments of the batch-norm kernels: one {@code rows x cols} block, four column vectors, two more blocks. */
    static void batchNorm(float[] block, int rows, int cols, float[] v1, float[] v2, float[] v3, float[] v4,
                          float[] block2, float[] block3) {
        if (rows < 1) {
            throw new IllegalArgumentException("batch normalisation needs at least one row, got rows=" + rows);
        }
        long size = dims(rows, cols);
        range("x", block, 0, size);
        range("column vector", v1, 0, cols);
        range("column vector", v2, 0, cols);
        range("column vector", v3, 0, cols);
        range("column vector", v4, 0, cols);
        range("block", block2, 0, size);
        range("block", block3, 0, size);
    }

    /** The arguments of {@code scaleShiftColumns}: two {@code rows x cols} blocks and two column vectors. */
    static void scaleShift(float[] x, int xOff, int rows, int cols, float[] scale, float[] shift, float[] y, int yOff) {
        long size = dims(rows, cols);
        range("x", x, xOff, size);
        range("y", y, yOff, size);
        range("scale", scale, 0, cols);
        range("shift", shift, 0, cols);
    }
}
