package io.github.vecprop.layer;

import io.github.vecprop.tensor.Shape;
import io.github.vecprop.tensor.Tensor;

/** The layers' buffer reuse: keep a buffer while the shape it must have is unchanged. */
final class Buffers {
    private Buffers() {
    }

    /** {@code buffer} if it already has the shape {@code rows x cols}, otherwise a new zero tensor of that shape. */
    static Tensor matrix(Tensor buffer, int rows, int cols) {
        return buffer != null && buffer.shape().is(rows, cols) ? buffer : Tensor.zeros(rows, cols);
    }

    /** {@code buffer} if it already has {@code shape}, otherwise a new zero tensor of that shape. */
    static Tensor like(Tensor buffer, Shape shape) {
        return buffer != null && buffer.shape().equals(shape) ? buffer : Tensor.zeros(shape.dims());
    }

    /** {@code inputWidth}, for a layer that keeps the row width, after checking there is at least one column. */
    static int sameWidth(String layer, int inputWidth) {
        if (inputWidth < 1) {
            throw new IllegalArgumentException(layer + " input rows need at least one column, got " + inputWidth);
        }
        return inputWidth;
    }

    /** Throws unless {@link Layer#backward} comes after a forward, with a matching {@code dout}. */
    static void requireBackward(String layer, Tensor out, Tensor dout) {
        if (out == null) {
            throw new IllegalStateException(layer + ".backward called before forward");
        }
        // Names are joined only on failure: with a layer name that is not a constant, C2 cannot fold the
        // concatenation, and the check would allocate a string on every call.
        if (dout == null || !dout.shape().equals(out.shape())) {
            Shape.requireSame(layer + " dout", dout, "its last output", out);
        }
    }
}
