package io.github.vecprop.cli;

import io.github.vecprop.io.Dataset;
import io.github.vecprop.net.Model;
import io.github.vecprop.net.Sequential;
import io.github.vecprop.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code vecprop evaluate}: the test accuracy of a saved model. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = {"Evaluates a saved model on a data set's test images; the last line is the test accuracy of the net",
                "in inference mode, the line before it that of the compiled serving model."})
final class EvaluateCommand implements Callable<Integer> {
    @Mixin
    DataOption data;
    @Mixin
    ModelOption model;

    @Override
    public Integer call() throws Exception {
        Sequential net = model.load();
        Dataset d = data.load(System.err);
        ModelOption.requireInputs(model.file, net.inputSize(), data.name(), d.features());
        ModelOption.requireClasses(model.file, net.outputSize(), data.name(), d.classes());
        double accuracy = Trainer.evaluate(net, d.testImages(), d.testLabels(), 1000);
        // The serving path too: the compiled model folds BatchNorm into the Affine before it, which may
        // change a score's last bits, rarely a class.
        Model served = net.freeze();
        int n = d.testImages().dim(0);
        int[] classes = new int[n];
        Model.Context ctx = served.newContext(Math.min(n, 1000));
        for (int start = 0; start < n; start += 1000) {
            served.predictClasses(ctx, d.testImages().data(), start * d.features(), Math.min(1000, n - start), classes, start);
        }
        int hits = 0;
        for (int i = 0; i < n; i++) {
            hits += classes[i] == d.testLabels()[i] ? 1 : 0;
        }
        System.out.printf(Locale.ROOT, "test accuracy of the compiled model: %.4f%n", hits / (double) n);
        System.out.printf(Locale.ROOT, "test accuracy: %.4f%n", accuracy);
        return 0;
    }
}
