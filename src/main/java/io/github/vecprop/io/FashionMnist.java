package io.github.vecprop.io;

import io.github.vecprop.tensor.Shape;
import io.github.vecprop.tensor.Tensor;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * Loads Fashion-MNIST (Zalando SE, MIT licence): 28 x 28 grey-scale images of clothing in 10
 * classes, as a {@link Dataset} of {@code N x 784} float tensors with values in [0, 1] (byte / 255).
 *
 * <p>{@link #load} reads the four standard IDX files from a directory, such as the Debian package's
 * {@link #DEBIAN_DIR} (60,000 training and 10,000 test images). {@link #loadEmbeddedSubset} reads a
 * small class-balanced subset shipped in this library's resources (4,000 training images, the first
 * 400 of each class in file order, and 1,000 test images, the first 100 of each class), made by
 * {@code scripts/make-fashion-subset.py}. Every call reads afresh and returns new tensors the caller
 * owns; the methods are thread-safe.
 */
public final class FashionMnist {
    /** Where the Debian package {@code dataset-fashion-mnist} installs the data set. */
    public static final Path DEBIAN_DIR = Path.of("/usr/share/datasets/fashion-mnist");
    /** The number of classes. */
    public static final int CLASSES = 10;
    /** The class names, indexed by label. */
    public static final List<String> CLASS_NAMES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
    /** The classpath directory of the embedded subset. */
    static final String SUBSET_RESOURCE_DIR = "/io/github/vecprop/data/fashion-mnist-subset/";

    private static final String TRAIN_IMAGES = "train-images-idx3-ubyte";
    private static final String TRAIN_LABELS = "train-labels-idx1-ubyte";
    private static final String TEST_IMAGES = "t10k-images-idx3-ubyte";
    private static final String TEST_LABELS = "t10k-labels-idx1-ubyte";

    private FashionMnist() {
    }

    /**
     * Reads {@code train-images-idx3-ubyte}, {@code train-labels-idx1-ubyte},
     * {@code t10k-images-idx3-ubyte} and {@code t10k-labels-idx1-ubyte} from {@code dir}, each either
     * gzip-compressed with a {@code .gz} suffix (preferred when both exist) or uncompressed without.
     * The standard MNIST files in the same layout load too.
     *
     * @throws NoSuchFileException if a file is missing; the message lists the names tried and the directory
     * @throws CorruptFileException if a file is malformed, a label is not below 10, image and label counts differ, or
     *     training and test images differ in size
     * @throws IOException if a file cannot be read
     */
    public static Dataset load(Path dir) throws IOException {
        Shape.requireNonNull("dir", dir);
        Path trainImages = find(dir, TRAIN_IMAGES);
        Path trainLabels = find(dir, TRAIN_LABELS);
        Path testImages = find(dir, TEST_IMAGES);
        Path testLabels = find(dir, TEST_LABELS);
        // One budget for the four files: the read limit bounds the whole data set.
        ByteInput.Budget budget = new ByteInput.Budget();
        Tensor xTrain = Idx.readImages(trainImages, budget);
        int[] tTrain = Idx.readLabels(trainLabels, budget);
        Tensor xTest = Idx.readImages(testImages, budget);
        int[] tTest = Idx.readLabels(testLabels, budget);
        check(xTrain, tTrain, trainImages.toString(), trainLabels, trainLabels.toString());
        check(xTest, tTest, testImages.toString(), testLabels, testLabels.toString());
        if (xTrain.dim(0) == 0 || xTest.dim(0) == 0 || xTrain.dim(1) == 0) {
            throw new CorruptFileException(xTrain.dim(0) == 0 || xTrain.dim(1) == 0 ? trainImages : testImages, -1,
                    "no images to learn from or test on: training images " + xTrain.shape() + ", test images " + xTest.shape());
        }
        if (xTrain.dim(1) != xTest.dim(1)) {
            throw new CorruptFileException(testImages, -1, "test images of " + xTest.dim(1) + " pixels, but the training images "
                    + trainImages + " have " + xTrain.dim(1));
        }
        return new Dataset(xTrain, tTrain, xTest, tTest, CLASSES);
    }

    /**
     * True if {@code dir} holds all four files {@link #load} needs (each gzip-compressed or not); says
     * nothing about whether they are well-formed.
     */
    public static boolean isInstalled(Path dir) {
        Shape.requireNonNull("dir", dir);
        for (String base : List.of(TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS)) {
            if (!Files.isRegularFile(dir.resolve(base + ".gz")) && !Files.isRegularFile(dir.resolve(base))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Reads the subset embedded in this library's resources (see the class comment): 4,000 training and
     * 1,000 test images, balanced over the 10 classes.
     *
     * @throws IOException if a resource is missing or corrupt (a broken build)
     */
    public static Dataset loadEmbeddedSubset() throws IOException {
        Tensor xTrain;
        int[] tTrain;
        Tensor xTest;
        int[] tTest;
        try (InputStream in = resource(TRAIN_IMAGES)) {
            xTrain = Idx.readImages(in, resourceName(TRAIN_IMAGES));
        }
        try (InputStream in = resource(TRAIN_LABELS)) {
            tTrain = Idx.readLabels(in, resourceName(TRAIN_LABELS));
        }
        try (InputStream in = resource(TEST_IMAGES)) {
            xTest = Idx.readImages(in, resourceName(TEST_IMAGES));
        }
        try (InputStream in = resource(TEST_LABELS)) {
            tTest = Idx.readLabels(in, resourceName(TEST_LABELS));
        }
        check(xTrain, tTrain, resourceName(TRAIN_IMAGES), null, resourceName(TRAIN_LABELS));
        check(xTest, tTest, resourceName(TEST_IMAGES), null, resourceName(TEST_LABELS));
        return new Dataset(xTrain, tTrain, xTest, tTest, CLASSES);
    }

    private static Path find(Path dir, String base) throws NoSuchFileException {
        Path gz = dir.resolve(base + ".gz");
        if (Files.isRegularFile(gz)) {
            return gz;
        }
        Path raw = dir.resolve(base);
        if (Files.isRegularFile(raw)) {
            return raw;
        }
        throw new NoSuchFileException(dir.toString(), null, "neither " + base + ".gz nor " + base
                + " found in this directory" + (Files.isDirectory(dir) ? "" : " (which does not exist)")
                + "; on Debian, apt-get install dataset-fashion-mnist puts them in " + DEBIAN_DIR);
    }

    private static String resourceName(String base) {
        return "classpath:" + SUBSET_RESOURCE_DIR.substring(1) + base + ".gz";
    }

    private static InputStream resource(String base) throws IOException {
        InputStream in = FashionMnist.class.getResourceAsStream(SUBSET_RESOURCE_DIR + base + ".gz");
        if (in == null) {
            throw new NoSuchFileException(resourceName(base), null, "embedded Fashion-MNIST subset resource is missing from the classpath");
        }
        return in;
    }

    /** Label range and counts, reported against the files so a broken download is easy to find. */
    private static void check(Tensor images, int[] labels, String imageSource, Path labelFile, String labelSource) throws CorruptFileException {
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] >= CLASSES) {
                // 8 header bytes (magic + one dimension) precede label i.
                throw new CorruptFileException(labelFile, labelSource, 8L + i, "label " + labels[i] + " at index " + i
                        + " is not a Fashion-MNIST class (0 to " + (CLASSES - 1) + ")", null);
            }
        }
        if (images.dim(0) != labels.length) {
            throw new CorruptFileException(labelFile, labelSource, -1, "has " + labels.length + " labels but "
                    + imageSource + " has " + images.dim(0) + " images", null);
        }
    }
}
