package io.github.vecprop.io;

import io.github.vecprop.check.Properties;
import io.github.vecprop.check.RandomNets;
import io.github.vecprop.check.Sizes;
import io.github.vecprop.check.TestData;
import io.github.vecprop.kernel.KernelProvider;
import io.github.vecprop.layer.Activation;
import io.github.vecprop.net.Init;
import io.github.vecprop.net.Sequential;
import io.github.vecprop.net.TwoLayerNet;
import io.github.vecprop.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Whole nets through files: round trips of random architectures in both formats, version 1 files, and unsuitable files. */
class NetFilesTest {
    @TempDir
    Path dir;

    private static void assertSamePredictions(Sequential a, Sequential b, long seed) {
        int n = 5;
        Tensor x = Tensor.of(TestData.uniform(seed, n * a.inputSize(), -1f, 1f), n, a.inputSize());
        float[] expected = a.predict(x).data().clone();
        assertArrayEquals(expected, b.predict(x).data());
    }

    @Test
    void anyArchitectureRoundTripsThroughTheModelFile() {
        Properties.qt().forAll(Sizes.seeds()).checkAssert(seed -> {
            Sequential net = RandomNets.net(seed, 4, 40, KernelProvider.get());
            Path f = dir.resolve("net.vpm");
            try {
                NetFiles.save(net, f);
                Sequential back = NetFiles.load(f);
                assertEquals(net.architecture(), back.architecture());
                assertEquals(net.params().keySet(), back.params().keySet());
                net.params().forEach((k, v) -> assertArrayEquals(v.data(), back.params().get(k).data(), k));
                assertSamePredictions(net, back, seed);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
    }

    @Test
    void anMlpRoundTripsThroughNpzWithItsActivationGivenOnLoad() {
        Properties.qt().forAll(Sizes.seeds()).checkAssert(seed -> {
            SplittableRandom rnd = new SplittableRandom(seed);
            int[] sizes = new int[2 + rnd.nextInt(4)];
            for (int i = 0; i < sizes.length; i++) {
                sizes[i] = 1 + rnd.nextInt(40);
            }
            Activation act = Activation.values()[rnd.nextInt(3)];
            Sequential net = Sequential.mlp(sizes).activation(act).init(Init.he()).seed(seed).build();
            Path f = dir.resolve("net.npz");
            try {
                NetFiles.save(net, f);
                Sequential back = NetFiles.load(f, act);
                assertEquals(net.architecture(), back.architecture());
                assertSamePredictions(net, back, seed);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
    }

    @Test
    void batchNormStatisticsAndTheDropoutRatioRoundTrip() throws IOException {
        Sequential net = Sequential.mlp(12, 8, 6, 3).batchNorm().dropout(0.3f).activation(Activation.TANH).seed(9).build();
        Tensor x = Tensor.of(TestData.uniform(1, 10 * 12, -1f, 1f), 10, 12);
        io.github.vecprop.optim.Optimizer.named("adam", 0.01f).update(net.params(), net.gradient(x, TestData.labels(2, 10, 3)));
        Path f = dir.resolve("bn.vpm");
        NetFiles.save(net, f);
        Sequential back = NetFiles.load(f);
        assertEquals(net.architecture(), back.architecture());
        assertEquals(net.tensors().keySet(), back.tensors().keySet());
        net.tensors().forEach((k, v) -> assertArrayEquals(v.data(), back.tensors().get(k).data(), k));
        assertTrue(back.architecture().toText().contains("Dropout ratio=0.3 seed="));
        net.setTraining(false);
        back.setTraining(false);
        assertSamePredictions(net, back, 3);
        assertThrows(IllegalArgumentException.class, () -> NetFiles.save(net, dir.resolve("bn.npz")));
    }

    @Test
    void aVersion1FileLoadsAsTheTwoLayerNetItHeld() throws IOException {
        // Written by 'vecprop train --data subset --steps 50 --hidden 12 --save v1-twolayernet.vpm' at commit 9854272.
        Path f = dir.resolve("v1.vpm");
        try (InputStream in = NetFilesTest.class.getResourceAsStream("v1-twolayernet.vpm")) {
            Files.copy(in, f);
        }
        ModelFile.Contents raw = ModelFile.read(f);
        assertEquals(1, raw.version());
        Sequential net = NetFiles.load(f);
        assertInstanceOf(TwoLayerNet.class, net);
        assertEquals(12, ((TwoLayerNet) net).hiddenSize());
        for (String k : raw.params().keySet()) {
            assertArrayEquals(raw.params().get(k).data(), net.params().get(k).data(), k);
        }
        // Saved again, it becomes a version 2 file with the same net.
        Path again = dir.resolve("v2.vpm");
        NetFiles.save(net, again);
        assertEquals(ModelFile.VERSION, ModelFile.read(again).version());
        assertSamePredictions(net, NetFiles.load(again), 1);
    }

    private CorruptFileException corrupt(Path f) {
        CorruptFileException e = assertThrows(CorruptFileException.class, () -> NetFiles.load(f));
        assertTrue(e.getMessage().startsWith(f.toString() + ": "), e.getMessage());
        return e;
    }

    private Map<String, Tensor> params() {
        return new LinkedHashMap<>(new TwoLayerNet(6, 4, 3, 0.1f, 1).params());
    }

    @Test
    void tensorsThatDoNotMatchTheArchitectureAreNamed() throws IOException {
        String arch = new TwoLayerNet(6, 4, 3, 0.1f, 1).architecture().toText();
        Path f = dir.resolve("bad.vpm");

        Map<String, Tensor> p = params();
        p.remove("W2");
        ModelFile.write(f, arch, p);
        assertTrue(corrupt(f).getMessage().contains("has 43 parameter elements, but the file holds only 31 in [W1, b1, b2]"));

        p = params();
        p.put("W1", Tensor.zeros(6, 5));
        ModelFile.write(f, arch, p);
        assertTrue(corrupt(f).getMessage().contains("parameter W1 has shape [6, 5] but this net needs [6, 4]"));

        p = params();
        p.put("W3", Tensor.zeros(1));
        ModelFile.write(f, arch, p);
        assertTrue(corrupt(f).getMessage().contains("unexpected parameter 'W3'"));

        ModelFile.write(f, arch, Map.of());
        assertTrue(corrupt(f).getMessage().contains("but the file holds only 0 in []"));

        // A few bytes that claim a huge net are rejected before anything is allocated.
        ModelFile.write(f, "Sequential input=40000\nAffine in=40000 out=40000\nSoftmaxWithLoss\n", params());
        assertTrue(corrupt(f).getMessage().contains("has 1600040000 parameter elements, but the file holds only 43"));

        // Same count, wrong names.
        p = params();
        Tensor w2 = p.remove("W2");
        p.put("V2", w2);
        ModelFile.write(f, arch, p);
        assertTrue(corrupt(f).getMessage().contains("parameter W2 is missing"));

        ModelFile.write(f, "Sequential input=6\nConv2d in=6 out=3\nSoftmaxWithLoss\n", params());
        CorruptFileException e = corrupt(f);
        assertTrue(e.getMessage().contains("unknown layer kind 'Conv2d'"), e.getMessage());
        assertEquals(16, e.offset());

        ModelFile.write(f, "Sequential input=6\nAffine in=5 out=3\nSoftmaxWithLoss\n", params());
        assertTrue(corrupt(f).getMessage().contains("Affine W has shape [5, 3] but its input rows have 6 columns"));

        ModelFile.write(f, "TwoLayerNet", params());
        assertTrue(corrupt(f).getMessage().contains("an architecture is a 'Sequential input=N' line"));
    }

    @Test
    void aNetThatANpzCannotHoldIsRefusedBeforeWriting() {
        Path f = dir.resolve("mse.npz");
        Sequential mse = Sequential.mlp(4, 3, 2).meanSquaredError().build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NetFiles.save(mse, f));
        assertTrue(e.getMessage().contains("save it in vecprop's format"), e.getMessage());
        var k = KernelProvider.get();
        Sequential mixed = new Sequential(4, java.util.List.of(io.github.vecprop.layer.Affine.zeros(4, 3, k),
                new io.github.vecprop.layer.Tanh(k), io.github.vecprop.layer.Affine.zeros(3, 3, k), new io.github.vecprop.layer.Relu(k),
                io.github.vecprop.layer.Affine.zeros(3, 2, k)), new io.github.vecprop.layer.SoftmaxWithLoss(k));
        assertThrows(IllegalArgumentException.class, () -> NetFiles.save(mixed, f));
        assertTrue(Files.notExists(f));
        assertTrue(Sequential.mlp(4, 3, 3, 2).activation(Activation.TANH).build().isMlp());
        assertTrue(Sequential.mlp(4, 2).build().isMlp());
    }

    @Test
    void npzFilesThatAreNotAnMlpAreNamed() throws IOException {
        Path f = dir.resolve("bad.npz");
        Map<String, Tensor> p = params();
        p.remove("b2");
        Npz.write(f, p);
        assertTrue(corrupt(f).getMessage().contains("parameter b2 is missing"));

        Npz.write(f, Map.of("weights", Tensor.zeros(2, 2)));
        assertTrue(corrupt(f).getMessage().contains("no W1"));

        p = params();
        p.remove("W1");
        Npz.write(f, p);
        assertTrue(corrupt(f).getMessage().contains("parameter W1 is missing; an MLP with 2 layers needs W1 to W2"));

        p = params();
        p.put("W2", Tensor.zeros(5, 3));
        Npz.write(f, p);
        assertTrue(corrupt(f).getMessage().contains("W1 has 4 outputs but W2 has shape [5, 3]; it needs 4 rows"));
    }
}
