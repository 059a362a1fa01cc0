package io.github.vecprop.cli;

import io.github.vecprop.net.NumericalGradient;
import io.github.vecprop.net.TwoLayerNet;
import io.github.vecprop.tensor.Tensor;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;

/** The origin notes' gradient check, printed: backprop against the float32 numerical gradient, per parameter. */
final class GradientCheck {
    /** The largest relative error (floor 1e-3) accepted between backprop and the float32 numerical gradient. */
    static final double TOLERANCE = 5e-2;
    private static final double FLOOR = 1e-3;

    private GradientCheck() {
    }

    /** Prints one line per parameter (mean absolute and worst relative difference); returns true if all are within {@link #TOLERANCE}. */
    static boolean run(TwoLayerNet net, Tensor x, int[] t, PrintStream out) {
        Map<String, Tensor> numeric = net.numericalGradient(x, t);
        Map<String, Tensor> backprop = net.gradient(x, t);
        out.printf(Locale.ROOT, "gradient check on %d samples (float32, h = %s): mean |backprop - numerical|, worst relative error%n",
                x.dim(0), NumericalGradient.FLOAT_STEP);
        boolean ok = true;
        for (String key : net.params().keySet()) {
            float[] a = backprop.get(key).data();
            float[] n = numeric.get(key).data();
            double meanAbs = 0;
            double worst = 0;
            for (int i = 0; i < a.length; i++) {
                meanAbs += Math.abs(a[i] - n[i]);
                worst = Math.max(worst, NumericalGradient.relativeError(a[i], n[i], FLOOR));
            }
            out.printf(Locale.ROOT, "  %-3s %.3e  %.3e%n", key + ":", meanAbs / a.length, worst);
            ok &= worst <= TOLERANCE;
        }
        return ok;
    }
}
