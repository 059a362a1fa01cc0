package io.github.vecprop.net;

import io.github.vecprop.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The origin notes' gradient check as a library call: backprop ({@link Sequential#gradient}) against
 * the float32 numerical gradient ({@link Sequential#numericalGradient}), parameter by parameter, with
 * the mean absolute difference the notes print and the worst relative error
 * ({@link NumericalGradient#relativeError}, floor {@link #FLOOR}).
 */
public final class GradientCheck {
    /** The largest relative error accepted between backprop and the float32 numerical gradient. */
    public static final double TOLERANCE = 5e-2;
    /** The relative-error floor: below it differences count absolutely. */
    public static final double FLOOR = 1e-3;

    private GradientCheck() {
    }

    /**
     * One parameter's comparison.
     *
     * @param name the parameter's name ({@code W1}, ...)
     * @param meanAbsDifference mean of |backprop - numerical| over the elements
     * @param worstRelativeError the largest relative error of an element
     */
    public record Result(String name, double meanAbsDifference, double worstRelativeError) {
        /** Whether the worst relative error is at most {@link #TOLERANCE}. */
        public boolean passed() {
            return worstRelativeError <= TOLERANCE;
        }
    }

    /**
     * Checks every parameter of {@code net} on the batch {@code x} with labels {@code t}, in training
     * mode with the net's randomness held ({@link Sequential#holdRandomness}: one Dropout mask for every
     * forward). Slow by design (two forward passes per parameter element). The parameters, the layers'
     * state (BatchNorm's running statistics, which the many training-mode forwards would move) and the
     * net's mode are restored exactly.
     */
    public static List<Result> run(Sequential net, Tensor x, int[] t) {
        Map<String, float[]> saved = new java.util.LinkedHashMap<>();
        net.tensors().forEach((k, v) -> saved.put(k, v.data().clone()));
        boolean was = net.isTraining();
        net.setTraining(true);
        net.holdRandomness(true);
        Map<String, Tensor> numeric;
        Map<String, Tensor> backprop;
        try {
            numeric = net.numericalGradient(x, t);
            backprop = net.gradient(x, t);
        } finally {
            net.holdRandomness(false);
            net.setTraining(was);
        }
        // Compare before restoring: the gradients are the layers' own buffers, the state is not.
        List<Result> results = compare(net, numeric, backprop);
        saved.forEach((k, v) -> System.arraycopy(v, 0, net.tensors().get(k).data(), 0, v.length));
        return results;
    }

    private static List<Result> compare(Sequential net, Map<String, Tensor> numeric, Map<String, Tensor> backprop) {
        List<Result> results = new ArrayList<>();
        for (String key : net.params().keySet()) {
            float[] a = backprop.get(key).data();
            float[] n = numeric.get(key).data();
            double meanAbs = 0;
            double worst = 0;
            for (int i = 0; i < a.length; i++) {
                meanAbs += Math.abs(a[i] - n[i]);
                worst = Math.max(worst, NumericalGradient.relativeError(a[i], n[i], FLOOR));
            }
            results.add(new Result(key, a.length == 0 ? 0 : meanAbs / a.length, worst));
        }
        return results;
    }
}
