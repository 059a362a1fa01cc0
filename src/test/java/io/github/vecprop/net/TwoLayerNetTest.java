package io.github.vecprop.net;

import io.github.vecprop.check.TestData;
import io.github.vecprop.kernel.KernelProvider;
import io.github.vecprop.layer.Activation;
import io.github.vecprop.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TwoLayerNetTest {

    /**
     * Values printed by the stand-alone TwoLayerNet of commit 9854272 (before the general net) for
     * this exact run on the scalar kernels, whose results depend on no vector width: the same seed
     * must still give the same weights, losses and trained parameters, bit for bit.
     */
    @Test
    void bitIdenticalToTheTwoLayerNetBeforeTheGeneralNet() {
        TwoLayerNet net = new TwoLayerNet(784, 50, 10, 0.01f, 42, KernelProvider.scalar());
        assertEquals(1862719151, Arrays.hashCode(net.params().get("W1").data()));
        assertEquals(-703792407, Arrays.hashCode(net.params().get("W2").data()));
        Tensor x = Tensor.gaussian(7, 1f, 20, 784);
        int[] t = new int[20];
        for (int i = 0; i < 20; i++) {
            t[i] = i % 10;
        }
        assertEquals(4612372698809103244L, Double.doubleToLongBits(net.loss(x, t)));
        for (int s = 0; s < 20; s++) {
            Map<String, Tensor> g = net.gradient(x, t);
            for (var p : net.params().entrySet()) {
                float[] w = p.getValue().data();
                float[] d = g.get(p.getKey()).data();
                for (int i = 0; i < w.length; i++) {
                    w[i] -= 0.1f * d[i];
                }
            }
        }
        assertEquals(4601524445302065490L, Double.doubleToLongBits(net.loss(x, t)));
        assertEquals(-1350968801, Arrays.hashCode(net.params().get("W1").data()));
        assertEquals(2131811744, Arrays.hashCode(net.params().get("b2").data()));
    }

    @Test
    void isTheGeneralNetsMlpWithTheSameSeed() {
        TwoLayerNet two = new TwoLayerNet(30, 7, 4, 0.2f, 5);
        Sequential mlp = Sequential.mlp(30, 7, 4).activation(Activation.RELU).init(Init.std(0.2f)).seed(5).build();
        assertEquals(mlp.architecture(), two.architecture());
        for (String k : two.params().keySet()) {
            assertArrayEquals(mlp.params().get(k).data(), two.params().get(k).data(), k);
        }
        Tensor x = Tensor.of(TestData.uniform(3, 5 * 30, -1f, 1f), 5, 30);
        int[] t = {0, 1, 2, 3, 0};
        assertEquals(mlp.loss(x, t), two.loss(x, t));
        assertEquals("Sequential input=30\nAffine in=30 out=7\nRelu\nAffine in=7 out=4\nSoftmaxWithLoss\n",
                two.architecture().toText());
    }

    @Test
    void paramsHaveTheNotesNamesShapesAndInitialisation() {
        TwoLayerNet net = new TwoLayerNet(784, 50, 10, 0.01f, 1);
        Map<String, Tensor> p = net.params();
        assertEquals(List.of("W1", "b1", "W2", "b2"), List.copyOf(p.keySet()));
        assertTrue(p.get("W1").shape().is(784, 50));
        assertTrue(p.get("b1").shape().is(50));
        assertTrue(p.get("W2").shape().is(50, 10));
        assertTrue(p.get("b2").shape().is(10));
        assertArrayEquals(new float[50], p.get("b1").data());
        assertArrayEquals(p.get("W1").data(), new TwoLayerNet(784, 50, 10, 0.01f, 1).params().get("W1").data());
    }

    /**
     * The notes' gradient check, in float32: backprop against {@link TwoLayerNet#numericalGradient}
     * with its default step. Documented tolerance: the mean |backprop - numerical| per parameter is
     * below 1e-4 here, and every element agrees to a relative error of 5e-2 above a floor of 1e-3.
     */
    @Test
    void float32GradientCheckLikeTheNotes() {
        int n = 6;
        TwoLayerNet net = new TwoLayerNet(12, 9, 4, 0.3f, 7);
        Tensor x = Tensor.of(TestData.uniform(8, n * 12, 0f, 1f), n, 12);
        int[] t = TestData.labels(9, n, 4);
        Map<String, Tensor> numeric = net.numericalGradient(x, t);
        Map<String, Tensor> backprop = net.gradient(x, t);
        for (String key : net.params().keySet()) {
            float[] a = backprop.get(key).data();
            float[] g = numeric.get(key).data();
            double meanAbs = 0;
            for (int i = 0; i < a.length; i++) {
                meanAbs += Math.abs(a[i] - g[i]);
                assertTrue(NumericalGradient.relativeError(a[i], g[i], 1e-3) < 5e-2,
                        key + "[" + i + "]: backprop " + a[i] + " vs numerical " + g[i]);
            }
            meanAbs /= a.length;
            assertTrue(meanAbs < 1e-4, key + ": mean |backprop - numerical| = " + meanAbs);
        }
    }

    @Test
    void labelsAndOneHotAgree() {
        TwoLayerNet net = new TwoLayerNet(5, 4, 3, 0.5f, 3);
        Tensor x = Tensor.of(TestData.uniform(1, 4 * 5, -1f, 1f), 4, 5);
        int[] t = {0, 2, 1, 2};
        Tensor oneHot = Tensor.of(TestData.oneHot(t, 3), 4, 3);
        assertEquals(net.loss(x, t), net.loss(x, oneHot), 1e-6);
        assertEquals(net.accuracy(x, t), net.accuracy(x, oneHot));
        float[] dW1 = net.gradient(x, t).get("W1").data().clone();
        assertArrayEquals(dW1, net.gradient(x, oneHot).get("W1").data(), 1e-7f);
    }

    @Test
    void accuracyCountsArgmaxHits() {
        TwoLayerNet net = new TwoLayerNet(2, 2, 2, 0f, 0);
        // Zero weights except b2 = (0, 1): every row predicts class 1.
        net.params().get("b2").data()[1] = 1f;
        Tensor x = Tensor.zeros(4, 2);
        assertEquals(0.75, net.accuracy(x, new int[] {1, 1, 0, 1}));
        assertEquals(0.0, net.accuracy(x, new int[] {0, 0, 0, 0}));
    }

    @Test
    void gradientTensorsAreTheLayersBuffers() {
        TwoLayerNet net = new TwoLayerNet(3, 3, 2, 0.1f, 5);
        Tensor x = Tensor.filled(1f, 2, 3);
        Map<String, Tensor> g1 = net.gradient(x, new int[] {0, 1});
        assertSame(g1.get("W1"), net.gradient(x, new int[] {1, 0}).get("W1"));
    }

    @Test
    void badInputIsNamed() {
        TwoLayerNet net = new TwoLayerNet(3, 4, 2, 0.1f, 5);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> net.loss(Tensor.zeros(2, 5), new int[] {0, 1}));
        assertEquals("input has shape [2, 5] but the net takes rows of 3", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> net.accuracy(Tensor.zeros(2, 3), new int[] {0}));
        assertEquals("input has shape [2, 3] but there are 1 labels; need one label per row", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> net.accuracy(Tensor.zeros(2, 3), Tensor.zeros(2, 3)));
        assertEquals("scores have shape [2, 2] but one-hot targets have shape [2, 3]; they must match", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new TwoLayerNet(0, 4, 2, 0.1f, 5));
        assertEquals("layer sizes must be positive, got inputSize=0, hiddenSize=4, outputSize=2", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> net.gradient(Tensor.zeros(2, 3), new int[] {0, 2}));
        assertEquals("label 2 at row 1 is outside [0, 2)", e.getMessage());
    }
}
