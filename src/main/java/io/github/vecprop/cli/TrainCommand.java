package io.github.vecprop.cli;

import io.github.vecprop.io.Dataset;
import io.github.vecprop.kernel.GemmThreads;
import io.github.vecprop.kernel.KernelProvider;
import io.github.vecprop.net.TwoLayerNet;
import io.github.vecprop.optim.Optimizer;
import io.github.vecprop.train.History;
import io.github.vecprop.train.LearningCurves;
import io.github.vecprop.train.Trainer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code vecprop train}: trains a TwoLayerNet and ends with {@code test accuracy: 0.xxxx}. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Trains TwoLayerNet on Fashion-MNIST; the last line is the test accuracy.",
                "The net is Affine, ReLU, Affine, softmax with cross-entropy. --data takes any directory of",
                "MNIST-format files. Progress goes to stderr."})
final class TrainCommand implements Callable<Integer> {
    @Mixin
    DataOption data;
    @Option(names = "--hidden", split = ",", defaultValue = "50", paramLabel = "N",
            description = "hidden layer width (default: ${DEFAULT-VALUE}); one layer for now")
    List<Integer> hidden;
    @Option(names = "--batch", defaultValue = "100", description = "mini-batch size (default: ${DEFAULT-VALUE})")
    int batch;
    @Option(names = "--lr", defaultValue = "0.1", description = "learning rate (default: ${DEFAULT-VALUE})")
    float lr;
    @Option(names = "--optimizer", defaultValue = "sgd",
            description = "sgd, momentum, adagrad, rmsprop or adam (default: ${DEFAULT-VALUE})")
    String optimizer;
    @ArgGroup(exclusive = true)
    Length length = new Length();
    @Option(names = "--init-std", defaultValue = "0.01", description = "std of the initial weights (default: ${DEFAULT-VALUE})")
    float initStd;
    @Option(names = "--seed", defaultValue = "42", description = "seed for weights and shuffling (default: ${DEFAULT-VALUE})")
    long seed;
    @Option(names = "--threads", description = "gemm threads (default: available processors)")
    Integer threads;
    @Option(names = "--save", paramLabel = "FILE", description = "save the trained model (.npz: NumPy W1 b1 W2 b2; else vecprop's format)")
    Path save;
    @Option(names = "--plot", paramLabel = "FILE.svg", description = "write loss and accuracy curves as SVG, and the history as CSV beside it")
    Path plot;

    static final class Length {
        @Option(names = "--epochs", description = "passes over the training set (default: 20)")
        Integer epochs;
        @Option(names = "--steps", description = "mini-batch steps in total (instead of --epochs)")
        Integer steps;
    }

    @Override
    public Integer call() throws Exception {
        if (hidden.size() != 1) {
            throw new IllegalArgumentException("--hidden takes one width for now (TwoLayerNet); got " + hidden);
        }
        if (threads != null) {
            GemmThreads.setDefaultParallelism(threads);
        }
        // Checked before the data loads, so a typo fails at once.
        Optimizer opt = Optimizer.named(optimizer, lr);
        Dataset d = data.load(System.err);
        TwoLayerNet net = new TwoLayerNet(d.trainImages().dim(1), hidden.get(0), d.classes(), initStd, seed);
        Trainer trainer = new Trainer(net, opt, batch, seed);
        int perEpoch = trainer.stepsPerEpoch(d.trainImages().dim(0));
        if (perEpoch == 0) {
            throw new IllegalArgumentException("--batch " + batch + " is larger than the training set ("
                    + d.trainImages().dim(0) + " images)");
        }
        int steps;
        try {
            steps = length.steps != null ? length.steps : Math.multiplyExact(perEpoch, length.epochs != null ? length.epochs : 20);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("--epochs " + length.epochs + " means more than " + Integer.MAX_VALUE + " steps");
        }
        if (steps < 1) {
            throw new IllegalArgumentException("--steps and --epochs must be at least 1");
        }
        System.err.printf(Locale.ROOT, "net: %d-%d-%d, %s lr %s, batch %d, %d steps (%.1f epochs), kernels %s, %d gemm threads%n",
                net.inputSize(), net.hiddenSize(), net.outputSize(), optimizer, lr, batch, steps, steps / (double) perEpoch,
                KernelProvider.get().name(), GemmThreads.defaultParallelism());

        // Compile the kernels before the clock starts: interpreted vector code is orders of magnitude slower.
        long w0 = System.nanoTime();
        boolean steady = KernelProvider.warmUp(3_000);
        System.err.printf(Locale.ROOT, "kernels warmed up in %.2f s%s%n", (System.nanoTime() - w0) / 1e9,
                steady ? "" : " (still allocating at the 3 s limit; the first steps may be slower)");

        long t0 = System.nanoTime();
        History history = trainer.train(d.trainImages(), d.trainLabels(), d.testImages(), d.testLabels(), steps,
                new ProgressReporter(System.err, ProgressReporter.interactiveTerminal(), batch));
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.err.printf(Locale.ROOT, "trained in %.2f s: %.2f s in %d steps (%.1f µs per step), %.2f s in %d test evaluations%n",
                seconds, history.trainingNanos() / 1e9, steps, history.trainingNanos() / 1e3 / steps,
                history.evaluationNanos() / 1e9, history.epochs().size());

        if (save != null) {
            ModelFiles.save(net, save);
            System.err.println("model saved to " + save);
        }
        if (plot != null) {
            String name = plot.getFileName().toString();
            Path csv = plot.resolveSibling((name.endsWith(".svg") ? name.substring(0, name.length() - 4) : name) + ".csv");
            LearningCurves.writeSvg(history, plot, String.format(Locale.ROOT, "TwoLayerNet %d-%d-%d, %s lr %s, batch %d",
                    net.inputSize(), net.hiddenSize(), net.outputSize(), optimizer, lr, batch));
            history.writeCsv(csv);
            System.err.println("curves written to " + plot + " and " + csv);
        }
        System.out.printf(Locale.ROOT, "test accuracy: %.4f%n", history.finalTestAccuracy());
        return 0;
    }
}
