package io.github.vecprop.io;

import io.github.vecprop.check.Properties;
import io.github.vecprop.check.Sizes;
import io.github.vecprop.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every writer's output reads back bit for bit, on random ranks (1 to 4), dimensions (0 to 9, so
 * empty tensors too) and float bit patterns (NaNs with payloads, infinities, subnormals, -0).
 */
class IoProperties {
    @TempDir
    Path dir;

    /** A tensor whose rank and dimensions come from {@code shapeSeed} and whose elements are arbitrary bit patterns. */
    static Tensor randomTensor(long shapeSeed, int maxDim) {
        SplittableRandom rnd = new SplittableRandom(shapeSeed);
        int[] dims = new int[1 + rnd.nextInt(4)];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = rnd.nextInt(maxDim + 1);
        }
        Tensor t = Tensor.zeros(dims);
        for (int i = 0; i < t.size(); i++) {
            // Quiet NaNs only: a signalling NaN's payload is not guaranteed to survive a float load on every JVM/CPU.
            float f = Float.intBitsToFloat(rnd.nextInt());
            t.data()[i] = Float.isNaN(f) ? Float.intBitsToFloat(Float.floatToRawIntBits(f) | 0x0040_0000) : f;
        }
        return t;
    }

    static void assertBitExact(String what, Tensor expected, Tensor actual) {
        assertEquals(expected.shape(), actual.shape(), what);
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(Float.floatToRawIntBits(expected.data()[i]), Float.floatToRawIntBits(actual.data()[i]),
                    what + " element " + i);
        }
    }

    @Test
    void modelFileRoundTripsBitExactly() {
        Path f = dir.resolve("p.vpm");
        Properties.qt().forAll(Sizes.between(0, 5), Sizes.seeds()).checkAssert((count, seed) -> {
            Map<String, Tensor> params = new LinkedHashMap<>();
            for (int i = 0; i < count; i++) {
                // Names with multi-byte UTF-8 to exercise byte (not char) lengths.
                params.put("p" + i + "é€" + Long.toHexString(seed).substring(0, 1 + i % 3), randomTensor(seed + i, 9));
            }
            String arch = "mlp " + seed;
            try {
                ModelFile.write(f, arch, params);
                ModelFile.Contents m = ModelFile.read(f);
                assertEquals(arch, m.architecture());
                assertEquals(params.keySet().stream().toList(), m.params().keySet().stream().toList());
                for (String k : params.keySet()) {
                    assertBitExact(k, params.get(k), m.params().get(k));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    @Test
    void npyFloat32RoundTripsBitExactly() {
        Properties.qt().forAll(Sizes.seeds(), Sizes.between(0, 12)).checkAssert((seed, maxDim) -> {
            Tensor t = randomTensor(seed, maxDim);
            try {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                Npy.write(out, t, false);
                assertEquals(0, (out.size() - 4 * t.size()) % 64, "data starts 64-byte aligned");
                assertBitExact("npy", t, Npy.read(new ByteArrayInputStream(out.toByteArray()), "mem.npy"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    @Test
    void npyFloat64RoundTripsEveryFloat32Value() {
        Properties.qt().forAll(Sizes.seeds(), Sizes.between(0, 12)).checkAssert((seed, maxDim) -> {
            Tensor t = randomTensor(seed, maxDim);
            try {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                Npy.write(out, t, true);
                Tensor back = Npy.read(new ByteArrayInputStream(out.toByteArray()), "mem.npy");
                assertEquals(t.shape(), back.shape());
                for (int i = 0; i < t.size(); i++) {
                    // Widening then narrowing is exact for every float32; NaN payloads are not promised through float64.
                    assertEquals(Float.floatToIntBits(t.data()[i]), Float.floatToIntBits(back.data()[i]), "element " + i);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    @Test
    void npzRoundTripsBitExactly() {
        Path f = dir.resolve("p.npz");
        Properties.qt().forAll(Sizes.between(0, 4), Sizes.seeds()).checkAssert((count, seed) -> {
            Map<String, Tensor> arrays = new LinkedHashMap<>();
            for (int i = 0; i < count; i++) {
                arrays.put("a" + i, randomTensor(seed + i, 7));
            }
            try {
                if ((seed & 1) == 0) {
                    Npz.write(f, arrays);
                } else {
                    Npz.writeCompressed(f, arrays);
                }
                Map<String, Tensor> back = Npz.read(f);
                assertEquals(arrays.keySet().stream().toList(), back.keySet().stream().toList());
                for (String k : arrays.keySet()) {
                    assertBitExact(k, arrays.get(k), back.get(k));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
