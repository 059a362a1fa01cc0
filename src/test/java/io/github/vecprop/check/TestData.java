package io.github.vecprop.check;

import java.util.SplittableRandom;

/** Seeded random test inputs: the same seed gives the same arrays, so a printed seed reproduces a failure. */
public final class TestData {
    private TestData() {
    }

    /** {@code n} floats uniform in {@code [lo, hi)}. */
    public static float[] uniform(long seed, int n, float lo, float hi) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (lo + (hi - lo) * rnd.nextDouble());
        }
        return a;
    }

    /** {@code n} floats with {@code min <= |x| < max} and random sign: kept away from zero, e.g. from ReLU's kink. */
    public static float[] awayFromZero(long seed, int n, float min, float max) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            float mag = (float) (min + (max - min) * rnd.nextDouble());
            a[i] = rnd.nextBoolean() ? mag : -mag;
        }
        return a;
    }

    /** {@code n} labels uniform in {@code [0, classes)}. */
    public static int[] labels(long seed, int n, int classes) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = rnd.nextInt(classes);
        }
        return t;
    }

    /** The one-hot matrix ({@code labels.length x classes}, flat) of {@code labels}. */
    public static float[] oneHot(int[] labels, int classes) {
        float[] t = new float[labels.length * classes];
        for (int i = 0; i < labels.length; i++) {
            t[i * classes + labels[i]] = 1f;
        }
        return t;
    }

    /** Widens to double. */
    public static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }

    /** Narrows to float. */
    public static float[] toFloat(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }

    /** {@code sum a[i] * b[i]} in double. */
    public static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
