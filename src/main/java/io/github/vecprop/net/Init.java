package io.github.vecprop.net;

import java.util.Locale;

/**
 * How a net builder draws initial weights: from N(0, std²) with a fixed {@code std}, or with the
 * book's scaled initialisations, whose std depends on the number of inputs {@code n} of the layer:
 * {@code he} (sqrt(2 / n), for ReLU) and {@code xavier} (sqrt(1 / n), for sigmoid and tanh).
 * Biases start at zero. Immutable.
 */
public final class Init {
    private final String name;
    private final float std;

    private Init(String name, float std) {
        this.name = name;
        this.std = std;
    }

    /**
     * A fixed standard deviation, the book's {@code weight_init_std}.
     *
     * @throws IllegalArgumentException if {@code std} is negative or not finite
     */
    public static Init std(float std) {
        if (!(std >= 0) || Float.isInfinite(std)) {
            throw new IllegalArgumentException("weight init std must be finite and non-negative, got " + std);
        }
        return new Init(null, std);
    }

    /** He: std sqrt(2 / inputs). */
    public static Init he() {
        return new Init("he", Float.NaN);
    }

    /** Xavier: std sqrt(1 / inputs). */
    public static Init xavier() {
        return new Init("xavier", Float.NaN);
    }

    /**
     * {@code he}, {@code xavier} (case-insensitive) or a number, the fixed std.
     *
     * @throws IllegalArgumentException for anything else
     */
    public static Init parse(String s) {
        if (s == null) {
            throw new IllegalArgumentException("weight init is null");
        }
        switch (s.toLowerCase(Locale.ROOT)) {
            case "he":
                return he();
            case "xavier":
                return xavier();
            default:
                try {
                    return std(Float.parseFloat(s));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("weight init '" + s + "' is not he, xavier or a standard deviation");
                }
        }
    }

    /** The standard deviation for a layer with {@code inputs} inputs. */
    public float std(int inputs) {
        if (name == null) {
            return std;
        }
        return (float) Math.sqrt(("he".equals(name) ? 2.0 : 1.0) / inputs);
    }

    /** {@code he}, {@code xavier} or the fixed std, as {@link #parse} takes it. */
    @Override
    public String toString() {
        return name != null ? name : Float.toString(std);
    }
}
