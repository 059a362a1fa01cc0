package io.github.vecprop.net;

import java.util.function.ToDoubleFunction;

/**
 * The origin notes' {@code numerical_gradient}: a central difference {@code (f(x+h) - f(x-h)) / 2h}
 * for every element of a parameter array in turn ({@code nditer} order, which for a flat row-major
 * array is index order), perturbing the array in place and restoring each element afterwards.
 *
 * <p>Two precisions. The float32 form is what a user checks backprop with; in float32 the notes'
 * h = 1e-4 is mostly rounding noise (a loss near 1 has an ulp of about 1e-7, so the difference
 * quotient's error is about 1e-3), so the default step is {@link #FLOAT_STEP} = 5e-3, for which
 * backprop and numerical gradients typically agree to a relative error of about 1e-2. The double form, with
 * {@link #DOUBLE_STEP} = 1e-6, is for tests that compute the loss on a double-precision reference
 * path; there the agreement is about 1e-6.
 *
 * <p>The loss function receives the perturbed array itself and may also read it through any other
 * reference (as the notes' {@code lambda _: net.loss(x, t)} does). Not thread-safe with respect to
 * the array: nothing else may use it during the call.
 */
public final class NumericalGradient {
    /** Default central-difference step for float32 losses. */
    public static final float FLOAT_STEP = 5e-3f;
    /** Default central-difference step for double-precision losses. */
    public static final double DOUBLE_STEP = 1e-6;

    private NumericalGradient() {
    }

    /** {@link #numericalGradient(ToDoubleFunction, float[], float)} with {@link #FLOAT_STEP}. */
    public static float[] numericalGradient(ToDoubleFunction<float[]> f, float[] x) {
        return numericalGradient(f, x, FLOAT_STEP);
    }

    /**
     * The gradient of {@code f} at {@code x} by central differences with step {@code h}; a new array
     * the size of {@code x}. Every element of {@code x} is restored bit for bit, even if {@code f} throws.
     */
    public static float[] numericalGradient(ToDoubleFunction<float[]> f, float[] x, float h) {
        requireArgs(f, x, h);
        float[] grad = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            float saved = x[i];
            try {
                x[i] = saved + h;
                double fxh1 = f.applyAsDouble(x);
                x[i] = saved - h;
                double fxh2 = f.applyAsDouble(x);
                // Divide by the step actually taken: saved + h rounds in float32.
                grad[i] = (float) ((fxh1 - fxh2) / ((double) (saved + h) - (double) (saved - h)));
            } finally {
                x[i] = saved;
            }
        }
        return grad;
    }

    /** {@link #numericalGradient(ToDoubleFunction, double[], double)} with {@link #DOUBLE_STEP}. */
    public static double[] numericalGradient(ToDoubleFunction<double[]> f, double[] x) {
        return numericalGradient(f, x, DOUBLE_STEP);
    }

    /** The double-precision twin of {@link #numericalGradient(ToDoubleFunction, float[], float)}. */
    public static double[] numericalGradient(ToDoubleFunction<double[]> f, double[] x, double h) {
        requireArgs(f, x, h);
        double[] grad = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double saved = x[i];
            try {
                x[i] = saved + h;
                double fxh1 = f.applyAsDouble(x);
                x[i] = saved - h;
                double fxh2 = f.applyAsDouble(x);
                grad[i] = (fxh1 - fxh2) / (2 * h);
            } finally {
                x[i] = saved;
            }
        }
        return grad;
    }

    /**
     * The relative error {@code |a - n| / max(|a| + |n|, floor)} of an analytic gradient element
     * {@code a} against a numerical one {@code n}; the floor keeps near-zero gradients from turning
     * rounding noise into large relative errors.
     */
    public static double relativeError(double a, double n, double floor) {
        return Math.abs(a - n) / Math.max(Math.abs(a) + Math.abs(n), floor);
    }

    private static void requireArgs(Object f, Object x, double h) {
        if (f == null) {
            throw new IllegalArgumentException("loss function is null");
        }
        if (x == null) {
            throw new IllegalArgumentException("parameter array is null");
        }
        if (!(h > 0) || Double.isInfinite(h)) {
            throw new IllegalArgumentException("step h must be positive and finite, got " + h);
        }
    }
}
