package io.github.vecprop.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * exp and tanh on vectors from IEEE add, multiply, fma, divide and bit operations only, so every lane
 * gets the same bits whether the code runs interpreted, in C1 or in C2, on any machine.
 * {@code lanewise(EXP)} does not: it computes in Java until C2 replaces it with a native math
 * library whose results differ in the last bit (seen: sigmoid changed in 95% of calls once compiled),
 * which would let a model disagree with its own net, or a run with itself.
 *
 * <p>The scalar forms repeat the vector forms operation for operation (fma for fma), so a kernel's
 * scalar or masked tail gives the same bits as a full vector would, and a result never depends on
 * which path an element took. A sweep over the floats in [-10, 10] (every one below 1 in magnitude)
 * found exp within 0.98 ulps and tanh within 1.46 ulps of {@code Math.exp} and {@code Math.tanh}.
 * The vector forms take arrays, not vectors: a vector passed to or returned from a call that C2 does
 * not inline is boxed, and whether C2 inlines depends on profiles a kernel cannot control.
 */
final class VectorMath {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
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
    // tanh below 0.55: its Taylor series to x^19 (the next term is below 1e-9 relative there). Above it,
    // 1 - 2 / (e^2x + 1) subtracts numbers at least a factor 2 apart, so it loses no accuracy; below,
    // it would (seen: 5 ulps just above a switch at 0.25).
    private static final float TANH_SMALL = 0.55f;
    private static final float T1 = (float) (-1.0 / 3);
    private static final float T2 = (float) (2.0 / 15);
    private static final float T3 = (float) (-17.0 / 315);
    private static final float T4 = (float) (62.0 / 2835);
    private static final float T5 = (float) (-1382.0 / 155925);
    private static final float T6 = (float) (21844.0 / 6081075);
    private static final float T7 = (float) (-929569.0 / 638512875);
    private static final float T8 = (float) (6404582.0 / 10854718875.0);
    private static final float T9 = (float) (-443861162.0 / 1856156927625.0);

    private VectorMath() {
    }

    /**
     * {@code y[i] = e^(sign * x[i])} for {@code n} elements, {@code sign} 1 or -1 (a sign flip, exact);
     * inputs above 88 give e^88, below -87.33 give e^-87.33 (about 1.2e-38); NaN stays NaN. {@code y} may
     * be {@code x}. The polynomial is written out in the loop rather than called: C2 inlines a vector
     * helper only where its profile calls the site hot, and where it does not (seen on a 16-lane machine,
     * whose caller C2 compiled from a profile-free tier), every vector in and out is boxed, 192 bytes an
     * iteration.
     */
    static void exp(float[] x, int xOff, float sign, float[] y, int yOff, int n) {
        int bound = S.loopBound(n);
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector c = FloatVector.fromArray(S, x, xOff + i).mul(sign).max(EXP_LO).min(EXP_HI);
            FloatVector t = c.fma(LOG2E, ROUND);
            FloatVector nn = t.sub(ROUND);
            // n * LN2_HI is exact (n has 8 bits, LN2_HI 9), so only the second step rounds.
            FloatVector r = c.sub(nn.mul(LN2_HI)).sub(nn.mul(LN2_LO));
            FloatVector p = r.fma(P0, P1).fma(r, r.broadcast(P2)).fma(r, r.broadcast(P3)).fma(r, r.broadcast(P4))
                    .fma(r, r.broadcast(P5));
            FloatVector er = p.mul(r.mul(r)).add(r).add(1f);
            FloatVector scale = t.reinterpretAsInts().sub(ROUND_BITS - 127).lanewise(VectorOperators.LSHL, 23)
                    .reinterpretAsFloats();
            er.mul(scale).intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] = exp(sign * x[xOff + i]);
        }
    }

    /** The scalar twin of {@link #exp(float[], int, float, float[], int, int)}: the same operations, so the same bits. */
    static float exp(float x) {
        float c = Math.min(Math.max(x, EXP_LO), EXP_HI);
        float t = Math.fma(c, LOG2E, ROUND);
        float n = t - ROUND;
        float r = c - n * LN2_HI - n * LN2_LO;
        float p = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(r, P0, P1), r, P2), r, P3), r, P4), r, P5);
        float er = p * (r * r) + r + 1f;
        return er * Float.intBitsToFloat((Float.floatToRawIntBits(t) - (ROUND_BITS - 127)) << 23);
    }

    /** The scalar twin of {@link #tanh(float[], int, float[], int, int)}. */
    static float tanh(float x) {
        float ax = Math.abs(x);
        if (ax < TANH_SMALL) {
            float u = x * x;
            float p = Math.fma(u, T9, T8);
            p = Math.fma(p, u, T7);
            p = Math.fma(p, u, T6);
            p = Math.fma(p, u, T5);
            p = Math.fma(p, u, T4);
            p = Math.fma(p, u, T3);
            p = Math.fma(p, u, T2);
            p = Math.fma(p, u, T1);
            return Math.fma(x * u, p, x);
        }
        float far = -(2f / (exp(ax + ax) + 1f)) + 1f;
        return x < 0f ? -far : far;
    }

    /**
     * {@code y[i] = tanh(x[i])} for {@code n} elements: the series near 0, {@code 1 - 2 / (e^{2|x|} + 1)}
     * with the sign of x elsewhere. {@code y} may be {@code x}, so the exp of {@link #exp(float[], int,
     * float, float[], int, int)} is written out here once more, not called through an array: an in-place
     * call would overwrite the x the series needs.
     */
    static void tanh(float[] x, int xOff, float[] y, int yOff, int n) {
        int bound = S.loopBound(n);
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            FloatVector ax = v.abs();
            FloatVector c = ax.add(ax).max(EXP_LO).min(EXP_HI);
            FloatVector t = c.fma(LOG2E, ROUND);
            FloatVector nn = t.sub(ROUND);
            FloatVector r = c.sub(nn.mul(LN2_HI)).sub(nn.mul(LN2_LO));
            FloatVector p = r.fma(P0, P1).fma(r, r.broadcast(P2)).fma(r, r.broadcast(P3)).fma(r, r.broadcast(P4))
                    .fma(r, r.broadcast(P5));
            FloatVector er = p.mul(r.mul(r)).add(r).add(1f);
            FloatVector e = er.mul(t.reinterpretAsInts().sub(ROUND_BITS - 127).lanewise(VectorOperators.LSHL, 23)
                    .reinterpretAsFloats());
            FloatVector far = ax.broadcast(2f).div(e.add(1f)).neg().add(1f);
            far = far.blend(far.neg(), v.compare(VectorOperators.LT, 0f));
            FloatVector u = v.mul(v);
            FloatVector q = u.fma(T9, T8).fma(u, u.broadcast(T7)).fma(u, u.broadcast(T6)).fma(u, u.broadcast(T5))
                    .fma(u, u.broadcast(T4)).fma(u, u.broadcast(T3)).fma(u, u.broadcast(T2)).fma(u, u.broadcast(T1));
            FloatVector near = v.mul(u).fma(q, v);
            far.blend(near, ax.compare(VectorOperators.LT, TANH_SMALL)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] = tanh(x[xOff + i]);
        }
    }
}
