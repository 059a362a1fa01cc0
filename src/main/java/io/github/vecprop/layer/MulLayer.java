package io.github.vecprop.layer;

/**
 * The multiplication node of the origin notes on scalars: {@code forward(x, y) = x * y};
 * {@code backward(dout)} returns {@code dx = dout * y} and {@code dy = dout * x} for the last forward.
 * Not thread-safe.
 */
public final class MulLayer {
    private float x;
    private float y;
    private boolean forwarded;

    /** {@code x * y}, remembering both inputs for backward. */
    public float forward(float x, float y) {
        this.x = x;
        this.y = y;
        this.forwarded = true;
        return x * y;
    }

    /** {@code (dout * y, dout * x)}: the inputs swap roles. */
    public InputGradients backward(float dout) {
        if (!forwarded) {
            throw new IllegalStateException("MulLayer.backward called before forward");
        }
        return new InputGradients(dout * y, dout * x);
    }
}
