package io.github.vecprop.check;

import io.github.vecprop.net.NumericalGradient;

/**
 * Compares an analytic (backprop) gradient with a numerical one by the relative error
 * {@code |a - n| / max(|a| + |n|, floor)} ({@link NumericalGradient#relativeError}).
 */
public final class GradientAssert {
    /** Relative error accepted between a float32 backward pass and a double-precision numerical gradient. */
    public static final double TOLERANCE = 1e-3;
    /** Below this magnitude, errors are measured absolutely rather than relatively. */
    public static final double FLOOR = 1e-3;

    private GradientAssert() {
    }

    /** Throws an {@link AssertionError} naming the worst element if any relative error exceeds {@code tolerance}. */
    public static void assertGradient(String what, float[] analytic, double[] numerical, double tolerance, double floor) {
        if (analytic.length != numerical.length) {
            throw new AssertionError(what + ": analytic gradient has " + analytic.length + " elements, numerical "
                    + numerical.length);
        }
        double worst = 0;
        int at = -1;
        for (int i = 0; i < analytic.length; i++) {
            double e = NumericalGradient.relativeError(analytic[i], numerical[i], floor);
            if (!(e <= worst)) {
                worst = e;
                at = i;
            }
        }
        if (!(worst <= tolerance)) {
            throw new AssertionError(what + ": relative error " + worst + " > " + tolerance + " at element " + at
                    + " (backprop " + analytic[at] + ", numerical " + numerical[at] + ")");
        }
    }

    /** {@link #assertGradient(String, float[], double[], double, double)} with {@link #TOLERANCE} and {@link #FLOOR}. */
    public static void assertGradient(String what, float[] analytic, double[] numerical) {
        assertGradient(what, analytic, numerical, TOLERANCE, FLOOR);
    }

    /** Throws unless {@code |actual[i] - expected[i]| <= tolerance} for every element. */
    public static void assertClose(String what, float[] actual, double[] expected, double tolerance) {
        for (int i = 0; i < expected.length; i++) {
            if (!(Math.abs(actual[i] - expected[i]) <= tolerance)) {
                throw new AssertionError(what + ": element " + i + " is " + actual[i] + ", expected " + expected[i]
                        + " within " + tolerance);
            }
        }
    }
}
