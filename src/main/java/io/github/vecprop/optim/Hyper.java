package io.github.vecprop.optim;

/** Hyper-parameter checks and the constant the book adds under square roots. */
final class Hyper {
    /** Added to {@code sqrt(h)} so a zero history does not divide by zero. */
    static final float EPSILON = 1e-7f;

    private Hyper() {
    }

    static float positive(String name, float value) {
        if (!(value > 0) || Float.isInfinite(value)) {
            throw new IllegalArgumentException(name + " must be positive and finite, got " + value);
        }
        return value;
    }

    static float fraction(String name, float value) {
        if (!(value >= 0 && value < 1)) {
            throw new IllegalArgumentException(name + " must be in [0, 1), got " + value);
        }
        return value;
    }
}
