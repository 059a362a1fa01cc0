package io.github.vecprop.layer;

/**
 * The addition node of the origin notes on scalars: {@code forward(x, y) = x + y};
 * {@code backward(dout)} passes {@code dout} unchanged to both inputs. Stateless and thread-safe.
 */
public final class AddLayer {
    /** {@code x + y}. */
    public float forward(float x, float y) {
        return x + y;
    }

    /** {@code (dout, dout)}. */
    public InputGradients backward(float dout) {
        return new InputGradients(dout, dout);
    }
}
