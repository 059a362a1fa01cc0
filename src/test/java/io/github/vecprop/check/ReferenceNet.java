package io.github.vecprop.check;

import io.github.vecprop.layer.LayerSpec;
import io.github.vecprop.net.Architecture;

import java.util.HashMap;
import java.util.Map;

/**
 * The double-precision loss of any architecture vecprop builds, from its specs alone, through
 * {@link Reference}'s plain loops: the oracle the general net's gradients are checked against.
 * Parameters are looked up by the net's names ({@code W1 b1 ...}), counted as the net counts them.
 */
public final class ReferenceNet {
    private ReferenceNet() {
    }

    /** The scores for {@code x} ({@code n} rows). */
    public static double[] predict(Architecture arch, Map<String, double[]> params, double[] x, int n) {
        Map<String, Integer> counts = new HashMap<>();
        double[] y = x;
        int width = arch.inputSize();
        for (LayerSpec spec : arch.layers()) {
            switch (spec.kind()) {
                case "Affine" -> {
                    int k = counts.merge("Affine", 1, Integer::sum);
                    int out = spec.positiveInt("out");
                    y = Reference.affine(y, n, width, params.get("W" + k), out, params.get("b" + k));
                    width = out;
                }
                case "Relu" -> y = Reference.relu(y);
                case "Sigmoid" -> y = Reference.sigmoid(y);
                case "Tanh" -> y = Reference.tanh(y);
                default -> throw new AssertionError("no reference for layer " + spec);
            }
        }
        return y;
    }

    /**
     * The loss against dense targets {@code t}; {@code guard} as in {@link Reference#softmaxCrossEntropy}
     * (0 for gradient checks, 1e-7 to match the library's loss value).
     */
    public static double loss(Architecture arch, Map<String, double[]> params, double[] x, int n, double[] t, double guard) {
        return loss(arch, params, x, n, t, guard, 0);
    }

    /** The loss plus the book's weight decay, {@code lambda / 2 * sum(W²)} over the weight matrices {@code W1 ... Wn}. */
    public static double loss(Architecture arch, Map<String, double[]> params, double[] x, int n, double[] t, double guard,
                              double lambda) {
        double decay = 0;
        for (Map.Entry<String, double[]> e : params.entrySet()) {
            if (e.getKey().startsWith("W")) {
                for (double w : e.getValue()) {
                    decay += w * w;
                }
            }
        }
        return dataLoss(arch, params, x, n, t, guard) + 0.5 * lambda * decay;
    }

    private static double dataLoss(Architecture arch, Map<String, double[]> params, double[] x, int n, double[] t, double guard) {
        double[] y = predict(arch, params, x, n);
        int c = y.length / n;
        return switch (arch.loss().kind()) {
            case "SoftmaxWithLoss" -> Reference.softmaxCrossEntropy(y, n, c, t, guard);
            case "MeanSquaredError" -> Reference.meanSquaredError(y, n, t);
            default -> throw new AssertionError("no reference for loss " + arch.loss());
        };
    }
}
