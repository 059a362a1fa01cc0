package io.github.vecprop.io;

import io.github.vecprop.tensor.Shape;
import io.github.vecprop.tensor.Tensor;

/**
 * A labelled classification data set split into training and test parts: images as batch matrices
 * ({@code N x features}, one row per example) and one label in {@code [0, classes)} per row.
 *
 * <p>The record holds the given tensors and arrays themselves (no copies); treat them as read-only
 * if the data set is shared between threads. {@code equals} compares them by identity.
 *
 * @param trainImages training inputs, {@code N x features}
 * @param trainLabels one label per training row
 * @param testImages test inputs, {@code M x features} (same features as training)
 * @param testLabels one label per test row
 * @param classes the number of classes, at least 1
 */
public record Dataset(Tensor trainImages, int[] trainLabels, Tensor testImages, int[] testLabels, int classes) {
    /**
     * @throws IllegalArgumentException if anything is null, an image tensor is not a matrix, the
     *     feature counts differ, a label count does not match its images, or a label is out of range
     */
    public Dataset {
        Shape.requireNonNull("trainImages", trainImages);
        Shape.requireNonNull("trainLabels", trainLabels);
        Shape.requireNonNull("testImages", testImages);
        Shape.requireNonNull("testLabels", testLabels);
        if (classes < 1) {
            throw new IllegalArgumentException("classes must be at least 1, got " + classes);
        }
        if (trainImages.rank() != 2 || testImages.rank() != 2) {
            throw new IllegalArgumentException("images must be matrices (N x features), got train " + trainImages.shape()
                    + " and test " + testImages.shape());
        }
        if (trainImages.dim(1) != testImages.dim(1)) {
            throw new IllegalArgumentException("train images " + trainImages.shape() + " and test images "
                    + testImages.shape() + " have different feature counts");
        }
        requireLabels("train", trainImages, trainLabels, classes);
        requireLabels("test", testImages, testLabels, classes);
    }

    /**
     * The same data set with only the first {@code n} training rows (copied); the test part is shared.
     *
     * @throws IllegalArgumentException unless {@code 1 <= n <=} the number of training rows
     */
    public Dataset firstTrainingRows(int n) {
        if (n < 1 || n > trainImages.dim(0)) {
            throw new IllegalArgumentException("the training set has " + trainImages.dim(0) + " rows; cannot keep the first " + n);
        }
        int f = features();
        return new Dataset(Tensor.of(java.util.Arrays.copyOf(trainImages.data(), n * f), n, f),
                java.util.Arrays.copyOf(trainLabels, n), testImages, testLabels, classes);
    }

    /** Number of inputs per example (e.g. 784 for 28 x 28 images). */
    public int features() {
        return trainImages.dim(1);
    }

    private static void requireLabels(String part, Tensor images, int[] labels, int classes) {
        if (labels.length != images.dim(0)) {
            throw new IllegalArgumentException(part + " images " + images.shape() + " have " + images.dim(0)
                    + " rows but there are " + labels.length + " " + part + " labels");
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IllegalArgumentException(part + " label " + labels[i] + " at index " + i
                        + " is not in [0, " + classes + ")");
            }
        }
    }
}
