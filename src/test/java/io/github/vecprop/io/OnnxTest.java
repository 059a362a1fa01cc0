package io.github.vecprop.io;

import io.github.vecprop.layer.Activation;
import io.github.vecprop.net.Init;
import io.github.vecprop.net.Model;
import io.github.vecprop.net.Sequential;
import io.github.vecprop.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ONNX import against files that {@code torch.onnx.export} (PyTorch 1.13.1) really wrote, made by
 * {@code scripts/make-onnx-fixtures.py} with PyTorch's outputs beside them; the refused cases; and
 * export then import, which must give the same net bit for bit.
 */
class OnnxTest {
    @TempDir
    Path dir;

    static Path fixture(String name) throws URISyntaxException {
        return Path.of(OnnxTest.class.getResource("onnx/" + name).toURI());
    }

    /** The net's scores through the graph's last operator (none, Softmax or LogSoftmax), as PyTorch's output is. */
    private static float[] outputs(Sequential net, Tensor x, String last) {
        Tensor s = net.predict(x);
        int n = s.dim(0);
        int c = s.dim(1);
        float[] out = s.data().clone();
        if (last.isEmpty()) {
            return out;
        }
        double[] scores = new double[out.length];
        for (int i = 0; i < out.length; i++) {
            scores[i] = out[i];
        }
        double[] p = io.github.vecprop.check.Reference.softmax(scores, n, c);
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (last.equals("Softmax") ? p[i] : Math.log(p[i]));
        }
        return out;
    }

    /** Within {@code tolerance} times the outputs' scale (at least 1): float32 sums of a trained net's logits round at their size. */
    private static void assertClose(float[] expected, float[] actual, double tolerance, String what) {
        assertEquals(expected.length, actual.length, what);
        double worst = 0;
        double scale = 1;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
            scale = Math.max(scale, Math.abs(expected[i]));
        }
        tolerance *= scale;
        assertTrue(worst <= tolerance, what + ": max |PyTorch - vecprop| = " + worst + " > " + tolerance);
    }

    /** Every element within 1e-5 of {@code expected}'s, relative to its size (at least 1). */
    static void assertCloseEach(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            double tolerance = 1e-5 * Math.max(1, Math.abs(expected[i]));
            assertTrue(Math.abs(expected[i] - actual[i]) <= tolerance, what + " element " + i + ": expected " + expected[i]
                    + ", got " + actual[i]);
        }
    }

    /** The class (index of the highest score) of each row of {@code scores}. */
    static int[] argmax(float[] scores, int classes) {
        int[] k = new int[scores.length / classes];
        for (int i = 0; i < k.length; i++) {
            for (int j = 1; j < classes; j++) {
                if (scores[i * classes + j] > scores[i * classes + k[i]]) {
                    k[i] = j;
                }
            }
        }
        return k;
    }

    @Test
    void pytorchExportsGivePyTorchsOutputs() throws Exception {
        Map<String, String> lastOp = Map.of("tanh-sigmoid", "LogSoftmax", "batchnorm-dropout", "Softmax", "flatten", "",
                "matmul-add", "");
        for (Map.Entry<String, String> e : lastOp.entrySet()) {
            Sequential net = NetFiles.load(fixture(e.getKey() + ".onnx"));
            Map<String, Tensor> io = Npz.read(fixture(e.getKey() + ".npz"));
            Tensor x = io.get("input");
            float[] expected = io.get("output").data();
            float[] got = outputs(net, x, e.getValue());
            assertClose(expected, got, 1e-5, e.getKey());
            assertArrayEquals(argmax(expected, 10), argmax(got, 10), e.getKey() + " classes");
            // The compiled model too (BatchNorm folded into the Affine before it): within the folding's rounding.
            Model m = net.freeze();
            float[] served = new float[x.dim(0) * 10];
            m.predict(m.newContext(x.dim(0)), x.data(), 0, x.dim(0), served, 0);
            assertClose(net.predict(x).data(), served, 1e-5, e.getKey() + " compiled");
            if (e.getKey().equals("batchnorm-dropout")) {
                // The folding error, reported in the README: scores before the Softmax, unfolded against folded.
                float[] unfolded = net.predict(x).data();
                double worst = 0;
                for (int i = 0; i < served.length; i++) {
                    worst = Math.max(worst, Math.abs(unfolded[i] - served[i]));
                }
                System.out.printf("BatchNormalization folded into Gemm: max |unfolded - folded| = %.3g on %d rows%n", worst, x.dim(0));
            }
        }
    }

    @Test
    void theFashionMnistNetGivesPyTorchsClassOnEverySubsetImage() throws Exception {
        Sequential net = Onnx.read(fixture("mlp-784-50-10.onnx"));
        assertEquals("Sequential input=784\nAffine in=784 out=50\nRelu\nAffine in=50 out=10\nSoftmaxWithLoss",
                net.architecture().toText().strip());
        Tensor x = FashionMnist.loadEmbeddedSubset().testImages();
        float[] expected = Npz.read(fixture("mlp-784-50-10.npz")).get("output").data();
        float[] got = net.predict(x).data();
        assertClose(expected, got, 1e-5, "784-50-10 on the subset's 1000 test images");
        assertArrayEquals(argmax(expected, 10), argmax(got, 10));
    }

    @Test
    void unsupportedModelsAreRefusedNamingTheNodeTheOperatorAndTheOpset() throws Exception {
        Map<String, String> expected = Map.of(
                "unsupported-conv.onnx", "node 'conv0' (Conv, opset 13): operator Conv is not supported",
                "unsupported-external.onnx", "initializer 'W' keeps its data in an external file, which is not supported",
                "unsupported-int64.onnx", "node 'fc' (Gemm, opset 13): its B 'W' is not float32",
                "unsupported-branch.onnx", "'input' is read by 2 nodes ([relu (Relu), mm (MatMul)]): not a chain");
        for (Map.Entry<String, String> e : expected.entrySet()) {
            Path f = fixture(e.getKey());
            CorruptFileException x = assertThrows(CorruptFileException.class, () -> Onnx.read(f));
            assertTrue(x.getMessage().startsWith(f + ": "), x.getMessage());
            assertTrue(x.getMessage().contains(e.getValue()), x.getMessage());
        }
    }

    @Test
    void exportThenImportIsBitIdentical() throws Exception {
        List<Sequential> nets = List.of(
                Sequential.mlp(7, 5, 3).seed(1).build(),
                Sequential.mlp(6, 4, 4, 2).activation(Activation.TANH).init(Init.xavier()).seed(2).build(),
                Sequential.mlp(6, 5, 3).activation(Activation.SIGMOID).batchNorm().dropout(0.3f).seed(3).build(),
                Sequential.mlp(4, 3, 2).meanSquaredError().seed(4).build());
        Tensor x = Tensor.of(new float[] {0.1f, -0.4f, 0.9f, 0.3f, -0.2f, 0.5f, 0.7f, 0.2f, -0.6f, 0.4f, 0.0f, 1.0f, 0.8f, -0.3f}, 2, 7);
        for (Sequential net : nets) {
            // Non-trivial running statistics, as a trained BatchNorm has.
            for (Tensor t : net.tensors().values()) {
                for (int i = 0; i < t.size(); i++) {
                    t.data()[i] += 0.01f * (i % 7);
                }
            }
            Path f = dir.resolve("net.onnx");
            NetFiles.save(net, f);
            Sequential back = NetFiles.load(f);
            assertEquals(net.architecture(), back.architecture());
            assertEquals(net.tensors().keySet(), back.tensors().keySet());
            for (String k : net.tensors().keySet()) {
                assertArrayEquals(net.tensors().get(k).data(), back.tensors().get(k).data(), k);
            }
            Tensor in = Tensor.of(java.util.Arrays.copyOf(x.data(), 2 * net.inputSize()), 2, net.inputSize());
            net.setTraining(false);
            assertArrayEquals(net.predict(in).data(), back.predict(in).data());
        }
    }

    @Test
    void damagedProtobufIsACleanErrorWithAnOffset() throws Exception {
        byte[] valid = Files.readAllBytes(fixture("mlp-784-50-10.onnx"));
        Path f = dir.resolve("cut.onnx");
        Files.write(f, java.util.Arrays.copyOf(valid, valid.length / 2));
        CorruptFileException e = assertThrows(CorruptFileException.class, () -> Onnx.read(f));
        assertTrue(e.getMessage().matches("\\Q" + f + "\\E: at byte \\d+: .*"), e.getMessage());
        Files.write(f, new byte[] {0x0F});
        e = assertThrows(CorruptFileException.class, () -> Onnx.read(f));
        assertTrue(e.getMessage().contains("wire type 7"), e.getMessage());
    }

    /** A model of the given nodes over input {@code [batch, 2]} (or {@code dims}) and 2x2 weights W and V. */
    private static byte[] model(List<Protobuf.Writer> nodes, long... dims) {
        Protobuf.Writer g = new Protobuf.Writer();
        nodes.forEach(n -> g.message(1, n));
        for (String w : new String[] {"W", "V"}) {
            java.nio.ByteBuffer raw = java.nio.ByteBuffer.allocate(16).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            raw.putFloat(1).putFloat(2).putFloat(3).putFloat(4);
            g.message(5, new Protobuf.Writer().int64(1, 2).int64(1, 2).int64(2, 1).string(8, w).bytes(9, raw.array()));
        }
        Protobuf.Writer shape = new Protobuf.Writer().message(1, new Protobuf.Writer().string(2, "batch"));
        for (long d : dims.length == 0 ? new long[] {2} : dims) {
            shape.message(1, new Protobuf.Writer().int64(1, d));
        }
        Protobuf.Writer type = new Protobuf.Writer().message(1, new Protobuf.Writer().int64(1, 1).message(2, shape));
        g.message(11, new Protobuf.Writer().string(1, "input").message(2, type));
        g.message(12, new Protobuf.Writer().string(1, "output"));
        return new Protobuf.Writer().int64(1, 7).message(7, g).message(8, new Protobuf.Writer().int64(2, 13)).toByteArray();
    }

    private static Protobuf.Writer node(String name, String op, String out, String... in) {
        Protobuf.Writer n = new Protobuf.Writer();
        for (String i : in) {
            n.string(1, i);
        }
        return n.string(2, out).string(3, name).string(4, op);
    }

    @Test
    void malformedGraphsAreRefusedNotMisread() throws Exception {
        Map<String, byte[]> cases = new java.util.LinkedHashMap<>();
        // transB written as a FLOAT: ONNX Runtime refuses it, and reading its int field would silently skip the transpose.
        cases.put("attribute 'transB' has type 1, not INT (2)", model(List.of(node("fc", "Gemm", "output", "input", "W")
                .message(5, new Protobuf.Writer().string(1, "transB").int64(20, 1).float32(2, 1f)))));
        cases.put("its B 'W' is used by another node too", model(List.of(node("a", "Gemm", "h", "input", "W"),
                node("b", "Gemm", "output", "h", "W"))));
        cases.put("node 'mm' (MatMul, opset 13): reads a value of rank 3", model(List.of(node("mm", "MatMul", "output", "input", "W")), 1, 2));
        cases.put("node 'dead' (Relu, opset 13): is not on the chain", model(List.of(node("fc", "Gemm", "output", "input", "W"),
                node("dead", "Relu", "nowhere", "output2"))));
        for (Map.Entry<String, byte[]> c : cases.entrySet()) {
            Path f = dir.resolve("bad.onnx");
            Files.write(f, c.getValue());
            CorruptFileException e = assertThrows(CorruptFileException.class, () -> Onnx.read(f), c.getKey());
            assertTrue(e.getMessage().contains(c.getKey()), e.getMessage());
        }
        // The same builder's valid model reads: the refusals above are the edits, not the builder.
        Path ok = dir.resolve("ok.onnx");
        Files.write(ok, model(List.of(node("fc", "Gemm", "output", "input", "W"))));
        assertEquals("Affine in=2 out=2", Onnx.read(ok).architecture().layers().get(0).toString());
    }

    @Test
    void aNegativeLengthCannotSendTheReaderBackwards() throws Exception {
        // Field 99, length-delimited, length -12 as a ten-byte varint: would skip back onto its own key forever.
        Path f = dir.resolve("loop.onnx");
        Files.write(f, new byte[] {(byte) 0x9A, 0x06, (byte) 0xF4, -1, -1, -1, -1, -1, -1, -1, -1, 0x01});
        CorruptFileException e = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(10),
                () -> assertThrows(CorruptFileException.class, () -> Onnx.read(f)));
        assertTrue(e.getMessage().contains("declares -12 bytes"), e.getMessage());
    }

    static byte[] read(String name) throws IOException, URISyntaxException {
        return Files.readAllBytes(fixture(name));
    }
}
