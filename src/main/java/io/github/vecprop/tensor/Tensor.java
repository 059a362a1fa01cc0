package io.github.vecprop.tensor;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A dense float32 tensor: a flat row-major {@code float[]} and a {@link Shape} of rank 1 to 4.
 *
 * <p>Ownership: {@link #of(float[], int...)} wraps the caller's array without copying, and
 * {@link #data()} returns the backing array itself, so kernels can work on it in place. A reshape
 * shares the array too; {@link #copy()} is the only way to get independent storage. Tensors are not
 * thread-safe for writing; concurrent reads of a tensor nobody writes are safe.
 */
public final class Tensor {
    private final float[] data;
    private final Shape shape;

    private Tensor(float[] data, Shape shape) {
        this.data = data;
        this.shape = shape;
    }

    /** A tensor of zeros. */
    public static Tensor zeros(int... shape) {
        Shape s = Shape.of(shape);
        return new Tensor(new float[s.size()], s);
    }

    /** A tensor with every element set to {@code value}. */
    public static Tensor filled(float value, int... shape) {
        Tensor t = zeros(shape);
        Arrays.fill(t.data, value);
        return t;
    }

    /**
     * Wraps {@code data} (not copied) as a tensor of the given shape.
     *
     * @throws IllegalArgumentException if {@code data.length} is not the product of the shape
     */
    public static Tensor of(float[] data, int... shape) {
        Shape.requireNonNull("data", data);
        Shape s = Shape.of(shape);
        if (data.length != s.size()) {
            throw new IllegalArgumentException("data has " + data.length + " elements but shape " + s
                    + " needs " + s.size());
        }
        return new Tensor(data, s);
    }

    /**
     * Elements drawn independently from a normal distribution with mean 0 and standard deviation
     * {@code std}, from a {@link SplittableRandom} seeded with {@code seed}: the same seed gives the
     * same tensor on every JVM.
     */
    public static Tensor gaussian(long seed, float std, int... shape) {
        Tensor t = zeros(shape);
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = 0; i < t.data.length; i++) {
            t.data[i] = (float) (std * gaussian(rnd));
        }
        return t;
    }

    /** A standard normal variate by the polar method, so a seed's sequence is fixed by this code, not by the JDK's unspecified nextGaussian. */
    private static double gaussian(SplittableRandom rnd) {
        double u;
        double v;
        double s;
        do {
            u = 2 * rnd.nextDouble() - 1;
            v = 2 * rnd.nextDouble() - 1;
            s = u * u + v * v;
        } while (s >= 1 || s == 0);
        return u * Math.sqrt(-2 * Math.log(s) / s);
    }

    /** The shape. */
    public Shape shape() {
        return shape;
    }

    /** Number of dimensions. */
    public int rank() {
        return shape.rank();
    }

    /** Size of dimension {@code i} (negative counts from the end). */
    public int dim(int i) {
        return shape.dim(i);
    }

    /** Number of elements. */
    public int size() {
        return data.length;
    }

    /** The backing array itself (not a copy): writes through it change this tensor. */
    public float[] data() {
        return data;
    }

    /** The element at {@code index} (one coordinate per dimension). */
    public float get(int... index) {
        return data[shape.flatIndex(index)];
    }

    /** Sets the element at {@code index} (one coordinate per dimension) to {@code value}. */
    public void set(float value, int... index) {
        data[shape.flatIndex(index)] = value;
    }

    /**
     * A view of the same data with another shape of the same size; no copy, writes are shared.
     *
     * @throws IllegalArgumentException if the sizes differ
     */
    public Tensor reshape(int... newShape) {
        Shape s = Shape.of(newShape);
        if (s.size() != shape.size()) {
            throw new IllegalArgumentException("cannot reshape " + shape + " (" + shape.size() + " elements) to " + s
                    + " (" + s.size() + " elements)");
        }
        return new Tensor(data, s);
    }

    /** An independent copy. */
    public Tensor copy() {
        return new Tensor(data.clone(), shape);
    }

    /** Copies {@code src}'s elements into this tensor; the shapes must be equal. */
    public void copyFrom(Tensor src) {
        Shape.requireSame("destination", this, "source", src);
        System.arraycopy(src.data, 0, data, 0, data.length);
    }

    /** Sets every element to {@code value}. */
    public void fill(float value) {
        Arrays.fill(data, value);
    }

    /** The shape and, for small tensors, the elements. */
    @Override
    public String toString() {
        if (data.length <= 16) {
            return "Tensor" + shape + " " + Arrays.toString(data);
        }
        return "Tensor" + shape;
    }
}
