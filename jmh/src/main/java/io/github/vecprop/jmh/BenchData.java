package io.github.vecprop.jmh;

import io.github.vecprop.io.Dataset;
import io.github.vecprop.io.FashionMnist;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * Real images for the benchmarks whose speed may depend on the data: the first training images of the
 * Fashion-MNIST subset embedded in the library, pixels in [0, 1]. The subset keeps the training file's order, so
 * its first 100 images are the full set's first 100 (all 10 classes).
 */
final class BenchData {
    /** Pixels per image. */
    static final int PIXELS = 784;

    private BenchData() {
    }

    /** The first {@code rows} training images, {@link #PIXELS} floats each. */
    static float[] images(int rows) {
        return Arrays.copyOf(subset(rows).trainImages().data(), rows * PIXELS);
    }

    /** Their labels. */
    static int[] labels(int rows) {
        return Arrays.copyOf(subset(rows).trainLabels(), rows);
    }

    private static Dataset subset(int rows) {
        Dataset d = Subset.DATA;
        if (rows < 1 || rows > d.trainLabels().length) {
            throw new IllegalArgumentException("the embedded subset has " + d.trainLabels().length
                    + " training images, not " + rows);
        }
        return d;
    }

    /** Read once, when first needed. */
    private static final class Subset {
        static final Dataset DATA = load();

        private static Dataset load() {
            try {
                return FashionMnist.loadEmbeddedSubset();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
