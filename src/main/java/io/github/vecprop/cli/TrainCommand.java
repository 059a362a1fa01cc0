package io.github.vecprop.cli;

import io.github.vecprop.io.Dataset;
import io.github.vecprop.io.NetFiles;
import io.github.vecprop.kernel.GemmThreads;
import io.github.vecprop.kernel.KernelProvider;
import io.github.vecprop.layer.Activation;
import io.github.vecprop.net.Init;
import io.github.vecprop.net.Sequential;
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
import java.util.stream.Collectors;

/** {@code vecprop train}: trains an MLP and ends with {@code test accuracy: 0.xxxx}. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Trains an MLP on Fashion-MNIST; the last line is the test accuracy.",
                "The net is Affine, activation, ..., Affine, softmax with cross-entropy; the default is the",
                "origin notes' TwoLayerNet 784-50-10 with ReLU. --data takes any directory of MNIST-format",
                "files. Progress goes to stderr."})
final class TrainCommand implements Callable<Integer> {
    @Mixin
    DataOption data;
    @Option(names = "--hidden", split = ",", defaultValue = "50", paramLabel = "N",
            description = "hidden layer widths, comma-separated, e.g. 100,50 (default: ${DEFAULT-VALUE})")
    List<Integer> hidden;
    @Option(names = "--activation", defaultValue = "relu", paramLabel = "NAME",
            description = "activation after each hidden layer: relu, sigmoid or tanh (default: ${DEFAULT-VALUE})")
    String activation;
    @Option(names = "--batchnorm", description = "a BatchNorm after every hidden Affine (before its activation)")
    boolean batchNorm;
    @Option(names = "--dropout", defaultValue = "0", paramLabel = "RATIO",
            description = "a Dropout of RATIO (inverted: kept activations scaled by 1/(1-RATIO)) after every hidden activation"
                    + " (default: none)")
    float dropout;
    @Option(names = "--weight-decay", defaultValue = "0", paramLabel = "LAMBDA",
            description = "L2 weight decay: LAMBDA/2 * sum(W^2) over the weight matrices joins the loss (default: none)")
    float weightDecay;
    @Option(names = "--train-size", paramLabel = "N", description = "train on the first N training images only (default: all)")
    Integer trainSize;
    @Option(names = "--batch", defaultValue = "100", description = "mini-batch size (default: ${DEFAULT-VALUE})")
    int batch;
    @Option(names = "--lr", defaultValue = "0.1", description = "learning rate (default: ${DEFAULT-VALUE})")
    float lr;
    @Option(names = "--optimizer", defaultValue = "sgd",
            description = "sgd, momentum, adagrad, rmsprop or adam (default: ${DEFAULT-VALUE})")
    String optimizer;
    @ArgGroup(exclusive = true)
    Length length = new Length();
    @ArgGroup(exclusive = true)
    InitChoice init = new InitChoice();
    @Option(names = "--seed", defaultValue = "42", description = "seed for weights and shuffling (default: ${DEFAULT-VALUE})")
    long seed;
    @Option(names = "--threads", description = "gemm threads (default: available processors)")
    Integer threads;
    @Option(names = "--save", paramLabel = "FILE",
            description = "save the trained model: .onnx (ONNX, opset 13), .safetensors, .npz (NumPy W1 b1 ... Wn bn, without the"
                    + " activation) or any other name (vecprop's format)")
    Path save;
    @Option(names = "--plot", paramLabel = "FILE.svg", description = "write loss and accuracy curves as SVG, and the history as CSV beside it")
    Path plot;

    static final class Length {
        @Option(names = "--epochs", description = "passes over the training set (default: 20)")
        Integer epochs;
        @Option(names = "--steps", description = "mini-batch steps in total (instead of --epochs)")
        Integer steps;
    }

    static final class InitChoice {
        @Option(names = "--init", paramLabel = "he|xavier|STD",
                description = "initial weights: he (std sqrt(2/n)), xavier (sqrt(1/n)) or a fixed std (default: 0.01)")
        String init;
        @Option(names = "--init-std", paramLabel = "STD", description = "a fixed std of the initial weights, as --init STD")
        Float std;

        Init choice() {
            return init != null ? Init.parse(init) : Init.std(std != null ? std : 0.01f);
        }
    }

    @Override
    public Integer call() throws Exception {
        for (int h : hidden) {
            if (h < 1) {
                throw new IllegalArgumentException("--hidden widths must be positive, got " + hidden);
            }
        }
        if (threads != null) {
            GemmThreads.setDefaultParallelism(threads);
        }
        // Checked before the data loads, so a typo fails at once.
        Optimizer opt = Optimizer.named(optimizer, lr);
        Activation act = Activation.named(activation);
        Init weights = init.choice();
        if (!(dropout >= 0f && dropout < 1f)) {
            throw new IllegalArgumentException("--dropout must be in [0, 1), got " + dropout);
        }
        if (!(weightDecay >= 0f) || Float.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("--weight-decay must be finite and non-negative, got " + weightDecay);
        }
        if (trainSize != null && trainSize < 1) {
            throw new IllegalArgumentException("--train-size must be at least 1, got " + trainSize);
        }
        Dataset d = data.load(System.err);
        if (trainSize != null) {
            if (trainSize < 1 || trainSize > d.trainImages().dim(0)) {
                throw new IllegalArgumentException("--train-size must be between 1 and " + d.trainImages().dim(0) + ", got " + trainSize);
            }
            d = d.firstTrainingRows(trainSize);
        }
        Sequential.Builder builder = Sequential.mlp(d.features(), hidden, d.classes()).activation(act).init(weights)
                .dropout(dropout).weightDecay(weightDecay).seed(seed);
        Sequential net = (batchNorm ? builder.batchNorm() : builder).build();
        if (save != null && NetFiles.isNpz(save) && !net.isMlp()) {
            // Found out now, not after the whole run.
            throw new IllegalArgumentException("--save " + save + ": a .npz file holds only a plain MLP's W1 b1 ... Wn bn, not"
                    + " --batchnorm or --dropout layers; save to vecprop's format (any name but .npz)");
        }
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
        String shape = d.features() + "-" + hidden.stream().map(String::valueOf).collect(Collectors.joining("-")) + "-" + d.classes();
        String title = String.format(Locale.ROOT, "MLP %s %s, init %s, %s lr %s, batch %d%s%s", shape, act, weights, optimizer, lr,
                batch, (batchNorm ? ", batchnorm" : "") + (dropout > 0 ? ", dropout " + dropout : ""),
                weightDecay > 0 ? ", weight decay " + weightDecay : "");
        System.err.printf(Locale.ROOT, "net: %s, %d steps (%.1f epochs), kernels %s, %d gemm threads%n",
                title, steps, steps / (double) perEpoch, KernelProvider.get().name(), GemmThreads.defaultParallelism());

        // Compile before the clock starts: interpreted vector code is orders of magnitude slower, and code
        // compiled only from the kernels' own shapes is compiled again in the first real steps (Trainer.warmUp).
        long w0 = System.nanoTime();
        boolean kernelsSteady = KernelProvider.warmUp(10_000);
        boolean stepSteady = trainer.warmUp(d.trainImages(), d.trainLabels(), 5_000);
        System.err.printf(Locale.ROOT, "kernels and the step warmed up in %.2f s%s%n", (System.nanoTime() - w0) / 1e9,
                kernelsSteady && stepSteady ? "" : " (" + (kernelsSteady ? "the step" : "the kernels")
                        + " not yet steady at the time limit; the first steps may be slower)");

        long t0 = System.nanoTime();
        History history = trainer.train(d.trainImages(), d.trainLabels(), d.testImages(), d.testLabels(), steps,
                new ProgressReporter(System.err, ProgressReporter.interactiveTerminal(), batch));
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.err.printf(Locale.ROOT, "trained in %.2f s: %.2f s in %d steps (%.1f µs per step), %.2f s in %d test evaluations%n",
                seconds, history.trainingNanos() / 1e9, steps, history.trainingNanos() / 1e3 / steps,
                history.evaluationNanos() / 1e9, history.epochs().size());

        if (save != null) {
            NetFiles.save(net, save);
            System.err.println("model saved to " + save);
        }
        if (plot != null) {
            String name = plot.getFileName().toString();
            Path csv = plot.resolveSibling((name.endsWith(".svg") ? name.substring(0, name.length() - 4) : name) + ".csv");
            LearningCurves.writeSvg(history, plot, title);
            history.writeCsv(csv);
            System.err.println("curves written to " + plot + " and " + csv);
        }
        // The book's overfitting experiment compares these two: accuracy on the images trained on, and on the test set.
        System.out.printf(Locale.ROOT, "train accuracy: %.4f%n", Trainer.evaluate(net, d.trainImages(), d.trainLabels(), 1000));
        System.out.printf(Locale.ROOT, "test accuracy: %.4f%n", history.finalTestAccuracy());
        return 0;
    }
}
