package io.github.vecprop.cli;

import io.github.vecprop.io.Dataset;
import io.github.vecprop.layer.Activation;
import io.github.vecprop.net.GradientCheck;
import io.github.vecprop.net.Init;
import io.github.vecprop.net.NumericalGradient;
import io.github.vecprop.net.Sequential;
import io.github.vecprop.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code vecprop gradcheck}: the origin notes' gradient check on real images. Exit code 1 if it fails. */
@Command(name = "gradcheck", mixinStandardHelpOptions = true,
        description = {"Runs the notes' gradient check: backprop against the float32 numerical gradient.",
                "It checks a fresh net or a saved one on the first training images, and exits with 1",
                "if any relative error exceeds 5e-2."})
final class GradcheckCommand implements Callable<Integer> {
    @Mixin
    DataOption data;
    @Option(names = "--model", paramLabel = "FILE", description = "check a saved model instead of a fresh one")
    Path model;
    @Option(names = "--activation", defaultValue = "relu", paramLabel = "NAME",
            description = "activation of the fresh net, or between the layers of a .npz model (default: ${DEFAULT-VALUE})")
    String activation;
    @Option(names = "--hidden", split = ",", defaultValue = "10", paramLabel = "N",
            description = "hidden widths of the fresh net (default: ${DEFAULT-VALUE})")
    List<Integer> hidden;
    @Option(names = "--init-std", defaultValue = "0.1", description = "std of the fresh net's weights (default: ${DEFAULT-VALUE})")
    float initStd;
    @Option(names = "--samples", defaultValue = "3", description = "images to check on (default: ${DEFAULT-VALUE})")
    int samples;
    @Option(names = "--seed", defaultValue = "42", description = "seed of the fresh net (default: ${DEFAULT-VALUE})")
    long seed;

    @Override
    public Integer call() throws Exception {
        Activation act = Activation.named(activation);
        Sequential net = model == null ? null : ModelOption.load(model, activation);
        Dataset d = data.load(System.err);
        int pixels = d.features();
        if (net != null) {
            ModelOption.requireInputs(model, net.inputSize(), data.name(), pixels);
            ModelOption.requireClasses(model, net.outputSize(), data.name(), d.classes());
        }
        if (samples < 1 || samples > d.trainImages().dim(0)) {
            throw new IllegalArgumentException("--samples must be between 1 and " + d.trainImages().dim(0) + ", got " + samples);
        }
        if (net == null) {
            net = Sequential.mlp(pixels, hidden, d.classes()).activation(act).init(Init.std(initStd)).seed(seed).build();
        }
        Tensor x = Tensor.of(Arrays.copyOf(d.trainImages().data(), samples * pixels), samples, pixels);
        int[] t = Arrays.copyOf(d.trainLabels(), samples);
        boolean ok = print(net, x, t, System.out);
        System.out.println(ok ? "gradient check passed" : "gradient check FAILED");
        return ok ? 0 : 1;
    }

    /** Runs {@link GradientCheck} and prints one line per parameter; true if every parameter passed. */
    static boolean print(Sequential net, Tensor x, int[] t, PrintStream out) {
        List<GradientCheck.Result> results = GradientCheck.run(net, x, t);
        out.printf(Locale.ROOT, "gradient check on %d samples (float32, h = %s): mean |backprop - numerical|, worst relative error%n",
                x.dim(0), NumericalGradient.FLOAT_STEP);
        boolean ok = true;
        for (GradientCheck.Result r : results) {
            out.printf(Locale.ROOT, "  %-4s %.3e  %.3e%n", r.name() + ":", r.meanAbsDifference(), r.worstRelativeError());
            ok &= r.passed();
        }
        return ok;
    }
}
