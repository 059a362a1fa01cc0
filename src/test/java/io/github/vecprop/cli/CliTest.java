package io.github.vecprop.cli;

import io.github.vecprop.io.FashionMnist;
import io.github.vecprop.io.Idx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line run in-process on the embedded subset: outputs, files, exit codes and error messages. */
class CliTest {

    private record Result(int code, String out, String err) {
        String lastLine() {
            String[] lines = out.strip().split("\n");
            return lines[lines.length - 1];
        }
    }

    private static Result run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            var cli = Main.commandLine();
            cli.setErr(new java.io.PrintWriter(System.err, true));
            int code = cli.execute(args);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void trainSaveEvaluatePredict(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("net.vpm");
        Path plot = dir.resolve("curves.svg");
        Result train = run("train", "--data", "subset", "--steps", "120", "--save", model.toString(), "--plot", plot.toString());
        assertEquals(0, train.code(), train.err());
        assertTrue(train.lastLine().matches("test accuracy: 0\\.\\d{4}"), train.out());
        assertTrue(train.err().contains("data: the embedded Fashion-MNIST subset"), train.err());
        assertTrue(Files.size(model) > 784 * 50 * 4);
        assertTrue(Files.readString(plot).startsWith("<svg"));
        assertTrue(Files.readString(dir.resolve("curves.csv")).startsWith("kind,epoch,step,loss,test_accuracy"));

        Result eval = run("evaluate", "--data", "subset", "--model", model.toString());
        assertEquals(0, eval.code(), eval.err());
        assertEquals(train.lastLine(), eval.lastLine());

        Path npz = dir.resolve("net.npz");
        assertEquals(0, run("train", "--data", "subset", "--steps", "120", "--save", npz.toString()).code());
        assertEquals(train.lastLine(), run("evaluate", "--data", "subset", "--model", npz.toString()).lastLine(),
                "the same seed trains the same net, and .npz keeps it exactly");

        Path images = dir.resolve("three-images.gz");
        byte[] pixels = new byte[3 * 28 * 28];
        pixels[100] = (byte) 255;
        Idx.writeImages(images, pixels, 3, 28, 28);
        Result predict = run("predict", "--model", model.toString(), "--images", images.toString());
        assertEquals(0, predict.code(), predict.err());
        String[] lines = predict.out().strip().split("\n");
        assertEquals(3, lines.length);
        for (int i = 0; i < 3; i++) {
            assertTrue(lines[i].matches(i + " \\d"), lines[i]);
        }
    }

    @Test
    void dropoutWeightDecayAndATrainingSubset(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("drop.vpm");
        Result train = run("train", "--data", "subset", "--steps", "40", "--hidden", "30,20", "--batchnorm", "--dropout", "0.2",
                "--weight-decay", "0.01", "--train-size", "500", "--save", model.toString());
        assertEquals(0, train.code(), train.err());
        String[] lines = train.out().strip().split("\n");
        assertTrue(lines[lines.length - 2].matches("train accuracy: 0\\.\\d{4}"), train.out());
        assertTrue(train.err().contains("data: the embedded Fashion-MNIST subset"), train.err());
        assertTrue(train.err().contains("batchnorm, dropout 0.2, weight decay 0.01"), train.err());
        assertTrue(train.err().contains("(8.0 epochs)"), "40 steps of 100 over 500 images: " + train.err());
        Result eval = run("evaluate", "--data", "subset", "--model", model.toString());
        assertEquals(train.lastLine(), eval.lastLine(), "the saved net, in inference mode, is the one training ended with");
        String[] evalLines = eval.out().strip().split("\n");
        assertEquals(train.lastLine().replace("test accuracy:", "test accuracy of the compiled model:"),
                evalLines[evalLines.length - 2], "saved, reloaded and compiled: the same accuracy");

        Result npz = run("train", "--data", "subset", "--steps", "5", "--dropout", "0.2", "--save", dir.resolve("d.npz").toString());
        assertEquals(2, npz.code());
        assertTrue(npz.err().contains("a .npz file holds only a plain MLP") && !npz.out().contains("test accuracy"), npz.err());
        // With its masks held, a Dropout model passes the float32 check (with a fresh mask per forward it could not).
        Path drop = dir.resolve("drop-only.vpm");
        assertEquals(0, run("train", "--data", "subset", "--steps", "20", "--hidden", "30", "--init-std", "0.1", "--dropout", "0.5", "--save",
                drop.toString()).code());
        Result check = run("gradcheck", "--data", "subset", "--model", drop.toString(), "--samples", "3");
        assertEquals(0, check.code(), check.out());
        String info = run("info", "--model", model.toString()).out();
        assertTrue(info.contains("  Dropout ratio=0.2 seed=") && info.contains("  BatchNorm features=30 eps=1.0E-5 momentum=0.9"), info);
        assertTrue(info.contains("  runningMean2 [20]"), info);

        Result bad = run("train", "--data", "subset", "--train-size", "0");
        assertEquals(2, bad.code());
        assertEquals("vecprop: --train-size must be at least 1, got 0", bad.err().strip());
        bad = run("train", "--data", "subset", "--train-size", "4001");
        assertEquals(2, bad.code());
        assertTrue(bad.err().endsWith("vecprop: --train-size must be between 1 and 4000, got 4001\n"), bad.err());
        bad = run("train", "--data", "subset", "--dropout", "1");
        assertEquals(2, bad.code());
        assertEquals("vecprop: --dropout must be in [0, 1), got 1.0", bad.err().strip());
    }

    @Test
    void gradcheckPasses() {
        Result r = run("gradcheck", "--data", "subset");
        assertEquals(0, r.code(), r.out() + r.err());
        assertEquals("gradient check passed", r.lastLine());
        assertTrue(r.out().contains("W1:"), r.out());
    }

    @Test
    void userMistakesGetAMessageAndNoStackTrace(@TempDir Path dir) throws Exception {
        Result r = run("train", "--data", "subset", "--optimizer", "sgdd", "--steps", "1");
        assertEquals(2, r.code());
        assertEquals("vecprop: unknown optimizer 'sgdd'; choose sgd, momentum, adagrad, rmsprop or adam", r.err().strip());

        r = run("evaluate", "--data", "subset", "--model", dir.resolve("missing.vpm").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("vecprop: no such file: "), r.err());
        assertFalse(r.err().contains("\tat "), r.err());

        Path corrupt = dir.resolve("corrupt.vpm");
        Files.write(corrupt, new byte[] {1, 2, 3});
        r = run("evaluate", "--data", "subset", "--model", corrupt.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains(corrupt.toString()) && r.err().contains("byte"), r.err());
        assertFalse(r.err().contains("\tat "), r.err());

        r = run("train", "--data", dir.toString(), "--steps", "1");
        assertEquals(1, r.code(), r.err());
        assertFalse(r.err().contains("\tat "), r.err());

        r = run("train", "--steps", "1", "--epochs", "1", "--data", "subset");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("mutually exclusive"), r.err());

        r = run("train", "--data", "subset", "--epochs", "2147483647");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("vecprop: --epochs 2147483647 means more than 2147483647 steps"), r.err());

        r = run("train", "--hidden", "50,0", "--data", "subset");
        assertEquals(2, r.code());
        assertEquals("vecprop: --hidden widths must be positive, got [50, 0]", r.err().strip());

        r = run("train", "--activation", "gelu", "--data", "subset");
        assertEquals(2, r.code());
        assertEquals("vecprop: unknown activation 'gelu'; choose relu, sigmoid or tanh", r.err().strip());

        r = run("train", "--init", "lecun", "--data", "subset");
        assertEquals(2, r.code());
        assertEquals("vecprop: weight init 'lecun' is not he, xavier or a standard deviation", r.err().strip());

        r = run("train", "--init", "he", "--init-std", "0.1", "--data", "subset");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("mutually exclusive"), r.err());

        // A well-formed file whose tensors do not fit its architecture is a bad file (1), named.
        Path missing = dir.resolve("missing-w2.npz");
        io.github.vecprop.io.Npz.write(missing, java.util.Map.of("W1", io.github.vecprop.tensor.Tensor.zeros(784, 5),
                "b1", io.github.vecprop.tensor.Tensor.zeros(5), "b2", io.github.vecprop.tensor.Tensor.zeros(10)));
        r = run("evaluate", "--data", "subset", "--model", missing.toString());
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().startsWith("vecprop: " + missing + ": "), r.err());
        assertTrue(r.err().contains("parameter W2 is missing"), r.err());
        assertEquals(1, r.err().strip().split("\n").length, r.err());
    }

    /** Every missing, damaged or unsuitable file exits 1 with one line naming it; only a bad command line exits 2. */
    @Test
    void badFilesExitOneWithOneLineNamingTheFile(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("ok.vpm");
        io.github.vecprop.io.NetFiles.save(io.github.vecprop.net.Sequential.mlp(784, 5, 10).seed(1).build(), model);
        java.util.Map<String, io.github.vecprop.tensor.Tensor> good = new java.util.LinkedHashMap<>();
        good.put("W1", io.github.vecprop.tensor.Tensor.zeros(784, 5));
        good.put("b1", io.github.vecprop.tensor.Tensor.zeros(5));
        good.put("W2", io.github.vecprop.tensor.Tensor.zeros(5, 10));
        good.put("b2", io.github.vecprop.tensor.Tensor.zeros(10));
        java.util.Map<String, java.util.Map<String, io.github.vecprop.tensor.Tensor>> cases = new java.util.LinkedHashMap<>();
        var wrongShape = new java.util.LinkedHashMap<>(good);
        wrongShape.put("b1", io.github.vecprop.tensor.Tensor.zeros(6));
        cases.put("wrong-shape", wrongShape);
        var extra = new java.util.LinkedHashMap<>(good);
        extra.put("W9", io.github.vecprop.tensor.Tensor.zeros(1));
        cases.put("extra", extra);
        cases.put("empty", java.util.Map.of());
        for (var c : cases.entrySet()) {
            for (String ext : new String[] {".npz", ".vpm"}) {
                Path f = dir.resolve(c.getKey() + ext);
                if (ext.equals(".npz")) {
                    io.github.vecprop.io.Npz.write(f, c.getValue());
                } else {
                    io.github.vecprop.io.ModelFile.write(f, io.github.vecprop.net.Sequential.mlp(784, 5, 10).build().architecture().toText(),
                            c.getValue());
                }
                for (String command : new String[] {"evaluate", "info"}) {
                    Result r = command.equals("info") ? run("info", "--model", f.toString())
                            : run("evaluate", "--data", "subset", "--model", f.toString());
                    assertEquals(1, r.code(), command + " " + f + ": " + r.err());
                    assertTrue(r.err().startsWith("vecprop: " + f + ": "), r.err());
                    assertEquals(1, r.err().strip().split("\n").length, r.err());
                }
            }
        }

        // Images the model cannot take, and a data directory whose train and test images differ in size.
        Path images = dir.resolve("small-images.idx");
        Idx.writeImages(images, new byte[3 * 4 * 4], 3, 4, 4);
        Result r = run("predict", "--model", model.toString(), "--images", images.toString());
        assertEquals(1, r.code(), r.err());
        assertEquals("vecprop: " + images + ": examples of 16 values, but the model " + model + " takes 784 inputs", r.err().strip());

        Path data = dir.resolve("mixed");
        Files.createDirectory(data);
        Idx.writeImages(data.resolve("train-images-idx3-ubyte"), new byte[2 * 28 * 28], 2, 28, 28);
        Idx.writeLabels(data.resolve("train-labels-idx1-ubyte"), new int[] {0, 1});
        Idx.writeImages(data.resolve("t10k-images-idx3-ubyte"), new byte[2 * 4 * 4], 2, 4, 4);
        Idx.writeLabels(data.resolve("t10k-labels-idx1-ubyte"), new int[] {0, 1});
        r = run("train", "--data", data.toString(), "--steps", "1", "--batch", "1");
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().strip().startsWith("vecprop: " + data.resolve("t10k-images-idx3-ubyte") + ": test images of 16 pixels"), r.err());

        r = run("train", "--data", dir.resolve("nowhere").toString(), "--steps", "1");
        assertEquals(1, r.code(), r.err());
        assertEquals("vecprop: no such file: " + dir.resolve("nowhere") + ": --data names no directory", r.err().strip());

        // A header that declares two billion images behind a few bytes: a clean line, no OutOfMemoryError.
        Path huge = dir.resolve("huge-images.idx");
        Files.write(huge, java.nio.ByteBuffer.allocate(4096).putInt(0x0803).putInt(2_000_000_000).putInt(28).putInt(28).array());
        r = run("predict", "--model", model.toString(), "--images", huge.toString());
        assertEquals(1, r.code(), r.err());
        assertEquals("vecprop: " + huge + ": at byte 8: IDX dimensions [2000000000, 28] give more elements than a Java array can hold",
                r.err().strip());

        r = run("predict", "--model", model.toString());
        assertEquals(2, r.code(), r.err());
    }

    /** The kernel choice is logged as one line (System.Logger through java.util.logging, formatted by the CLI), not a dated two-line record. */
    @Test
    void theKernelLogIsOneLine() throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process p = new ProcessBuilder(java, "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "demo", "--steps", "1").redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), err);
        java.util.List<String> lines = err.lines().filter(l -> l.contains("vecprop kernels") || l.contains("KernelProvider")).toList();
        assertEquals(1, lines.size(), err);
        assertTrue(lines.get(0).startsWith("vecprop kernels: "), err);
    }

    /** ONNX and safetensors through the CLI: PyTorch's export evaluates and predicts, and convert goes between all formats. */
    @Test
    void onnxAndSafetensorsModelsServeAndConvert(@TempDir Path dir) throws Exception {
        Path onnx = Path.of(getClass().getResource("/io/github/vecprop/io/onnx/mlp-784-50-10.onnx").toURI());
        Result eval = run("evaluate", "--data", "subset", "--model", onnx.toString());
        assertEquals(0, eval.code(), eval.err());
        Result info = run("info", "--model", onnx.toString());
        assertEquals(0, info.code(), info.err());
        assertTrue(info.out().contains("Affine in=784 out=50") && info.out().contains("parameter count: 39760"), info.out());
        String last = eval.lastLine();
        Path previous = onnx;
        for (String name : new String[] {"m.safetensors", "m.vpm", "m.npz", "back.onnx"}) {
            Path out = dir.resolve(name);
            Result c = run("convert", "--model", previous.toString(), "--out", out.toString());
            assertEquals(0, c.code(), c.err());
            Result e = run("evaluate", "--data", "subset", "--model", out.toString());
            assertEquals(last, e.lastLine(), name);
            previous = out;
        }
        // A format that cannot hold the net is refused before anything is written.
        Path bn = dir.resolve("bn.vpm");
        io.github.vecprop.io.NetFiles.save(io.github.vecprop.net.Sequential.mlp(784, 5, 10).batchNorm().build(), bn);
        Result c = run("convert", "--model", bn.toString(), "--out", dir.resolve("bn.npz").toString());
        assertEquals(2, c.code(), c.err());
        assertFalse(Files.exists(dir.resolve("bn.npz")));
        Result unsupported = run("info", "--model",
                Path.of(getClass().getResource("/io/github/vecprop/io/onnx/unsupported-conv.onnx").toURI()).toString());
        assertEquals(1, unsupported.code(), unsupported.err());
        assertTrue(unsupported.err().contains("node 'conv0' (Conv, opset 13)"), unsupported.err());
    }

    @Test
    void anyNetTrainsSavesAndLoads(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("deep.vpm");
        Result train = run("train", "--data", "subset", "--steps", "60", "--hidden", "32,16", "--activation", "tanh",
                "--init", "xavier", "--optimizer", "adam", "--lr", "0.001", "--save", model.toString());
        assertEquals(0, train.code(), train.err());
        assertTrue(train.err().contains("MLP 784-32-16-10 tanh, init xavier"), train.err());
        assertEquals(train.lastLine(), run("evaluate", "--data", "subset", "--model", model.toString()).lastLine());

        Result info = run("info", "--model", model.toString());
        assertEquals(0, info.code(), info.err());
        assertTrue(info.out().contains("  Affine in=784 out=32\n  Tanh\n  Affine in=32 out=16\n  Tanh\n  Affine in=16 out=10\n"
                + "  SoftmaxWithLoss\n"), info.out());
        assertTrue(info.out().contains("  W3 [16, 10]\n"), info.out());
        assertEquals("parameter count: " + (784 * 32 + 32 + 32 * 16 + 16 + 16 * 10 + 10), info.lastLine());

        Result check = run("gradcheck", "--data", "subset", "--model", model.toString(), "--samples", "2");
        assertEquals(0, check.code(), check.out() + check.err());
        assertTrue(check.out().contains("W3:"), check.out());

        // A .npz holds no activation: the one given on load is used.
        Path npz = dir.resolve("deep.npz");
        assertEquals(0, run("train", "--data", "subset", "--steps", "60", "--hidden", "32,16", "--activation", "tanh",
                "--init", "xavier", "--optimizer", "adam", "--lr", "0.001", "--save", npz.toString()).code());
        assertEquals(train.lastLine(), run("evaluate", "--data", "subset", "--model", npz.toString(), "--activation", "tanh")
                .lastLine());
    }

    @Test
    void helpListsTheCommands() {
        Result r = run("--help");
        assertEquals(0, r.code());
        for (String c : new String[] {"train", "evaluate", "predict", "info", "gradcheck", "demo"}) {
            assertTrue(r.out().contains(c), r.out());
        }
        assertTrue(FashionMnist.DEBIAN_DIR.isAbsolute());
    }
}
