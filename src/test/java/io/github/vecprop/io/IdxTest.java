package io.github.vecprop.io;

import io.github.vecprop.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IdxTest {
    @TempDir
    Path dir;

    /** Three 2 x 2 images with the extremes 0 and 255 and values in between. */
    private static final byte[] PIXELS = {0, (byte) 255, (byte) 128, 1, 2, 3, 4, 5, (byte) 254, 100, (byte) 200, 50};

    static byte[] idx(int type, int[] dims, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length);
        b.put((byte) 0).put((byte) 0).put((byte) type).put((byte) dims.length);
        for (int d : dims) {
            b.putInt(d);
        }
        return b.put(data).array();
    }

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            gz.write(data);
        }
        return bytes.toByteArray();
    }

    @Test
    void imagesAndLabelsRoundTripRawAndGzip() throws IOException {
        for (String suffix : new String[] {"", ".gz"}) {
            Path images = dir.resolve("images" + suffix);
            Path labels = dir.resolve("labels" + suffix);
            Idx.writeImages(images, PIXELS, 3, 2, 2);
            Idx.writeLabels(labels, new int[] {9, 0, 255});

            byte[] onDisk = Files.readAllBytes(images);
            assertEquals(suffix.equals(".gz"), (onDisk[0] & 0xFF) == 0x1f && (onDisk[1] & 0xFF) == 0x8b, "gzip iff .gz");

            Tensor x = Idx.readImages(images);
            assertTrue(x.shape().is(3, 4), x.shape().toString());
            for (int i = 0; i < PIXELS.length; i++) {
                assertEquals((PIXELS[i] & 0xFF) / 255f, x.data()[i], "pixel " + i);
            }
            assertEquals(0f, x.data()[0]);
            assertEquals(1f, x.data()[1]);
            assertArrayEquals(new int[] {9, 0, 255}, Idx.readLabels(labels));
        }
    }

    @Test
    void rawFileMatchesTheStandardLayout() throws IOException {
        Path f = dir.resolve("images");
        Idx.writeImages(f, PIXELS, 3, 2, 2);
        assertArrayEquals(idx(0x08, new int[] {3, 2, 2}, PIXELS), Files.readAllBytes(f));
    }

    @Test
    void gzipIsDetectedByContentNotByName() throws IOException {
        Path gzNamedPlain = dir.resolve("images-idx3-ubyte");
        Files.write(gzNamedPlain, gzip(idx(0x08, new int[] {3, 2, 2}, PIXELS)));
        Path plainNamedGz = dir.resolve("labels.gz");
        Files.write(plainNamedGz, idx(0x08, new int[] {2}, new byte[] {7, 3}));
        assertEquals(3, Idx.readImages(gzNamedPlain).dim(0));
        assertArrayEquals(new int[] {7, 3}, Idx.readLabels(plainNamedGz));
    }

    @Test
    void streamsAreReadAndNamedInErrors() throws IOException {
        Tensor x = Idx.readImages(new ByteArrayInputStream(gzip(idx(0x08, new int[] {3, 2, 2}, PIXELS))), "res:images");
        assertEquals(12, x.size());
        CorruptFileException e = assertThrows(CorruptFileException.class,
                () -> Idx.readLabels(new ByteArrayInputStream(new byte[] {0, 0, 8, 1, 0, 0}), "res:labels"));
        assertTrue(e.getMessage().startsWith("res:labels: at byte 6: "), e.getMessage());
        assertTrue(e.file().isEmpty());
        assertEquals("res:labels", e.source());
    }

    @Test
    void truncatedAtEveryOffsetReportsFileAndOffset() throws IOException {
        byte[] good = idx(0x08, new int[] {3, 2, 2}, PIXELS);
        Path f = dir.resolve("cut-images");
        for (int cut = 0; cut < good.length; cut++) {
            Files.write(f, Arrays.copyOf(good, cut));
            CorruptFileException e = assertThrows(CorruptFileException.class, () -> Idx.readImages(f), "cut at " + cut);
            assertEquals(cut, e.offset(), e.getMessage());
            assertEquals(f, e.file().orElseThrow());
            assertTrue(e.getMessage().startsWith(f + ": at byte " + cut + ": "), e.getMessage());
        }
    }

    @Test
    void truncatedGzipIsCorruptAndNamesTheFile() throws IOException {
        byte[] gz = gzip(idx(0x08, new int[] {3, 2, 2}, PIXELS));
        Path f = dir.resolve("cut.gz");
        for (int cut = 2; cut < gz.length; cut++) {
            Files.write(f, Arrays.copyOf(gz, cut));
            CorruptFileException e = assertThrows(CorruptFileException.class, () -> Idx.readImages(f), "cut at " + cut);
            assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
        }
    }

    @Test
    void trailingBytesAreAnError() throws IOException {
        byte[] good = idx(0x08, new int[] {2}, new byte[] {1, 2});
        Path f = dir.resolve("labels");
        Files.write(f, Arrays.copyOf(good, good.length + 1));
        CorruptFileException e = assertThrows(CorruptFileException.class, () -> Idx.readLabels(f));
        assertEquals(good.length, e.offset());
        assertTrue(e.getMessage().contains("trailing"), e.getMessage());
    }

    @Test
    void malformedHeadersAreRejectedClearly() throws IOException {
        assertCorrupt(new byte[] {1, 0, 8, 1, 0, 0, 0, 0}, 0, "not an IDX file");
        assertCorrupt(idx(0x0D, new int[] {1}, new byte[4]), 2, "0x0d (float32) is not supported");
        assertCorrupt(idx(0x08, new int[0], new byte[0]), 3, "rank 0");
        assertCorrupt(idx(0x08, new int[] {1, 1, 1, 1, 1}, new byte[1]), 3, "rank 5");
        assertCorrupt(idx(0x08, new int[] {0x8000_0000}, new byte[0]), 4, "2147483648");
        assertCorrupt(idx(0x08, new int[] {65536, 65536}, new byte[0]), 8, "more elements than a Java array");
    }

    @Test
    void labelsAndImagesNeedTheirRanks() throws IOException {
        Path images = dir.resolve("images");
        Path labels = dir.resolve("labels");
        Idx.writeImages(images, PIXELS, 3, 2, 2);
        Idx.writeLabels(labels, new int[] {1, 2});
        assertTrue(assertThrows(CorruptFileException.class, () -> Idx.readLabels(images)).getMessage().contains("rank 1"));
        assertTrue(assertThrows(CorruptFileException.class, () -> Idx.readImages(labels)).getMessage().contains("rank 2 to 4"));
    }

    @Test
    void badWriteArgumentsAreRejectedAndWriteNothing() {
        Path f = dir.resolve("x");
        assertThrows(IllegalArgumentException.class, () -> Idx.writeLabels(f, new int[] {256}));
        assertThrows(IllegalArgumentException.class, () -> Idx.writeLabels(f, new int[] {-1}));
        assertThrows(IllegalArgumentException.class, () -> Idx.writeImages(f, PIXELS, 3, 2, 3));
        assertThrows(IllegalArgumentException.class, () -> Idx.write(f, new byte[1], 1, 1, 1, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> Idx.readImages((Path) null));
        assertTrue(Files.notExists(f));
    }

    private void assertCorrupt(byte[] bytes, long offset, String fragment) throws IOException {
        Path f = dir.resolve("bad");
        Files.write(f, bytes);
        CorruptFileException e = assertThrows(CorruptFileException.class, () -> Idx.readLabels(f));
        assertEquals(offset, e.offset(), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
        assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
    }
}
