package io.github.vecprop.tensor;

import java.util.Arrays;

/**
 * An immutable tensor shape of rank 1 to 4, row-major. Also the home of the shape checks every layer
 * uses, so mismatch messages read the same everywhere: both shapes, in brackets.
 */
public final class Shape {
    /** The largest rank a tensor may have. */
    public static final int MAX_RANK = 4;

    private final int[] dims;
    private final int size;

    private Shape(int[] dims) {
        this.dims = dims;
        long n = 1;
        for (int d : dims) {
            n *= d;
        }
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("shape " + Arrays.toString(dims) + " has " + n
                    + " elements, more than a Java array can hold");
        }
        this.size = (int) n;
    }

    /**
     * A shape with the given dimensions (copied).
     *
     * @throws IllegalArgumentException if the rank is not 1 to 4 or a dimension is negative
     */
    public static Shape of(int... dims) {
        if (dims == null) {
            throw new IllegalArgumentException("shape dimensions are null");
        }
        if (dims.length < 1 || dims.length > MAX_RANK) {
            throw new IllegalArgumentException("shape " + Arrays.toString(dims) + " has rank " + dims.length
                    + "; ranks 1 to " + MAX_RANK + " are supported");
        }
        for (int d : dims) {
            if (d < 0) {
                throw new IllegalArgumentException("shape " + Arrays.toString(dims) + " has a negative dimension");
            }
        }
        return new Shape(dims.clone());
    }

    /** Number of dimensions. */
    public int rank() {
        return dims.length;
    }

    /** Size of dimension {@code i}; negative {@code i} counts from the end ({@code -1} is the last). */
    public int dim(int i) {
        int j = i < 0 ? dims.length + i : i;
        if (j < 0 || j >= dims.length) {
            throw new IllegalArgumentException("dimension " + i + " does not exist in shape " + this);
        }
        return dims[j];
    }

    /** Product of the dimensions. */
    public int size() {
        return size;
    }

    /** A copy of the dimensions. */
    public int[] dims() {
        return dims.clone();
    }

    /** Row-major flat index of {@code index}, checking rank and bounds. */
    public int flatIndex(int... index) {
        if (index == null || index.length != dims.length) {
            throw new IllegalArgumentException("index " + Arrays.toString(index) + " does not match the rank of shape " + this);
        }
        int flat = 0;
        for (int i = 0; i < dims.length; i++) {
            if (index[i] < 0 || index[i] >= dims[i]) {
                throw new IllegalArgumentException("index " + Arrays.toString(index) + " is out of bounds for shape " + this);
            }
            flat = flat * dims[i] + index[i];
        }
        return flat;
    }

    /** True if this is the matrix shape {@code [rows, cols]}. Not varargs, so per-step buffer checks allocate nothing. */
    public boolean is(int rows, int cols) {
        return dims.length == 2 && dims[0] == rows && dims[1] == cols;
    }

    /** True if the dimensions equal {@code dims}. */
    public boolean is(int... dims) {
        return Arrays.equals(this.dims, dims);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    /** The dimensions in brackets, e.g. {@code [100, 784]}. */
    @Override
    public String toString() {
        return Arrays.toString(dims);
    }

    /** Throws unless {@code t} is a matrix with at least one row: what every batch layer consumes. */
    public static void requireBatch(String what, Tensor t) {
        requireNonNull(what, t);
        if (t.rank() != 2) {
            throw new IllegalArgumentException(what + " must be a batch matrix (N x D), got shape " + t.shape());
        }
        if (t.dim(0) == 0) {
            throw new IllegalArgumentException(what + " is an empty batch: shape " + t.shape());
        }
    }

    /** Throws unless {@code a} and {@code b} have the same shape, naming both. */
    public static void requireSame(String whatA, Tensor a, String whatB, Tensor b) {
        requireNonNull(whatA, a);
        requireNonNull(whatB, b);
        if (!a.shape().equals(b.shape())) {
            throw new IllegalArgumentException(whatA + " has shape " + a.shape() + " but " + whatB
                    + " has shape " + b.shape() + "; they must match");
        }
    }

    /** Throws a clear {@link IllegalArgumentException} (not an NPE) if {@code o} is null. */
    public static void requireNonNull(String what, Object o) {
        if (o == null) {
            throw new IllegalArgumentException(what + " is null");
        }
    }
}
