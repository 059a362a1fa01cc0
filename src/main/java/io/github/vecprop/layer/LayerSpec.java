package io.github.vecprop.layer;

import io.github.vecprop.tensor.Shape;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What a layer is, without its parameter values: a kind (the layer's class name, e.g. {@code Affine})
 * and named attributes (e.g. {@code in=784 out=50}), enough for {@link Layers#create} to rebuild it.
 * The text form, one line, is {@code Kind name=value name=value}; model files store it.
 *
 * @param kind the layer kind: letters and digits, starting with a letter
 * @param attributes attribute values by name, in order; names are letters and digits, values have no
 *     whitespace or {@code =}
 */
public record LayerSpec(String kind, Map<String, String> attributes) {
    private static final Pattern WORD = Pattern.compile("[A-Za-z][A-Za-z0-9]*");
    private static final Pattern VALUE = Pattern.compile("[^\\s=]+");

    /** Validates and copies the attributes into an unmodifiable ordered map. */
    public LayerSpec {
        Shape.requireNonNull("layer kind", kind);
        Shape.requireNonNull("layer attributes", attributes);
        if (!WORD.matcher(kind).matches()) {
            throw new IllegalArgumentException("layer kind '" + kind + "' must be letters and digits, starting with a letter");
        }
        for (Map.Entry<String, String> e : attributes.entrySet()) {
            if (e.getKey() == null || !WORD.matcher(e.getKey()).matches()) {
                throw new IllegalArgumentException(kind + ": attribute name '" + e.getKey() + "' must be letters and digits");
            }
            if (e.getValue() == null || !VALUE.matcher(e.getValue()).matches()) {
                throw new IllegalArgumentException(kind + ": attribute " + e.getKey() + " has value '" + e.getValue()
                        + "'; values are non-empty and have no spaces or '='");
            }
        }
        attributes = Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
    }

    /** A spec with no attributes. */
    public static LayerSpec of(String kind) {
        return new LayerSpec(kind, Map.of());
    }

    /** A spec with attributes given as alternating names and values, e.g. {@code of("Affine", "in", "784", "out", "50")}. */
    public static LayerSpec of(String kind, String... namesAndValues) {
        if (namesAndValues.length % 2 != 0) {
            throw new IllegalArgumentException(kind + ": attributes come in name-value pairs, got " + namesAndValues.length + " strings");
        }
        Map<String, String> a = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            if (a.put(namesAndValues[i], namesAndValues[i + 1]) != null) {
                throw new IllegalArgumentException(kind + ": attribute " + namesAndValues[i] + " is given twice");
            }
        }
        return new LayerSpec(kind, a);
    }

    /**
     * Parses the text form {@code Kind name=value ...}.
     *
     * @throws IllegalArgumentException naming what is wrong with the line
     */
    public static LayerSpec parse(String line) {
        Shape.requireNonNull("layer spec", line);
        String[] words = line.strip().split("\\s+");
        if (words.length == 0 || words[0].isEmpty()) {
            throw new IllegalArgumentException("empty layer spec");
        }
        Map<String, String> a = new LinkedHashMap<>();
        for (int i = 1; i < words.length; i++) {
            int eq = words[i].indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException(words[0] + ": '" + words[i] + "' is not name=value");
            }
            if (a.put(words[i].substring(0, eq), words[i].substring(eq + 1)) != null) {
                throw new IllegalArgumentException(words[0] + ": attribute " + words[i].substring(0, eq) + " is given twice");
            }
        }
        return new LayerSpec(words[0], a);
    }

    /**
     * The attribute {@code name} as a positive int.
     *
     * @throws IllegalArgumentException if it is missing or not a positive int
     */
    public int positiveInt(String name) {
        String v = require(name);
        try {
            int i = Integer.parseInt(v);
            if (i >= 1) {
                return i;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(kind + ": attribute " + name + "=" + v + " is not a positive integer");
    }

    /**
     * The attribute {@code name} as a finite float.
     *
     * @throws IllegalArgumentException if it is missing or not a finite number
     */
    public float finiteFloat(String name) {
        String v = require(name);
        try {
            float f = Float.parseFloat(v);
            if (Float.isFinite(f)) {
                return f;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(kind + ": attribute " + name + "=" + v + " is not a finite number");
    }

    /**
     * Throws unless the attributes are exactly {@code names} (in any order), so a misspelt or
     * unknown attribute is never silently ignored.
     */
    public void requireAttributes(String... names) {
        for (String n : names) {
            require(n);
        }
        if (attributes.size() != names.length) {
            throw new IllegalArgumentException(kind + " takes the attributes " + String.join(", ", names)
                    + (names.length == 0 ? "(none)" : "") + " but has " + attributes.keySet());
        }
    }

    private String require(String name) {
        String v = attributes.get(name);
        if (v == null) {
            throw new IllegalArgumentException(kind + ": attribute " + name + " is missing");
        }
        return v;
    }

    /** The text form, {@code Kind name=value ...}. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(kind);
        attributes.forEach((k, v) -> s.append(' ').append(k).append('=').append(v));
        return s.toString();
    }
}
