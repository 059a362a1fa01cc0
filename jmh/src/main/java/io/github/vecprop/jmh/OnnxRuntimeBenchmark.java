package io.github.vecprop.jmh;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.github.vecprop.io.Dataset;
import io.github.vecprop.io.FashionMnist;
import io.github.vecprop.io.NetFiles;
import io.github.vecprop.kernel.GemmThreads;
import io.github.vecprop.net.Init;
import io.github.vecprop.net.Model;
import io.github.vecprop.net.Sequential;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * ONNX Runtime's Java API against vecprop's compiled model, on the same weights (the net PredictBenchmark
 * builds, exported by vecprop as ONNX), one intra-op thread each, batch 1 and 100:
 * <ul>
 * <li>{@code vecprop}: {@link Model#predict} into a caller-owned array;</li>
 * <li>{@code ortPlain}: the API as its samples use it, a tensor from a {@code float[][]} per call and the
 *     output read back as {@code float[][]};</li>
 * <li>{@code ortZeroCopy}: its fastest path, an input tensor over a reused direct buffer (refilled per
 *     call) and a pinned output tensor over another, so nothing is created per call on the Java side.</li>
 * </ul>
 * Inputs ({@code data}): {@code uniform}, one fixed batch of uniform [0, 1) values, none of them zero; or
 * {@code images}, the first 1000 Fashion-MNIST test images scaled to [0, 1] (from the Debian package when
 * installed, else the jar's embedded subset, 100 of each class; about half their pixels are
 * zero, which vecprop's served rows skip), a different batch on each call so no one image's sparsity
 * decides the figure. Run with {@code -prof gc}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 3, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@State(Scope.Thread)
public class OnnxRuntimeBenchmark {
    @Param({"784-50-10", "784-256-128-10"})
    public String net;
    @Param({"1", "100"})
    public int batch;
    @Param({"uniform", "images"})
    public String data;

    private Model model;
    private Model.Context ctx;
    private float[] images;
    private float[] scores;
    private float[][][] rows;
    private int sets;
    private int next;
    private OrtEnvironment env;
    private OrtSession session;
    private FloatBuffer inputBuffer;
    private FloatBuffer outputBuffer;
    private OnnxTensor input;
    private OnnxTensor output;
    private Map<String, OnnxTensor> inputs;
    private Map<String, OnnxTensor> pinned;
    private Path file;

    private static FloatBuffer direct(int floats) {
        return ByteBuffer.allocateDirect(4 * floats).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        GemmThreads.setDefaultParallelism(1);
        int[] sizes = java.util.Arrays.stream(net.split("-")).mapToInt(Integer::parseInt).toArray();
        Sequential trained = Sequential.mlp(sizes).init(Init.std(0.05f)).seed(1).build();
        trained.setTraining(false);
        model = trained.freeze();
        ctx = model.newContext(batch);
        int classes = sizes[sizes.length - 1];
        if (data.equals("images")) {
            Dataset set = FashionMnist.isInstalled(FashionMnist.DEBIAN_DIR) ? FashionMnist.load(FashionMnist.DEBIAN_DIR)
                    : FashionMnist.loadEmbeddedSubset();
            sets = Math.max(1, 1000 / batch);
            images = new float[sets * batch * 784];
            float[] test = set.testImages().data();
            if (test.length < images.length) {
                throw new IllegalStateException("only " + test.length / 784 + " test images, " + sets * batch + " needed");
            }
            System.arraycopy(test, 0, images, 0, images.length);
        } else if (data.equals("uniform")) {
            sets = 1;
            SplittableRandom r = new SplittableRandom(3);
            images = new float[batch * 784];
            for (int i = 0; i < images.length; i++) {
                images[i] = (float) r.nextDouble();
            }
        } else {
            throw new IllegalArgumentException("data is uniform or images, not " + data);
        }
        scores = new float[batch * classes];
        rows = new float[sets][batch][784];
        for (int set = 0; set < sets; set++) {
            for (int i = 0; i < batch; i++) {
                System.arraycopy(images, (set * batch + i) * 784, rows[set][i], 0, 784);
            }
        }
        file = Files.createTempFile("vecprop-ort", ".onnx");
        NetFiles.save(trained, file);
        env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            options.setInterOpNumThreads(1);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            session = env.createSession(file.toString(), options);
        }
        inputBuffer = direct(batch * 784);
        input = OnnxTensor.createTensor(env, inputBuffer, new long[] {batch, 784});
        outputBuffer = direct(batch * classes);
        output = OnnxTensor.createTensor(env, outputBuffer, new long[] {batch, classes});
        inputs = Map.of("input", input);
        pinned = Map.of("output", output);
        // Same outputs, or the comparison means nothing.
        for (int set = 0; set < sets; set++) {
            check(classes);
        }
    }

    private void check(int classes) throws OrtException {
        int set = next;
        vecprop();
        next = set;
        float[][] plain = ortPlain();
        next = set;
        ortZeroCopy();
        for (int i = 0; i < batch; i++) {
            for (int j = 0; j < classes; j++) {
                float tolerance = 1e-4f * Math.max(1f, Math.abs(scores[i * classes + j]));
                if (Math.abs(plain[i][j] - scores[i * classes + j]) > tolerance
                        || Math.abs(outputBuffer.get(i * classes + j) - scores[i * classes + j]) > tolerance) {
                    throw new IllegalStateException("ONNX Runtime and vecprop differ at " + i + "," + j + " of batch " + set);
                }
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        input.close();
        output.close();
        session.close();
        Files.deleteIfExists(file);
    }

    /** The batch this call reads (the next of {@code sets}), by its first row. */
    private int nextBatch() {
        int set = next;
        next = set + 1 == sets ? 0 : set + 1;
        return set;
    }

    @Benchmark
    public float[] vecprop() {
        model.predict(ctx, images, nextBatch() * batch * 784, batch, scores, 0);
        return scores;
    }

    @Benchmark
    public float[][] ortPlain() throws OrtException {
        try (OnnxTensor t = OnnxTensor.createTensor(env, rows[nextBatch()]);
             OrtSession.Result result = session.run(Map.of("input", t))) {
            return (float[][]) result.get(0).getValue();
        }
    }

    @Benchmark
    public float ortZeroCopy() throws OrtException {
        inputBuffer.clear();
        inputBuffer.put(images, nextBatch() * batch * 784, batch * 784);
        // The result holds only the pinned output, which stays ours: it is not closed here.
        session.run(inputs, pinned);
        // Read from our own buffer: OnnxTensor.getFloatBuffer() would copy.
        return outputBuffer.get(0);
    }
}
