package io.github.vecprop.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import static io.github.vecprop.kernel.PanamaGemm.L;
import static io.github.vecprop.kernel.PanamaGemm.S;

/**
 * Zero skipping in {@link PanamaGemm}'s blocked product with A transposed: a step p of K whose column of a strip
 * of {@link #SR} rows of op(A) is all zero adds nothing to that strip's rows of C, so the strip's kernel leaves it
 * out. Images are mostly zero (half of a Fashion-MNIST image's pixels, and the borders of all of them), and they
 * are the A of a 784-wide first layer's {@code dW1 = Xᵀ·dY}, where a strip is 4 neighbouring pixels and a step
 * an image: on Fashion-MNIST batches of 100, 62% of the strips' steps are busy. (The forward {@code X·W1}, A by
 * rows, has strips of 4 images, 79% busy; not skipped: the masks would cost about what they save.)
 *
 * <p>Why it keeps the bits: each element of C is one chain of multiply-adds over p, from +0, in the order of p
 * ({@link PanamaGemm#kernel3}); adding {@code 0 * b} with b finite leaves a sum unchanged, but for a -0 that
 * it makes +0. So a strip's steps are skipped only where the block of B it meets is finite ({@link #finite}), and
 * a tile whose sum ends at -0 runs all its steps again ({@link #kernel3}). Blocks whose first rows have few
 * zeros, strip pairs more than 90% busy ({@link #worth}) and panels narrower than 3L run every step.
 *
 * <p>The busy steps are bit masks, one bit per p of a K block ({@code KC} at most: 4 longs a strip), in the
 * per-thread scratch. Everything vector stays inside each method.
 */
final class SkipZeros {
    /** Rows of A per strip: half of {@link PanamaGemm#MR}; a strip of 8 pixels had 72% of its steps busy, of 4, 62%. */
    static final int SR = 4;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final int NIBBLE = (1 << SR) - 1;

    private SkipZeros() {
    }

    /** Longs per strip in a mask of {@code kc} steps. */
    static int words(int kc) {
        return (kc + 63) >>> 6;
    }

    /**
     * Marks the busy steps of the {@code rows / SR} strips of op(A) rows {@code [i, i + rows)} over K steps
     * {@code [pc, pc + kc)}, A transposed (op(A)(i, p) = {@code a[aOff + p*lda + i]}, so a strip's step is 4
     * contiguous floats): bit {@code p % 64} of {@code mask[s * words(kc) + p / 64]} is set when some row of
     * strip s has a nonzero (or NaN) at step p. {@code rows} is a multiple of SR; {@code lanes} holds at least
     * {@code kc * ceil(rows / L)} ints. Returns the number of busy steps over all the strips.
     *
     * <p>First each step's nonzero lanes, L rows (L / SR strips) at a time, into {@code lanes}; then, L steps at a
     * time, one compare per strip turns them into mask bits, rather than a bit at a time for each strip of each
     * step.
     */
    static int busySteps(float[] a, int aOff, int lda, int i, int rows, int pc, int kc, long[] mask, int[] lanes) {
        int words = words(kc);
        int strips = rows / SR;
        java.util.Arrays.fill(mask, 0, strips * words, 0L);
        int vectors = (rows + L - 1) / L;
        int whole = rows / L;
        for (int p = 0; p < kc; p++) {
            int src = aOff + (pc + p) * lda + i;
            for (int v = 0; v < whole; v++) {
                lanes[v * kc + p] = (int) FloatVector.fromArray(S, a, src + v * L).compare(VectorOperators.NE, 0f).toLong();
            }
            if (whole < vectors) { // the last strips, fewer than L rows
                int bits = 0;
                for (int r = whole * L; r < rows; r++) {
                    bits |= (a[src + r] != 0f ? 1 : 0) << (r - whole * L);
                }
                lanes[whole * kc + p] = bits;
            }
        }
        int per = L / SR;
        int bound = I.loopBound(kc);
        int busy = 0;
        for (int v = 0; v < vectors; v++) {
            int n = Math.min(per, strips - v * per);
            int li = v * kc;
            int p = 0;
            for (; p < bound; p += I.length()) { // I.length() divides 64: a vector's bits stay in one word
                IntVector nz = IntVector.fromArray(I, lanes, li + p);
                for (int q = 0; q < n; q++) {
                    long bits = nz.and(NIBBLE << (q * SR)).compare(VectorOperators.NE, 0).toLong();
                    mask[(v * per + q) * words + (p >>> 6)] |= bits << p;
                    busy += Long.bitCount(bits);
                }
            }
            for (; p < kc; p++) {
                int nz = lanes[li + p];
                for (int q = 0; q < n; q++) {
                    if ((nz & (NIBBLE << (q * SR))) != 0) {
                        mask[(v * per + q) * words + (p >>> 6)] |= 1L << p;
                        busy++;
                    }
                }
            }
        }
        return busy;
    }

    /**
     * Whether {@code busy} steps of {@code steps} leave enough to skip: at most 90%. The half-strip kernel takes
     * 5-12% longer a step than kernel3 and the masks cost about an eighth of what they save at Fashion-MNIST's
     * 62% (loop harness); in JMH (784x100x50:TN on the embedded images, 3 forks, two rounds) 90% and 80% gave
     * 63.4-66.3 us, 100% 69.4-69.8, no skipping 73.8-76.6.
     */
    static boolean worth(int busy, int steps) {
        return busy * 10L <= steps * 9L;
    }

    /** The busy steps of strip {@code s} in a mask from {@link #busySteps} over {@code kc} steps. */
    static int busy(long[] mask, int s, int kc) {
        int words = words(kc);
        int count = 0;
        for (int w = s * words; w < (s + 1) * words; w++) {
            count += Long.bitCount(mask[w]);
        }
        return count;
    }

    /** Whether the {@code kc} rows of 3L floats from {@code b[bi]}, {@code bs} apart, are all finite. */
    static boolean finite(float[] b, int bi, int bs, int kc) {
        FloatVector z = FloatVector.zero(S);
        for (int p = 0; p < kc; p++, bi += bs) {
            // x * 0 is NaN for an infinity or NaN, else a zero: the sum says whether any was not finite
            z = FloatVector.fromArray(S, b, bi).mul(0f).add(z);
            z = FloatVector.fromArray(S, b, bi + L).mul(0f).add(z);
            z = FloatVector.fromArray(S, b, bi + 2 * L).mul(0f).add(z);
        }
        return !z.test(VectorOperators.IS_NAN).anyTrue();
    }

    /**
     * {@link PanamaGemm#kernel3}'s SR x 3L tile over the busy steps of one strip only: bits
     * {@code mask[mi .. mi + words)} say which of the K block's steps to take (step p reads
     * {@code a[ai + r*ars + p*aps]} and B's row {@code b[bi + p*bs ..]}). Stored as kernel3 stores, with the
     * same operations per element, so the same bits as kernel3 over all the steps, except where a sum ends at
     * -0: the full chain's skipped +0 products would have made it +0. Such a tile (an underflowed product, so
     * rarely) is not stored, and false returned, for the caller to run all its steps.
     */
    static boolean kernel3(long[] mask, int mi, int words, float[] a, int ai, int ars, int aps, float[] b, int bi,
                        int bs, float[] out, int oi, int ors, float alpha, float beta, boolean readC) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c10 = c00, c11 = c00, c12 = c00, c20 = c00,
                c21 = c00, c22 = c00, c30 = c00, c31 = c00, c32 = c00;
        final int r1 = ars, r2 = 2 * ars, r3 = 3 * ars;
        for (int w = 0; w < words; w++) {
            long bits = mask[mi + w];
            int p0 = w << 6;
            while (bits != 0L) {
                int p = p0 + Long.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                int ap = ai + p * aps;
                int bp = bi + p * bs;
                FloatVector b0 = FloatVector.fromArray(S, b, bp);
                FloatVector b1 = FloatVector.fromArray(S, b, bp + L);
                FloatVector b2 = FloatVector.fromArray(S, b, bp + 2 * L);
                FloatVector x;
                x = FloatVector.broadcast(S, a[ap]);
                c00 = x.fma(b0, c00);
                c01 = x.fma(b1, c01);
                c02 = x.fma(b2, c02);
                x = FloatVector.broadcast(S, a[ap + r1]);
                c10 = x.fma(b0, c10);
                c11 = x.fma(b1, c11);
                c12 = x.fma(b2, c12);
                x = FloatVector.broadcast(S, a[ap + r2]);
                c20 = x.fma(b0, c20);
                c21 = x.fma(b1, c21);
                c22 = x.fma(b2, c22);
                x = FloatVector.broadcast(S, a[ap + r3]);
                c30 = x.fma(b0, c30);
                c31 = x.fma(b1, c31);
                c32 = x.fma(b2, c32);
            }
        }
        // A skipped step adds a zero to the sum, which changes it only from -0 to +0: the chains differ at most
        // in a zero's sign, and only where this one ends at -0.
        VectorMask<Integer> negativeZero = negativeZero(c00).or(negativeZero(c01)).or(negativeZero(c02))
                .or(negativeZero(c10)).or(negativeZero(c11)).or(negativeZero(c12))
                .or(negativeZero(c20)).or(negativeZero(c21)).or(negativeZero(c22))
                .or(negativeZero(c30)).or(negativeZero(c31)).or(negativeZero(c32));
        if (negativeZero.anyTrue()) {
            return false;
        }
        final int o0 = oi, o1 = oi + ors, o2 = oi + 2 * ors, o3 = oi + 3 * ors;
        if (alpha != 1f) {
            c00 = c00.mul(alpha);
            c01 = c01.mul(alpha);
            c02 = c02.mul(alpha);
            c10 = c10.mul(alpha);
            c11 = c11.mul(alpha);
            c12 = c12.mul(alpha);
            c20 = c20.mul(alpha);
            c21 = c21.mul(alpha);
            c22 = c22.mul(alpha);
            c30 = c30.mul(alpha);
            c31 = c31.mul(alpha);
            c32 = c32.mul(alpha);
        }
        if (readC) {
            FloatVector vb = FloatVector.broadcast(S, beta);
            c00 = FloatVector.fromArray(S, out, o0).fma(vb, c00);
            c01 = FloatVector.fromArray(S, out, o0 + L).fma(vb, c01);
            c02 = FloatVector.fromArray(S, out, o0 + 2 * L).fma(vb, c02);
            c10 = FloatVector.fromArray(S, out, o1).fma(vb, c10);
            c11 = FloatVector.fromArray(S, out, o1 + L).fma(vb, c11);
            c12 = FloatVector.fromArray(S, out, o1 + 2 * L).fma(vb, c12);
            c20 = FloatVector.fromArray(S, out, o2).fma(vb, c20);
            c21 = FloatVector.fromArray(S, out, o2 + L).fma(vb, c21);
            c22 = FloatVector.fromArray(S, out, o2 + 2 * L).fma(vb, c22);
            c30 = FloatVector.fromArray(S, out, o3).fma(vb, c30);
            c31 = FloatVector.fromArray(S, out, o3 + L).fma(vb, c31);
            c32 = FloatVector.fromArray(S, out, o3 + 2 * L).fma(vb, c32);
        }
        c00.intoArray(out, o0);
        c01.intoArray(out, o0 + L);
        c02.intoArray(out, o0 + 2 * L);
        c10.intoArray(out, o1);
        c11.intoArray(out, o1 + L);
        c12.intoArray(out, o1 + 2 * L);
        c20.intoArray(out, o2);
        c21.intoArray(out, o2 + L);
        c22.intoArray(out, o2 + 2 * L);
        c30.intoArray(out, o3);
        c31.intoArray(out, o3 + L);
        c32.intoArray(out, o3 + 2 * L);
        return true;
    }

    private static VectorMask<Integer> negativeZero(FloatVector v) {
        return v.reinterpretAsInts().compare(VectorOperators.EQ, Integer.MIN_VALUE);
    }
}
