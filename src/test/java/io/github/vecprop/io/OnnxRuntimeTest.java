package io.github.vecprop.io;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.github.vecprop.layer.Activation;
import io.github.vecprop.net.Init;
import io.github.vecprop.net.Sequential;
import io.github.vecprop.optim.Adam;
import io.github.vecprop.tensor.Tensor;
import io.github.vecprop.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What vecprop exports, ONNX Runtime (1.23, test scope only) loads and runs with the same outputs:
 * nets of every layer kind, and a net trained on the embedded Fashion-MNIST subset, whose classes must
 * agree on every test image.
 */
class OnnxRuntimeTest {
    @TempDir
    Path dir;

    private static float[] runInOrt(Path model, Tensor x) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            try (OrtSession session = env.createSession(model.toString(), options);
                 OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(x.data()), new long[] {x.dim(0), x.dim(1)});
                 OrtSession.Result result = session.run(Map.of("input", input))) {
                float[][] out = (float[][]) result.get(0).getValue();
                float[] flat = new float[out.length * out[0].length];
                for (int i = 0; i < out.length; i++) {
                    System.arraycopy(out[i], 0, flat, i * out[0].length, out[0].length);
                }
                return flat;
            }
        }
    }

    @Test
    void everyLayerKindRunsInOnnxRuntimeWithTheSameOutputs() throws Exception {
        List<Sequential> nets = List.of(
                Sequential.mlp(12, 9, 5).seed(1).build(),
                Sequential.mlp(12, 8, 6, 3).activation(Activation.TANH).init(Init.xavier()).seed(2).build(),
                Sequential.mlp(12, 7, 4).activation(Activation.SIGMOID).batchNorm().dropout(0.25f).seed(3).build());
        java.util.Random rnd = new java.util.Random(5);
        float[] v = new float[17 * 12];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        Tensor x = Tensor.of(v, 17, 12);
        for (Sequential net : nets) {
            for (Tensor t : net.tensors().values()) {
                for (int i = 0; i < t.size(); i++) {
                    t.data()[i] += 0.05f * ((i * 7) % 5 - 2);
                }
            }
            net.setTraining(false);
            Path f = dir.resolve("n.onnx");
            NetFiles.save(net, f);
            OnnxTest.assertCloseEach(net.predict(x).data(), runInOrt(f, x), "vecprop (expected) against ONNX Runtime: "
                    + net.architecture());
        }
    }

    @Test
    void aNetTrainedHereGivesTheSameClassesInOnnxRuntime() throws Exception {
        Dataset d = FashionMnist.loadEmbeddedSubset();
        Sequential net = Sequential.mlp(784, 50, 10).init(Init.he()).seed(42).build();
        new Trainer(net, new Adam(0.001f, 0.9f, 0.999f), 100, 42).train(d.trainImages(), d.trainLabels(), d.testImages(),
                d.testLabels(), 200, null);
        Path f = dir.resolve("trained.onnx");
        NetFiles.save(net, f);
        Tensor x = d.testImages();
        float[] ort = runInOrt(f, x);
        int[] ours = new int[x.dim(0)];
        io.github.vecprop.net.Model served = net.freeze();
        served.predictClasses(served.newContext(x.dim(0)), x.data(), 0, x.dim(0), ours, 0);
        int[] theirs = OnnxTest.argmax(ort, 10);
        assertArrayEquals(ours, theirs, "the class of every one of the subset's " + x.dim(0) + " test images");
    }
}
