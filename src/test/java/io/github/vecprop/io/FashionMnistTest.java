package io.github.vecprop.io;

import io.github.vecprop.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class FashionMnistTest {
    @TempDir
    Path dir;

    private static int[] classCounts(int[] labels) {
        int[] counts = new int[FashionMnist.CLASSES];
        for (int t : labels) {
            counts[t]++;
        }
        return counts;
    }

    private static void assertPixelsInUnitRange(Tensor x) {
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (float v : x.data()) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        assertEquals(0f, min, "the darkest pixel is 0");
        assertEquals(1f, max, "the brightest pixel is 255 / 255");
    }

    @Test
    void embeddedSubsetIsBalancedAndScaled() throws IOException {
        Dataset d = FashionMnist.loadEmbeddedSubset();
        assertTrue(d.trainImages().shape().is(4000, 784), d.trainImages().shape().toString());
        assertTrue(d.testImages().shape().is(1000, 784), d.testImages().shape().toString());
        assertEquals(10, d.classes());
        assertEquals(784, d.features());
        int[] train = new int[10];
        Arrays.fill(train, 400);
        int[] test = new int[10];
        Arrays.fill(test, 100);
        assertArrayEquals(train, classCounts(d.trainLabels()));
        assertArrayEquals(test, classCounts(d.testLabels()));
        assertPixelsInUnitRange(d.trainImages());
        assertPixelsInUnitRange(d.testImages());
        // Every value is some byte / 255.
        for (float v : d.testImages().data()) {
            assertEquals(v, Math.round(v * 255f) / 255f);
        }
    }

    @Test
    void subsetIsTheFirstImagesOfEachClassOfTheDebianFiles() throws IOException {
        assumeTrue(FashionMnist.isInstalled(FashionMnist.DEBIAN_DIR), "dataset-fashion-mnist is not installed");
        Dataset full = FashionMnist.load(FashionMnist.DEBIAN_DIR);
        assertEquals(60_000, full.trainImages().dim(0));
        assertEquals(10_000, full.testImages().dim(0));
        Dataset subset = FashionMnist.loadEmbeddedSubset();
        assertFirstPerClass(full.testImages(), full.testLabels(), subset.testImages(), subset.testLabels(), 100);
        assertFirstPerClass(full.trainImages(), full.trainLabels(), subset.trainImages(), subset.trainLabels(), 400);
    }

    private static void assertFirstPerClass(Tensor fullX, int[] fullT, Tensor subX, int[] subT, int perClass) {
        int[] taken = new int[10];
        int row = 0;
        int d = fullX.dim(1);
        for (int i = 0; i < fullT.length && row < subT.length; i++) {
            if (taken[fullT[i]]++ < perClass) {
                assertEquals(fullT[i], subT[row], "label of subset row " + row);
                assertTrue(Arrays.equals(fullX.data(), i * d, (i + 1) * d, subX.data(), row * d, (row + 1) * d),
                        "subset row " + row + " is full row " + i);
                row++;
            }
        }
        assertEquals(subT.length, row);
    }

    private void writeTiny(boolean gzip, int badLabel) throws IOException {
        String gz = gzip ? ".gz" : "";
        byte[] pixels = new byte[3 * 2 * 2];
        pixels[5] = (byte) 255;
        Idx.writeImages(dir.resolve("train-images-idx3-ubyte" + gz), pixels, 3, 2, 2);
        Idx.writeLabels(dir.resolve("train-labels-idx1-ubyte" + gz), new int[] {0, 9, badLabel});
        Idx.writeImages(dir.resolve("t10k-images-idx3-ubyte" + gz), new byte[4], 1, 2, 2);
        Idx.writeLabels(dir.resolve("t10k-labels-idx1-ubyte" + gz), new int[] {5});
    }

    @Test
    void loadsGzipAndUncompressedNames() throws IOException {
        for (boolean gzip : new boolean[] {true, false}) {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.delete(p);
                }
            }
            writeTiny(gzip, 3);
            assertTrue(FashionMnist.isInstalled(dir));
            Dataset d = FashionMnist.load(dir);
            assertTrue(d.trainImages().shape().is(3, 4));
            assertEquals(1f, d.trainImages().get(1, 1));
            assertArrayEquals(new int[] {0, 9, 3}, d.trainLabels());
            assertArrayEquals(new int[] {5}, d.testLabels());
        }
    }

    @Test
    void missingFileErrorListsNamesAndDirectory() throws IOException {
        writeTiny(true, 3);
        Files.delete(dir.resolve("t10k-labels-idx1-ubyte.gz"));
        assertFalse(FashionMnist.isInstalled(dir));
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> FashionMnist.load(dir));
        assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("t10k-labels-idx1-ubyte.gz"), e.getMessage());
        assertTrue(e.getMessage().contains("nor t10k-labels-idx1-ubyte "), e.getMessage());
    }

    @Test
    void labelOutOfRangeIsReportedAtItsByte() throws IOException {
        writeTiny(false, 10);
        CorruptFileException e = assertThrows(CorruptFileException.class, () -> FashionMnist.load(dir));
        assertEquals(8 + 2, e.offset());
        assertEquals(dir.resolve("train-labels-idx1-ubyte"), e.file().orElseThrow());
    }

    @Test
    void datasetValidatesItsParts() {
        Tensor x = Tensor.zeros(2, 3);
        assertThrows(IllegalArgumentException.class, () -> new Dataset(x, new int[] {0}, x, new int[] {0, 1}, 2));
        assertThrows(IllegalArgumentException.class, () -> new Dataset(x, new int[] {0, 2}, x, new int[] {0, 1}, 2));
        assertThrows(IllegalArgumentException.class, () -> new Dataset(x, new int[] {0, 1}, Tensor.zeros(2, 4), new int[] {0, 1}, 2));
        assertThrows(IllegalArgumentException.class, () -> new Dataset(x, new int[] {0, 1}, x, null, 2));
        assertEquals(3, new Dataset(x, new int[] {0, 1}, x, new int[] {1, 1}, 2).features());
    }
}
