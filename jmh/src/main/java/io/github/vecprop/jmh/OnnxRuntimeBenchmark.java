package io.github.vecprop.jmh;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
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
 * Run with {@code -prof gc}.
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

    private Model model;
    private Model.Context ctx;
    private float[] images;
    private float[] scores;
    private float[][] rows;
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
        SplittableRandom r = new SplittableRandom(3);
        images = new float[batch * 784];
        for (int i = 0; i < images.length; i++) {
            images[i] = (float) r.nextDouble();
        }
        scores = new float[batch * classes];
        rows = new float[batch][784];
        for (int i = 0; i < batch; i++) {
            System.arraycopy(images, i * 784, rows[i], 0, 784);
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
        vecprop();
        float[][] plain = ortPlain();
        ortZeroCopy();
        for (int i = 0; i < batch; i++) {
            for (int j = 0; j < classes; j++) {
                float tolerance = 1e-4f * Math.max(1f, Math.abs(scores[i * classes + j]));
                if (Math.abs(plain[i][j] - scores[i * classes + j]) > tolerance
                        || Math.abs(outputBuffer.get(i * classes + j) - scores[i * classes + j]) > tolerance) {
                    throw new IllegalStateException("ONNX Runtime and vecprop differ at " + i + "," + j);
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

    @Benchmark
    public float[] vecprop() {
        model.predict(ctx, images, 0, batch, scores, 0);
        return scores;
    }

    @Benchmark
    public float[][] ortPlain() throws OrtException {
        try (OnnxTensor t = OnnxTensor.createTensor(env, rows);
             OrtSession.Result result = session.run(Map.of("input", t))) {
            return (float[][]) result.get(0).getValue();
        }
    }

    @Benchmark
    public float ortZeroCopy() throws OrtException {
        inputBuffer.clear();
        inputBuffer.put(images);
        // The result holds only the pinned output, which stays ours: it is not closed here.
        session.run(inputs, pinned);
        // Read from our own buffer: OnnxTensor.getFloatBuffer() would copy.
        return outputBuffer.get(0);
    }
}
