package io.github.vecprop.jmh;

import io.github.vecprop.io.Dataset;
import io.github.vecprop.io.FashionMnist;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * Real images for the benchmarks whose speed depends on the data: the first training images of the Fashion-MNIST
 * subset embedded in the library (balanced over the classes, so the first 100 mix them), pixels in [0, 1].
 */
final class BenchData {
    private BenchData() {
    }

    /** The first {@code rows} training images, 784 floats each. */
    static float[] fashionImages(int rows) {
        return Arrays.copyOf(subset(rows).trainImages().data(), rows * 784);
    }

    /** Their labels. */
    static int[] fashionLabels(int rows) {
        return Arrays.copyOf(subset(rows).trainLabels(), rows);
    }

    private static Dataset subset(int rows) {
        Dataset d = subset();
        if (rows < 1 || rows > d.trainLabels().length) {
            throw new IllegalArgumentException("the embedded subset has " + d.trainLabels().length
                    + " training images, not " + rows);
        }
        return d;
    }

    private static Dataset subset() {
        try {
            return FashionMnist.loadEmbeddedSubset();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
