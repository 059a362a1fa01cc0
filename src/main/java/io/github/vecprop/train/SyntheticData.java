package io.github.vecprop.train;

import io.github.vecprop.io.Dataset;
import io.github.vecprop.tensor.Tensor;

import java.util.SplittableRandom;

/** Seeded synthetic classification tasks, for demos and tests that need no files. */
public final class SyntheticData {
    private SyntheticData() {
    }

    /**
     * Gaussian clusters: one centre per class drawn uniformly from {@code [-1, 1]^features}, and each
     * sample its class centre plus N(0, 1) noise per feature; classes take turns. The same seed gives
     * the same data on every JVM.
     *
     * @throws IllegalArgumentException unless {@code features >= 1}, {@code classes >= 2} and both sizes are at least 1
     */
    public static Dataset clusters(long seed, int features, int classes, int trainSize, int testSize) {
        if (features < 1 || classes < 2 || trainSize < 1 || testSize < 1) {
            throw new IllegalArgumentException("need features >= 1, classes >= 2 and at least one train and test sample; got "
                    + features + " features, " + classes + " classes, " + trainSize + " train, " + testSize + " test");
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        float[][] centers = new float[classes][features];
        for (float[] c : centers) {
            for (int j = 0; j < features; j++) {
                c[j] = (float) (2 * rnd.nextDouble() - 1);
            }
        }
        int[] trainLabels = new int[trainSize];
        Tensor train = samples(rnd, centers, trainLabels);
        int[] testLabels = new int[testSize];
        Tensor test = samples(rnd, centers, testLabels);
        return new Dataset(train, trainLabels, test, testLabels, classes);
    }

    private static Tensor samples(SplittableRandom rnd, float[][] centers, int[] labels) {
        int features = centers[0].length;
        Tensor x = Tensor.gaussian(rnd.nextLong(), 1f, labels.length, features);
        float[] d = x.data();
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i % centers.length;
            for (int j = 0; j < features; j++) {
                d[i * features + j] += centers[labels[i]][j];
            }
        }
        return x;
    }
}
