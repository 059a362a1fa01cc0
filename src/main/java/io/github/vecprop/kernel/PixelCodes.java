package io.github.vecprop.kernel;

import java.util.Arrays;

/**
 * Rows of 8-bit pixel codes packed four to an int. The code {@code c} stands for the float {@code c / 255f}, the
 * value {@link io.github.vecprop.io.Idx} reads for an image's byte, so {@link Kernels#widenCodes widening} a
 * packed row gives back the bits of the float row it was packed from. A row takes a quarter of its floats'
 * memory: the trainer gathers mini-batches from codes when its training set is made of them, and 100 images of
 * 784 pixels are then 83 KB to read from memory instead of 313 KB.
 *
 * <p>The layout, for a lane count {@code L}: a row of {@code n} values takes {@link #intsPerRow intsPerRow(n, L)}
 * {@code = L * ceil(n / 4L)} ints, in blocks of {@code L}. Value {@code p = 4L*k + L*j + i} ({@code 0 <= i < L},
 * {@code 0 <= j < 4}) is byte {@code j} (bits {@code 8j} to {@code 8j + 7}) of int {@code L*k + i} of its row.
 * So byte {@code j} of one block's {@code L} ints widens to {@code L} consecutive floats with one shift, one mask
 * and one conversion on a vector of {@code L} ints. Bytes past {@code n} are 0. {@link Kernels#codeLanes} names
 * the lane count an implementation widens fastest.
 *
 * <p>Stateless and thread-safe; the caller owns every array.
 */
public final class PixelCodes {
    /** The largest code. */
    public static final int MAX_CODE = 255;
    /** The most lanes a layout may have, so that a block's {@code 4 * lanes} values cannot overflow an int. */
    public static final int MAX_LANES = 1 << 20;
    /** Values per int. */
    private static final int PER_INT = 4;
    private static final float[] VALUES = new float[MAX_CODE + 1];
    /** Ints per 64-byte cache line. */
    private static final int INTS_PER_LINE = 16;

    static {
        for (int c = 0; c <= MAX_CODE; c++) {
            VALUES[c] = value(c);
        }
    }

    private PixelCodes() {
    }

    /**
     * Ints per packed row of {@code n} values with {@code lanes} lanes.
     *
     * @throws IllegalArgumentException if {@code n < 0} or {@code lanes} is outside 1..{@link #MAX_LANES}
     */
    public static int intsPerRow(int n, int lanes) {
        requireLayout(n, lanes);
        long blocks = ((long) n + PER_INT * (long) lanes - 1) / (PER_INT * (long) lanes);
        return Math.toIntExact(blocks * lanes);
    }

    /**
     * Packs {@code rows} rows of {@code n} floats (dense, from {@code x[xOff]}) into {@code codes} from
     * {@code codesOff}, {@link #intsPerRow} ints a row, with {@code kernels} ({@link Kernels#packCodes}), if every
     * value is {@code c / 255f} for a code {@code c} in 0..255, bit for bit (so -0.0 is not a code). Returns false
     * at the first row with a value that is not; {@code codes} then holds an unspecified part of the packing.
     *
     * @throws IllegalArgumentException if a range lies outside its array, {@code rows} or {@code n} is negative,
     *                                  or {@code lanes} is outside 1..{@link #MAX_LANES}
     */
    public static boolean pack(Kernels kernels, float[] x, int xOff, int rows, int n, int lanes, int[] codes, int codesOff) {
        int perRow = intsPerRow(n, lanes);
        Checks.range("x", x, xOff, Checks.dims(rows, n));
        Checks.range("codes", codes, codesOff, Checks.dims(rows, perRow));
        for (int r = 0; r < rows; r++) {
            if (!kernels.packCodes(x, xOff + r * n, n, lanes, codes, codesOff + r * perRow)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The scalar packing of one row's values from {@code p0} on ({@code p0} a multiple of {@code 4 * lanes}: a
     * block's start), into the row at {@code codes[rowOff]}: {@link Kernels#packCodes} from there. Arguments are
     * checked by the caller.
     */
    static boolean packFrom(float[] x, int xOff, int p0, int n, int lanes, int[] codes, int rowOff) {
        int block = PER_INT * lanes;
        int at = rowOff + p0 / block * lanes;
        Arrays.fill(codes, at, rowOff + intsPerRow(n, lanes), 0);
        for (int start = p0; start < n; start += block, at += lanes) {
            for (int j = 0, p = start; j < PER_INT && p < n; j++) {
                for (int i = 0; i < lanes && p < n; i++, p++) {
                    int c = codeOf(x[xOff + p]);
                    if (c < 0) {
                        return false;
                    }
                    codes[at + i] |= c << (Byte.SIZE * j);
                }
            }
        }
        return true;
    }

    /** The code whose value has {@code v}'s bits, or -1. */
    private static int codeOf(float v) {
        int c = (int) (v * MAX_CODE + 0.5f); // a guess the bits then confirm: NaN, -0.0 and negatives guess 0
        return c <= MAX_CODE && Float.floatToRawIntBits(VALUES[Math.max(c, 0)]) == Float.floatToRawIntBits(v) ? c : -1;
    }

    /**
     * Widens the packed rows {@code rows[from .. from + count)} of {@code codes} (each {@link #intsPerRow} ints,
     * row {@code i} at {@code codes[i * intsPerRow(n, lanes)]}) into consecutive rows of {@code n} floats of
     * {@code y} from {@code yOff}, with {@code kernels}: a batch gather. It first reads one int of every cache line
     * of those rows, so their cache misses overlap instead of each row's waiting for the last row's widening: 100
     * rows of 784 codes from a 60,000-row set, ten at a time, took 15.5 µs so against 27.1 row by row
     * (GatherBenchmark; reading alone, 10.3; copying the rows of the float set, 47.4). Keep {@code count} to what
     * stays in L1 (ten 784-value rows are 8.3 KB of codes).
     *
     * @return a sum of what the first pass read, meaningless: store it where the JIT cannot drop it (a field),
     *         so that pass is not optimised away
     * @throws IllegalArgumentException as {@link Kernels#widenCodes}, for a row index outside {@code codes}, or a
     *                                  range of {@code rows} or {@code y} outside its array
     */
    public static int gather(Kernels kernels, int[] codes, int lanes, int n, int[] rows, int from, int count,
                             float[] y, int yOff) {
        int perRow = intsPerRow(n, lanes);
        Checks.range("rows", rows, from, count);
        Checks.range("y", y, yOff, Checks.dims(count, n));
        Checks.range("codes", codes, 0, 0); // null
        int sum = 0;
        for (int r = from; r < from + count; r++) {
            int at = rowOffset(codes, rows[r], perRow);
            for (int i = 0; i < perRow; i += INTS_PER_LINE) {
                sum += codes[at + i];
            }
        }
        for (int r = 0; r < count; r++) {
            kernels.widenCodes(codes, rowOffset(codes, rows[from + r], perRow), lanes, y, yOff + r * n, n);
        }
        return sum;
    }

    private static int rowOffset(int[] codes, int row, int perRow) {
        long at = (long) row * perRow;
        if (row < 0 || at + perRow > codes.length || (perRow == 0 && row > 0)) {
            throw new IllegalArgumentException("row " + row + " (ints [" + at + ", " + (at + perRow)
                    + ")) is outside codes of length " + codes.length);
        }
        return (int) at;
    }

    /** The float a code stands for: {@code code / 255f}. */
    public static float value(int code) {
        return code / 255f;
    }

    /** The code at value {@code p} of a packed row from {@code codes[rowOff]}. */
    static int code(int[] codes, int rowOff, int p, int lanes) {
        return (codes[rowOff + index(p, lanes)] >>> shift(p, lanes)) & MAX_CODE;
    }

    /** Which int of its row holds value {@code p}. */
    private static int index(int p, int lanes) {
        int block = p / (PER_INT * lanes);
        return block * lanes + p % lanes;
    }

    /** Where in its int value {@code p} starts. */
    private static int shift(int p, int lanes) {
        return Byte.SIZE * (p % (PER_INT * lanes) / lanes);
    }

    static void requireLayout(int n, int lanes) {
        if (n < 0 || lanes < 1 || lanes > MAX_LANES) {
            throw new IllegalArgumentException("pixel codes need n >= 0 and 1 <= lanes <= " + MAX_LANES + ", got n=" + n
                    + ", lanes=" + lanes);
        }
    }
}
