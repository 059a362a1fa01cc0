package io.github.vecprop.net;

import io.github.vecprop.layer.LayerSpec;
import io.github.vecprop.tensor.Shape;

import java.util.ArrayList;
import java.util.List;

/**
 * A net's shape without its parameter values: the input width, the layers' specs in order, and the
 * loss layer's spec. {@link Sequential#of(Architecture)} builds a net from it. Its text form, which
 * vecprop's model files store, is one line per entry:
 * <pre>
 * Sequential input=784
 * Affine in=784 out=50
 * Relu
 * Affine in=50 out=10
 * SoftmaxWithLoss
 * </pre>
 * (the last line is the loss). Immutable.
 *
 * @param inputSize width of an input row, at least 1
 * @param layers the layers in order, at least one
 * @param loss the loss layer
 */
public record Architecture(int inputSize, List<LayerSpec> layers, LayerSpec loss) {
    /** Checks the fields and copies {@code layers}. */
    public Architecture {
        if (inputSize < 1) {
            throw new IllegalArgumentException("the input size must be at least 1, got " + inputSize);
        }
        Shape.requireNonNull("layers", layers);
        Shape.requireNonNull("loss", loss);
        layers = List.copyOf(layers);
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("a net needs at least one layer before its loss");
        }
    }

    /** The text form (see the class comment), lines ending in {@code \n}. */
    public String toText() {
        StringBuilder s = new StringBuilder("Sequential input=").append(inputSize).append('\n');
        for (LayerSpec l : layers) {
            s.append(l).append('\n');
        }
        return s.append(loss).append('\n').toString();
    }

    /**
     * Parses the text form. Blank lines are ignored.
     *
     * @throws IllegalArgumentException naming the line that is wrong
     */
    public static Architecture parse(String text) {
        Shape.requireNonNull("architecture", text);
        List<LayerSpec> specs = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].isBlank()) {
                continue;
            }
            try {
                specs.add(LayerSpec.parse(lines[i]));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("architecture line " + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        if (specs.size() < 3 || !specs.get(0).kind().equals("Sequential")) {
            throw new IllegalArgumentException("an architecture is a 'Sequential input=N' line, at least one layer and a loss;"
                    + " got " + specs.size() + " entries" + (specs.isEmpty() ? "" : " starting with " + specs.get(0).kind()));
        }
        LayerSpec head = specs.get(0);
        head.requireAttributes("input");
        return new Architecture(head.positiveInt("input"), specs.subList(1, specs.size() - 1), specs.get(specs.size() - 1));
    }

    /** The text form on one line, entries separated by {@code " | "}. */
    @Override
    public String toString() {
        return toText().strip().replace("\n", " | ");
    }
}
