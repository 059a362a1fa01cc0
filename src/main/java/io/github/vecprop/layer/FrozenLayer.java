package io.github.vecprop.layer;

/**
 * A layer fixed for serving ({@link Layer#freeze}): inference mode, its own immutable copy of the
 * parameters, rows of a fixed width in and out. It is the unit a compiled serving model chains.
 *
 * <p>Thread-safe: {@link #forward} keeps no state and allocates nothing, so any number of threads may
 * call it at once with their own buffers.
 */
public interface FrozenLayer {
    /** Width of an input row. */
    int inputWidth();

    /** Width of an output row. */
    int outputWidth();

    /**
     * Whether {@link #forward} may write its output over its input ({@code y == x}, same offset), as
     * elementwise layers can.
     */
    boolean inPlace();

    /**
     * Writes {@code n} output rows (dense, {@code n x outputWidth} from {@code y[yOff]}) for {@code n}
     * input rows (dense, {@code n x inputWidth} from {@code x[xOff]}). The caller owns both arrays and
     * has checked the ranges; {@code y} overlaps {@code x} only as {@link #inPlace} allows.
     */
    void forward(float[] x, int xOff, float[] y, int yOff, int n);

    /**
     * This layer merged into the frozen layer before it, or null if it cannot be (the default). A
     * compiled model folds where it can, so serving pays nothing for, e.g., a BatchNorm after an Affine
     * or a Dropout; the merged layer may differ from the pair by float rounding.
     */
    default FrozenLayer foldInto(FrozenLayer previous) {
        return null;
    }

    /**
     * This layer followed by {@code y[:, j] * scale[j] + shift[j]}, as one layer, or null if it cannot
     * absorb that (the default). An affine layer can: its weight columns and bias are scaled.
     */
    default FrozenLayer scaleColumns(float[] scale, float[] shift) {
        return null;
    }
}
