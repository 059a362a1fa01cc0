package io.github.vecprop.io;

import io.github.vecprop.net.Architecture;
import io.github.vecprop.net.Sequential;
import io.github.vecprop.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * safetensors: PyTorch state dicts written by {@code scripts/make-onnx-fixtures.py} (F32, and F16 and
 * BF16 widened) give PyTorch's outputs; vecprop's own files round-trip whole nets; a damaged header is
 * named.
 */
class SafetensorsTest {
    @TempDir
    Path dir;

    @Test
    void aPyTorchStateDictLoadsTransposedAndGivesPyTorchsOutputs() throws Exception {
        Sequential net = NetFiles.load(OnnxTest.fixture("mlp-784-50-10.safetensors"));
        assertEquals("Sequential input=784\nAffine in=784 out=50\nRelu\nAffine in=50 out=10\nSoftmaxWithLoss",
                net.architecture().toText().strip());
        float[] expected = Npz.read(OnnxTest.fixture("mlp-784-50-10.npz")).get("output").data();
        OnnxTest.assertCloseEach(expected, net.predict(FashionMnist.loadEmbeddedSubset().testImages()).data(), "PyTorch (expected), F32 state dict");
        // The same weights as the ONNX export, bit for bit.
        Sequential onnx = Onnx.read(OnnxTest.fixture("mlp-784-50-10.onnx"));
        for (String k : net.params().keySet()) {
            assertArrayEquals(onnx.params().get(k).data(), net.params().get(k).data(), k);
        }
        for (String half : new String[] {"f16", "bf16"}) {
            Sequential h = NetFiles.load(OnnxTest.fixture("mlp-784-50-10-" + half + ".safetensors"));
            Map<String, Tensor> io = Npz.read(OnnxTest.fixture("mlp-784-50-10-" + half + ".npz"));
            OnnxTest.assertCloseEach(io.get("output").data(), h.predict(io.get("input")).data(), "PyTorch (expected), " + half + " widened");
        }
    }

    @Test
    void aStateDictOfMixedActivationsLoadsIntoTheArchitectureTheCallerGives() throws Exception {
        Architecture a = Architecture.parse("Sequential input=784\nAffine in=784 out=64\nTanh\nAffine in=64 out=32\nSigmoid\n"
                + "Affine in=32 out=10\nSoftmaxWithLoss\n");
        Sequential net = NetFiles.load(OnnxTest.fixture("tanh-sigmoid.safetensors"), a);
        Map<String, Tensor> io = Npz.read(OnnxTest.fixture("tanh-sigmoid.npz"));
        float[] scores = net.predict(io.get("input")).data();
        // PyTorch's output went through LogSoftmax: compare the differences from each row's first score.
        float[] expected = io.get("output").data();
        for (int i = 0; i < scores.length; i++) {
            int row = i / 10 * 10;
            assertEquals(expected[i] - expected[row], scores[i] - scores[row], 2e-5, "element " + i);
        }
        CorruptFileException e = assertThrows(CorruptFileException.class,
                () -> NetFiles.load(OnnxTest.fixture("tanh-sigmoid.safetensors"), Architecture.parse(
                        "Sequential input=784\nAffine in=784 out=64\nTanh\nAffine in=64 out=10\nSoftmaxWithLoss\n")));
        assertTrue(e.getMessage().contains("more than the architecture's 2 Affine and BatchNorm layers"), e.getMessage());
    }

    @Test
    void aBatchNormStateDictLoadsIntoAGivenArchitecture() throws Exception {
        Architecture a = Architecture.parse("Sequential input=784\nAffine in=784 out=32\nBatchNorm features=32 eps=1.0E-5 momentum=0.9\n"
                + "Relu\nDropout ratio=0.2 seed=0\nAffine in=32 out=10\nSoftmaxWithLoss\n");
        Path sd = OnnxTest.fixture("batchnorm-dropout.safetensors");
        Sequential net = NetFiles.load(sd, a);
        net.setTraining(false);
        Map<String, Tensor> io = Npz.read(OnnxTest.fixture("batchnorm-dropout.npz"));
        float[] s = net.predict(io.get("input")).data();
        float[] p = io.get("output").data();
        // PyTorch's output went through Softmax: compare log-ratios to each row's first class.
        for (int i = 0; i < s.length; i++) {
            int row = i / 10 * 10;
            assertEquals(Math.log(p[i] / p[row]), s[i] - s[row], 1e-4, "element " + i);
        }
        CorruptFileException e = assertThrows(CorruptFileException.class, () -> NetFiles.load(sd));
        assertTrue(e.getMessage().contains("state_dict layer '1' has"), e.getMessage());
    }

    @Test
    void vecpropsOwnFilesRoundTripAnyNet() throws Exception {
        Sequential net = Sequential.mlp(6, 5, 3).batchNorm().dropout(0.2f).seed(9).build();
        net.tensors().values().forEach(t -> t.data()[0] += 0.25f);
        Path f = dir.resolve("n.safetensors");
        NetFiles.save(net, f);
        Sequential back = NetFiles.load(f);
        assertEquals(net.architecture(), back.architecture());
        for (String k : net.tensors().keySet()) {
            assertArrayEquals(net.tensors().get(k).data(), back.tensors().get(k).data(), k);
        }
        Safetensors.Contents c = Safetensors.read(f);
        assertEquals("vecprop", c.metadata().get("format"));
        assertEquals(net.tensors().keySet(), c.tensors().keySet());
    }

    private Path file(String json, int dataBytes) throws Exception {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        Path f = dir.resolve("t.safetensors");
        Files.write(f, b.array());
        return f;
    }

    @Test
    void damagedHeadersAreNamed() throws Exception {
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                "tensor 'b' starts at data offset 4, but the tensors before it end at 8 (a gap or an overlap)");
        cases.put("{\"a\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", "tensor 'a' has dtype I64; only F32, F16 and BF16 are read");
        cases.put("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", "tensor 'a' covers 8 bytes, but F32 [3] needs 12");
        cases.put("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", "the tensors end at data offset 4, but the file holds 8 data bytes");
        cases.put("{\"a\":1,\"a\":2}", "duplicate key \"a\"");
        cases.put("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}} x", "unexpected text after the header object");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            Path f = file(c.getKey(), 8);
            CorruptFileException e = assertThrows(CorruptFileException.class, () -> Safetensors.read(f), c.getKey());
            assertTrue(e.getMessage().startsWith(f + ": at byte "), e.getMessage());
            assertTrue(e.getMessage().contains(c.getValue()), e.getMessage());
        }
        Path huge = dir.resolve("h.safetensors");
        Files.write(huge, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40).array());
        CorruptFileException e = assertThrows(CorruptFileException.class, () -> Safetensors.read(huge));
        assertTrue(e.getMessage().contains("header length 1099511627776 is not 2 to"), e.getMessage());

        Map<String, Tensor> bn = new LinkedHashMap<>();
        bn.put("0.weight", Tensor.zeros(4, 6));
        bn.put("0.bias", Tensor.zeros(4));
        bn.put("1.weight", Tensor.zeros(4));
        bn.put("1.bias", Tensor.zeros(4));
        bn.put("1.running_mean", Tensor.zeros(4));
        Path sd = dir.resolve("bn.safetensors");
        Safetensors.write(sd, bn, Map.of());
        e = assertThrows(CorruptFileException.class, () -> NetFiles.load(sd));
        assertTrue(e.getMessage().contains("state_dict layer '1' has weight [4], bias [4], running_mean [4]"), e.getMessage());
    }
}
