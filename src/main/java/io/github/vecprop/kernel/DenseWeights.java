package io.github.vecprop.kernel;

/**
 * A dense layer's weights and bias, {@code y = x·W + b} with W {@code in x out}, copied once by
 * {@link Kernels#packDense} into the layout that implementation's {@link Kernels#dense} reads fastest (for
 * the SIMD kernels, column blocks of two or three vectors and a few transposed columns), so no call packs
 * anything. It is what a compiled serving model
 * holds for each Affine layer.
 *
 * <p>Immutable once packed (it owns copies, so later changes to the arrays it was packed from do not reach
 * it): any number of threads may share it. Only the implementation that packed it can run it.
 */
public final class DenseWeights {
    final Kernels owner;
    final int in;
    final int out;
    /** The implementation's layout of W. */
    final float[] w;
    /** The SIMD layout's vector blocks again, aligned off the heap for one to four rows; null for the scalar one. */
    final PanamaDense.RowBlocks blocks;
    /** b, zero-padded as the implementation reads it. */
    final float[] bias;
    /**
     * Every weight is finite and no bias is -0, so a zero input changes no output bit and the kernels may
     * skip it.
     */
    final boolean zerosSkippable;

    DenseWeights(Kernels owner, int in, int out, float[] w, PanamaDense.RowBlocks blocks, float[] bias) {
        this.owner = owner;
        this.in = in;
        this.out = out;
        this.w = w;
        this.blocks = blocks;
        this.bias = bias;
        boolean all = true;
        for (float v : w) {
            all &= Float.isFinite(v);
        }
        for (float v : bias) {
            all &= Float.floatToRawIntBits(v) != Float.floatToRawIntBits(-0f);
        }
        this.zerosSkippable = all;
    }

    /** Width of an input row ({@code in}, the rows of W). */
    public int inputWidth() {
        return in;
    }

    /** Width of an output row ({@code out}, the columns of W). */
    public int outputWidth() {
        return out;
    }

    /**
     * Floats this packing holds, padding and the off-heap copy of the vector blocks included (4 bytes each); a
     * served Affine keeps its plain W and b too.
     */
    public long floats() {
        return (long) w.length + bias.length + (blocks == null ? 0 : blocks.all().byteSize() / Float.BYTES);
    }

    /** The checks of {@link Kernels#packDense}, shared by both implementations. */
    static void checkPack(float[] w, int wOff, int in, int out, float[] b, int bOff) {
        if (in < 1 || out < 1) {
            throw new IllegalArgumentException("dense weights need at least one input and one output, got " + in + " x " + out);
        }
        Checks.range("w", w, wOff, (long) in * out);
        Checks.range("b", b, bOff, out);
    }

    /** The checks of {@link Kernels#dense}, shared by both implementations. */
    void checkRun(Kernels caller, float[] x, int xOff, float[] y, int yOff, int n) {
        if (owner != caller) {
            throw new IllegalArgumentException("these dense weights were packed by the " + owner.name()
                    + " kernels and cannot run on the " + caller.name() + " kernels");
        }
        if (n < 0) {
            throw new IllegalArgumentException("negative number of rows: " + n);
        }
        Checks.range("x", x, xOff, (long) n * in);
        Checks.range("y", y, yOff, (long) n * out);
        if (x == y && n > 0 && xOff < yOff + (long) n * out && yOff < xOff + (long) n * in) {
            throw new IllegalArgumentException("y [" + yOff + ", " + (yOff + (long) n * out) + ") overlaps x [" + xOff
                    + ", " + (xOff + (long) n * in) + ") in the same array");
        }
    }
}
