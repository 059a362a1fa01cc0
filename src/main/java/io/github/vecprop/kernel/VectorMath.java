package io.github.vecprop.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * exp and tanh on vectors from IEEE add, multiply, fma, divide and bit operations only, so every lane
 * gets the same bits whether the code runs interpreted, in C1 or in C2, on any machine.
 * {@code lanewise(EXP)} does not: it computes in Java until C2 replaces it with a native math
 * library whose results differ in the last bit (seen: sigmoid changed in 95% of calls once compiled),
 * which would let a model disagree with its own net, or a run with itself.
 *
 * <p>The scalar forms repeat the vector forms operation for operation (fma for fma), so a kernel's
 * scalar or masked tail gives the same bits as a full vector would, and a result never depends on
 * which path an element took. Both stay within a few ulps of {@code Math.exp} / {@code Math.tanh}. The methods are small so
 * that C2 inlines them into the kernels' loops (a vector passed to a call that is not inlined is boxed).
 */
final class VectorMath {
    // exp: x = n ln2 + r with n = round(x / ln2) and |r| <= ln2 / 2; e^r by Cephes' expf polynomial; 2^n from bits.
    private static final float EXP_HI = 88.0f;
    private static final float EXP_LO = -87.33f;
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    // Adding 1.5 * 2^23 rounds to an integer (to nearest even) and leaves it in the low mantissa bits.
    private static final float ROUND = 12582912f;
    private static final int ROUND_BITS = Float.floatToRawIntBits(ROUND);
    private static final float P0 = 1.9875691500e-4f;
    private static final float P1 = 1.3981999507e-3f;
    private static final float P2 = 8.3334519073e-3f;
    private static final float P3 = 4.1665795894e-2f;
    private static final float P4 = 1.6666665459e-1f;
    private static final float P5 = 5.0000001201e-1f;
    // tanh below 1/4: its Taylor series to x^9 (the next term is below 1e-8 relative there).
    private static final float TANH_SMALL = 0.25f;
    private static final float T1 = -1f / 3;
    private static final float T2 = 2f / 15;
    private static final float T3 = -17f / 315;
    private static final float T4 = 62f / 2835;

    private VectorMath() {
    }

    /** e^x per lane; inputs above 88 give e^88, below -87.33 give e^-87.33 (about 1.2e-38); NaN stays NaN. */
    static FloatVector exp(FloatVector x) {
        FloatVector c = x.max(EXP_LO).min(EXP_HI);
        FloatVector t = c.fma(LOG2E, ROUND);
        FloatVector n = t.sub(ROUND);
        // n * LN2_HI is exact (n has 8 bits, LN2_HI 9), so only the second step rounds.
        FloatVector r = c.sub(n.mul(LN2_HI)).sub(n.mul(LN2_LO));
        FloatVector p = r.fma(P0, P1).fma(r, r.broadcast(P2)).fma(r, r.broadcast(P3)).fma(r, r.broadcast(P4))
                .fma(r, r.broadcast(P5));
        FloatVector er = p.mul(r.mul(r)).add(r).add(1f);
        FloatVector scale = t.reinterpretAsInts().sub(ROUND_BITS - 127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return er.mul(scale);
    }

    /** The scalar twin of {@link #exp(FloatVector)}: the same operations, so the same bits. */
    static float exp(float x) {
        float c = Math.min(Math.max(x, EXP_LO), EXP_HI);
        float t = Math.fma(c, LOG2E, ROUND);
        float n = t - ROUND;
        float r = c - n * LN2_HI - n * LN2_LO;
        float p = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(r, P0, P1), r, P2), r, P3), r, P4), r, P5);
        float er = p * (r * r) + r + 1f;
        return er * Float.intBitsToFloat((Float.floatToRawIntBits(t) - (ROUND_BITS - 127)) << 23);
    }

    /** The scalar twin of {@link #tanh(FloatVector)}. */
    static float tanh(float x) {
        float ax = Math.abs(x);
        if (ax < TANH_SMALL) {
            float u = x * x;
            float p = Math.fma(Math.fma(Math.fma(u, T4, T3), u, T2), u, T1);
            return Math.fma(x * u, p, x);
        }
        float far = -(2f / (exp(ax + ax) + 1f)) + 1f;
        return x < 0f ? -far : far;
    }

    /** tanh(x) per lane: the series near 0, {@code 1 - 2 / (e^{2|x|} + 1)} with the sign of x elsewhere. */
    static FloatVector tanh(FloatVector x) {
        FloatVector ax = x.abs();
        FloatVector e = exp(ax.add(ax));
        FloatVector far = ax.broadcast(2f).div(e.add(1f)).neg().add(1f);
        far = far.blend(far.neg(), x.compare(VectorOperators.LT, 0f));
        FloatVector u = x.mul(x);
        FloatVector p = u.fma(T4, T3).fma(u, u.broadcast(T2)).fma(u, u.broadcast(T1));
        FloatVector near = x.mul(u).fma(p, x);
        return far.blend(near, ax.compare(VectorOperators.LT, TANH_SMALL));
    }
}
