package io.github.vecprop.kernel;

import io.github.vecprop.check.Properties;
import io.github.vecprop.check.Sizes;
import io.github.vecprop.check.TestData;
import org.junit.jupiter.api.Test;

import java.util.function.DoubleUnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link VectorMath}: every lane of the vector exp and tanh has exactly the bits of the scalar form
 * (which uses only strict Java float arithmetic, so it is the same interpreted and compiled), and both
 * are within 2 ulps of {@code Math.exp} / {@code Math.tanh}, with lanes drawn where tanh switches
 * formulas. Special values behave.
 */
class VectorMathProperties {
    private static final int LANES = PanamaKernels.SPECIES.length();

    /** A vector form over one whole vector of lanes: {@code y = f(x)}, both of length LANES. */
    interface VectorFn {
        void apply(float[] x, float[] y);
    }

    private static final VectorFn EXP = (x, y) -> VectorMath.exp(x, 0, 1f, y, 0, LANES);
    private static final VectorFn TANH = (x, y) -> VectorMath.tanh(x, 0, y, 0, LANES);

    interface ScalarFn {
        float apply(float v);
    }

    static void lanesMatchScalarAndReference(VectorFn vector, ScalarFn scalar, DoubleUnaryOperator reference,
                                             float lo, float hi, float bandLo, float bandHi, double ulps, double absFloor) {
        Properties.qt().forAll(Sizes.seeds()).checkAssert(seed -> {
            float[] x = TestData.uniform(seed, LANES, lo, hi);
            float[] band = TestData.uniform(seed + 1, LANES, bandLo, bandHi);
            // Some lanes near 0, at the ends of the range, and in the band where a formula switches.
            x[0] = x[0] * 1e-3f;
            x[LANES - 1] = (seed & 1) == 0 ? lo : hi;
            for (int i = 1; i < LANES / 2; i++) {
                x[i] = (i & 1) == 0 ? band[i] : -band[i];
            }
            float[] y = new float[LANES];
            vector.apply(x, y);
            for (int i = 0; i < LANES; i++) {
                float s = scalar.apply(x[i]);
                assertEquals(Float.floatToRawIntBits(s), Float.floatToRawIntBits(y[i]),
                        "lane " + i + " of x = " + x[i] + ": vector " + y[i] + ", scalar " + s);
                double ref = reference.applyAsDouble(x[i]);
                double err = Math.abs(s - ref);
                if (!(err <= ulps * Math.ulp((float) ref) || err <= absFloor)) {
                    throw new AssertionError("x = " + x[i] + ": " + s + " but the reference is " + ref + " (" + err / Math.ulp((float) ref)
                            + " ulps)");
                }
            }
        });
    }

    @Test
    void expIsDeterministicAndAccurate() {
        // Over the range softmax and sigmoid use; results below the smallest normal float are compared absolutely.
        lanesMatchScalarAndReference(EXP, VectorMath::exp, Math::exp, -87f, 88f, -1f, 1f, 2, 1e-37);
    }

    @Test
    void tanhIsDeterministicAndAccurate() {
        lanesMatchScalarAndReference(TANH, VectorMath::tanh, Math::tanh, -9f, 9f, 0.45f, 0.65f, 2, 0);
    }

    /** A vector function made of a scalar one, lane by lane, so both sides of a check carry the same planted bug. */
    private static VectorFn lanewise(ScalarFn f) {
        return (x, y) -> {
            for (int i = 0; i < x.length; i++) {
                y[i] = f.apply(x[i]);
            }
        };
    }

    @Test
    void catchesAnExpOrTanhThatIsOffByAFewUlps() {
        // The same slip on both sides: bit-equality holds, so only the accuracy check can catch it.
        ScalarFn exp = v -> VectorMath.exp(v) * (1f + 4e-7f);
        assertThrows(AssertionError.class, () -> lanesMatchScalarAndReference(lanewise(exp), exp, Math::exp,
                -87f, 88f, -1f, 1f, 2, 1e-37));
        // tanh's series with a coefficient rounded to three digits: wrong only inside the series band.
        ScalarFn tanh = v -> Math.abs(v) < 0.55f ? v * (1f - 0.333f * v * v) : VectorMath.tanh(v);
        assertThrows(AssertionError.class, () -> lanesMatchScalarAndReference(lanewise(tanh), tanh, Math::tanh,
                -9f, 9f, 0.45f, 0.65f, 2, 0));
        // And a vector side that differs from its scalar twin is caught by bit-equality.
        assertThrows(AssertionError.class, () -> lanesMatchScalarAndReference(EXP,
                v -> v < 0 ? VectorMath.exp(v) * (1f - 1e-6f) : VectorMath.exp(v), Math::exp, -87f, 88f, -1f, 1f, 2, 1e-37));
    }

    @Test
    void specialValues() {
        float[] x = new float[LANES];
        float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, 200f, -200f, 1e-30f};
        System.arraycopy(special, 0, x, 0, Math.min(LANES, special.length));
        float[] e = new float[LANES];
        float[] t = new float[LANES];
        EXP.apply(x, e);
        TANH.apply(x, t);
        assertEquals(Float.NaN, e[0]);
        assertEquals(Float.NaN, t[0]);
        assertEquals(1f, e[3]);
        assertEquals(1f, e[4]);
        assertEquals(0f, t[3]);
        if (LANES >= 8) {
            assertEquals((float) Math.exp(88), e[1], Math.ulp((float) Math.exp(88)) * 2, "clamped above");
            assertEquals(1f, t[1]);
            assertEquals(-1f, t[2]);
            assertEquals(1f, t[5]);
            assertEquals(-1f, t[6]);
            assertEquals(1e-30f, t[7]);
            assertEquals(true, e[2] >= 0 && e[2] < 1.2e-38f, "clamped below: " + e[2]);
        }
    }
}
