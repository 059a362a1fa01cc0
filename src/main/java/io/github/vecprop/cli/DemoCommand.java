package io.github.vecprop.cli;

import io.github.vecprop.io.Dataset;
import io.github.vecprop.kernel.KernelProvider;
import io.github.vecprop.net.TwoLayerNet;
import io.github.vecprop.optim.Sgd;
import io.github.vecprop.tensor.Tensor;
import io.github.vecprop.train.History;
import io.github.vecprop.train.SyntheticData;
import io.github.vecprop.train.Trainer;
import io.github.vecprop.train.TrainingListener;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.Locale;

/**
 * The origin notes end to end on a small seeded synthetic task ({@link SyntheticData#clusters}): the
 * notes' gradient check, then plain SGD on mini-batches through the library's {@link Trainer},
 * printing loss and accuracy.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Gradient check and a short training run of TwoLayerNet on seeded synthetic clusters.")
final class DemoCommand implements Runnable {
    @Option(names = "--features", defaultValue = "20", description = "input dimensions (default: ${DEFAULT-VALUE})")
    int features;
    @Option(names = "--classes", defaultValue = "4", description = "number of classes (default: ${DEFAULT-VALUE})")
    int classes;
    @Option(names = "--hidden", defaultValue = "16", description = "hidden units (default: ${DEFAULT-VALUE})")
    int hidden;
    @Option(names = "--steps", defaultValue = "300", description = "SGD steps (default: ${DEFAULT-VALUE})")
    int steps;
    @Option(names = "--batch", defaultValue = "50", description = "mini-batch size (default: ${DEFAULT-VALUE})")
    int batch;
    @Option(names = "--lr", defaultValue = "0.1", description = "learning rate (default: ${DEFAULT-VALUE})")
    float lr;
    @Option(names = "--seed", defaultValue = "42", description = "seed for data, weights and batches (default: ${DEFAULT-VALUE})")
    long seed;

    private static final int TRAIN = 1000;
    private static final int TEST = 200;

    @Override
    public void run() {
        if (features < 1 || classes < 2 || hidden < 1 || steps < 0 || batch < 1 || batch > TRAIN || !(lr > 0)) {
            throw new IllegalArgumentException("need features >= 1, classes >= 2, hidden >= 1, steps >= 0, 1 <= batch <= "
                    + TRAIN + " and lr > 0");
        }
        PrintStream out = System.out;
        out.printf("vecprop demo: JDK %s, kernels %s%n", Runtime.version(), KernelProvider.get().name());
        Dataset d = SyntheticData.clusters(seed, features, classes, TRAIN, TEST);
        out.printf("data: %d train and %d test samples, %d features, %d classes%n", TRAIN, TEST, features, classes);

        TwoLayerNet net = new TwoLayerNet(features, hidden, classes, 0.1f, seed);
        Tensor xBatch = Tensor.of(Arrays.copyOf(d.trainImages().data(), 3 * features), 3, features);
        GradcheckCommand.print(net, xBatch, Arrays.copyOf(d.trainLabels(), 3), out);

        Trainer trainer = new Trainer(net, new Sgd(lr), batch, seed);
        History h = trainer.train(d.trainImages(), d.trainLabels(), d.testImages(), d.testLabels(), steps, new TrainingListener() {
            @Override
            public void onStep(int epoch, int step, int totalSteps, double loss) {
                if (step % 50 == 0 || step == totalSteps) {
                    out.printf(Locale.ROOT, "step %4d  loss %.4f%n", step, loss);
                }
            }
        });
        out.printf(Locale.ROOT, "train accuracy: %.4f%n", trainer.evaluate(d.trainImages(), d.trainLabels()));
        out.printf(Locale.ROOT, "test accuracy: %.4f%n", steps == 0 ? trainer.evaluate(d.testImages(), d.testLabels())
                : h.finalTestAccuracy());
    }
}
