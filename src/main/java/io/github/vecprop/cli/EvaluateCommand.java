package io.github.vecprop.cli;

import io.github.vecprop.io.Dataset;
import io.github.vecprop.net.TwoLayerNet;
import io.github.vecprop.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code vecprop evaluate}: the test accuracy of a saved model. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Evaluates a saved model on a data set's test images; the last line is the test accuracy.")
final class EvaluateCommand implements Callable<Integer> {
    @Mixin
    DataOption data;
    @Option(names = "--model", required = true, paramLabel = "FILE", description = "model saved by 'train --save' (.npz or vecprop format)")
    Path model;

    @Override
    public Integer call() throws Exception {
        TwoLayerNet net = ModelFiles.load(model);
        Dataset d = data.load(System.err);
        double accuracy = Trainer.evaluate(net, d.testImages(), d.testLabels(), 1000);
        System.out.printf(Locale.ROOT, "test accuracy: %.4f%n", accuracy);
        return 0;
    }
}
