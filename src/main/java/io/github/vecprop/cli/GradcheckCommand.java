package io.github.vecprop.cli;

import io.github.vecprop.io.Dataset;
import io.github.vecprop.net.TwoLayerNet;
import io.github.vecprop.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Arrays;
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
    @Option(names = "--hidden", defaultValue = "10", description = "hidden width of the fresh net (default: ${DEFAULT-VALUE})")
    int hidden;
    @Option(names = "--init-std", defaultValue = "0.1", description = "std of the fresh net's weights (default: ${DEFAULT-VALUE})")
    float initStd;
    @Option(names = "--samples", defaultValue = "3", description = "images to check on (default: ${DEFAULT-VALUE})")
    int samples;
    @Option(names = "--seed", defaultValue = "42", description = "seed of the fresh net (default: ${DEFAULT-VALUE})")
    long seed;

    @Override
    public Integer call() throws Exception {
        Dataset d = data.load(System.err);
        int pixels = d.trainImages().dim(1);
        if (samples < 1 || samples > d.trainImages().dim(0)) {
            throw new IllegalArgumentException("--samples must be between 1 and " + d.trainImages().dim(0) + ", got " + samples);
        }
        TwoLayerNet net = model != null ? ModelFiles.load(model) : new TwoLayerNet(pixels, hidden, d.classes(), initStd, seed);
        Tensor x = Tensor.of(Arrays.copyOf(d.trainImages().data(), samples * pixels), samples, pixels);
        int[] t = Arrays.copyOf(d.trainLabels(), samples);
        boolean ok = GradientCheck.run(net, x, t, System.out);
        System.out.println(ok ? "gradient check passed" : "gradient check FAILED");
        return ok ? 0 : 1;
    }
}
