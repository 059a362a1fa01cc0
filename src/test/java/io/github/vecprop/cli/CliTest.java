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

        r = run("train", "--hidden", "50,20", "--data", "subset");
        assertEquals(2, r.code());
        assertEquals("vecprop: --hidden takes one width for now (TwoLayerNet); got [50, 20]", r.err().strip());
    }

    @Test
    void helpListsTheCommands() {
        Result r = run("--help");
        assertEquals(0, r.code());
        for (String c : new String[] {"train", "evaluate", "predict", "gradcheck", "demo"}) {
            assertTrue(r.out().contains(c), r.out());
        }
        assertTrue(FashionMnist.DEBIAN_DIR.isAbsolute());
    }
}
