package io.github.vecprop.cli;

import io.github.vecprop.kernel.KernelProvider;
import io.github.vecprop.net.TwoLayerNet;
import io.github.vecprop.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The origin notes end to end on a small seeded synthetic task: Gaussian clusters, one per class, in
 * {@code --features} dimensions. Prints the notes' gradient check (mean |backprop - numerical| per
 * parameter), then trains with plain SGD on random mini-batches and prints loss and accuracy.
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
        SplittableRandom rnd = new SplittableRandom(seed);
        float[][] centers = new float[classes][features];
        for (float[] c : centers) {
            for (int j = 0; j < features; j++) {
                c[j] = (float) (2 * rnd.nextDouble() - 1);
            }
        }
        int[] trainLabels = new int[TRAIN];
        Tensor xTrain = clusters(rnd, centers, trainLabels);
        int[] testLabels = new int[TEST];
        Tensor xTest = clusters(rnd, centers, testLabels);
        out.printf("data: %d train and %d test samples, %d features, %d classes%n", TRAIN, TEST, features, classes);

        TwoLayerNet net = new TwoLayerNet(features, hidden, classes, 0.1f, seed);

        // The notes' gradient check on a few samples.
        Tensor xBatch = Tensor.of(Arrays.copyOf(xTrain.data(), 3 * features), 3, features);
        int[] tBatch = Arrays.copyOf(trainLabels, 3);
        GradientCheck.run(net, xBatch, tBatch, out);

        Tensor x = Tensor.zeros(batch, features);
        int[] t = new int[batch];
        for (int step = 1; step <= steps; step++) {
            for (int r = 0; r < batch; r++) {
                int pick = rnd.nextInt(TRAIN);
                System.arraycopy(xTrain.data(), pick * features, x.data(), r * features, features);
                t[r] = trainLabels[pick];
            }
            Map<String, Tensor> grads = net.gradient(x, t);
            for (Map.Entry<String, Tensor> p : net.params().entrySet()) {
                float[] w = p.getValue().data();
                float[] g = grads.get(p.getKey()).data();
                for (int i = 0; i < w.length; i++) {
                    w[i] -= lr * g[i];
                }
            }
            if (step % 50 == 0 || step == steps) {
                out.printf("step %4d  loss %.4f%n", step, net.loss(x, t));
            }
        }
        out.printf("train accuracy: %.4f%n", net.accuracy(xTrain, trainLabels));
        out.printf("test accuracy: %.4f%n", net.accuracy(xTest, testLabels));
    }

    /** {@code labels.length} samples, class by turns, each its class centre plus N(0, 1) noise per feature. */
    private Tensor clusters(SplittableRandom rnd, float[][] centers, int[] labels) {
        Tensor x = Tensor.gaussian(rnd.nextLong(), 1f, labels.length, features);
        float[] d = x.data();
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i % classes;
            for (int j = 0; j < features; j++) {
                d[i * features + j] += centers[labels[i]][j];
            }
        }
        return x;
    }
}
