package io.github.vecprop.cli;

import io.github.vecprop.io.Dataset;
import io.github.vecprop.net.Sequential;
import io.github.vecprop.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code vecprop evaluate}: the test accuracy of a saved model. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Evaluates a saved model on a data set's test images; the last line is the test accuracy.")
final class EvaluateCommand implements Callable<Integer> {
    @Mixin
    DataOption data;
    @Mixin
    ModelOption model;

    @Override
    public Integer call() throws Exception {
        Sequential net = model.load();
        Dataset d = data.load(System.err);
        double accuracy = Trainer.evaluate(net, d.testImages(), d.testLabels(), 1000);
        System.out.printf(Locale.ROOT, "test accuracy: %.4f%n", accuracy);
        return 0;
    }
}
