package io.github.vecprop.layer;

/**
 * A frozen layer that keeps the row width and may write its output over its input (activations,
 * BatchNorm's scale and shift, Dropout's identity): the widths and {@link #inPlace()} in one place.
 */
abstract class SameWidthFrozenLayer implements FrozenLayer {
    /** The width of input and output rows. */
    final int width;

    SameWidthFrozenLayer(int width) {
        this.width = width;
    }

    @Override
    public final int inputWidth() {
        return width;
    }

    @Override
    public final int outputWidth() {
        return width;
    }

    @Override
    public final boolean inPlace() {
        return true;
    }
}
