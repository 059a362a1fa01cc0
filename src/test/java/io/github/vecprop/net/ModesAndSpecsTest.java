package io.github.vecprop.net;

import io.github.vecprop.check.TestData;
import io.github.vecprop.layer.Activation;
import io.github.vecprop.layer.FrozenLayer;
import io.github.vecprop.layer.Layer;
import io.github.vecprop.layer.LayerSpec;
import io.github.vecprop.layer.Relu;
import io.github.vecprop.layer.SoftmaxWithLoss;
import io.github.vecprop.optim.Sgd;
import io.github.vecprop.tensor.Tensor;
import io.github.vecprop.train.Trainer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Training and inference modes, architecture specs, initialisations, and net construction errors. */
class ModesAndSpecsTest {

    /** A pass-through layer that records the mode of every forward call. */
    private static final class ModeSpy implements Layer {
        final List<Boolean> forwards = new ArrayList<>();
        boolean training = true;

        @Override
        public Tensor forward(Tensor x) {
            forwards.add(training);
            return x;
        }

        @Override
        public Tensor backward(Tensor dout) {
            return dout;
        }

        @Override
        public void setTraining(boolean training) {
            this.training = training;
        }

        @Override
        public boolean isTraining() {
            return training;
        }

        @Override
        public int outputWidth(int inputWidth) {
            return inputWidth;
        }

        @Override
        public LayerSpec spec() {
            return LayerSpec.of("ModeSpy");
        }

        @Override
        public FrozenLayer freeze(int inputWidth) {
            throw new UnsupportedOperationException();
        }
    }

    @Test
    void theNetSwitchesEveryLayerAndTheTrainerStepsInTrainingAndEvaluatesInInference() {
        ModeSpy spy = new ModeSpy();
        Relu relu = new Relu();
        Sequential net = new Sequential(4, List.of(spy, relu, io.github.vecprop.layer.Affine.zeros(4, 3,
                io.github.vecprop.kernel.KernelProvider.get())), new SoftmaxWithLoss());
        assertTrue(net.isTraining() && relu.isTraining());
        net.setTraining(false);
        assertFalse(net.isTraining() || relu.isTraining() || spy.isTraining());

        Tensor x = Tensor.of(TestData.uniform(1, 20 * 4, -1f, 1f), 20, 4);
        int[] t = TestData.labels(2, 20, 3);
        spy.forwards.clear();
        new Trainer(net, new Sgd(0.1f), 10, 3).train(x, t, x, t, 4, null);
        // Two epochs of two steps, each followed by an evaluation in two chunks.
        assertEquals(List.of(true, true, false, false, true, true, false, false), spy.forwards);
        assertTrue(net.isTraining(), "after train() the net is back in training mode");

        net.setTraining(false);
        Trainer.evaluate(net, x, t, 10);
        assertFalse(net.isTraining(), "evaluate restores the mode it found");
    }

    /** A copy has the architecture, the values (BatchNorm's running statistics too) and the weight decay; it shares no buffer. */
    @Test
    void aCopyTrainsApartFromItsOriginal() {
        Sequential net = Sequential.mlp(5, 4, 3).batchNorm().seed(3).build();
        net.setWeightDecay(0.25f);
        float[] x = TestData.uniform(1, 6 * 5, -1f, 1f);
        int[] t = {0, 1, 2, 0, 1, 2};
        new Trainer(net, new Sgd(0.1f), 6, 2).train(Tensor.of(x, 6, 5), t, Tensor.of(x, 6, 5), t, 3, null);
        Sequential copy = net.copy();
        assertEquals(net.architecture(), copy.architecture());
        assertEquals(0.25f, copy.weightDecay());
        assertEquals(net.tensors().keySet(), copy.tensors().keySet());
        net.tensors().forEach((k, v) -> org.junit.jupiter.api.Assertions.assertArrayEquals(v.data(), copy.tensors().get(k).data(), k));
        java.util.Map<String, float[]> before = new java.util.LinkedHashMap<>();
        net.tensors().forEach((k, v) -> before.put(k, v.data().clone()));
        new Sgd(0.1f).update(copy.params(), copy.gradient(Tensor.of(x, 6, 5), t));
        net.tensors().forEach((k, v) -> org.junit.jupiter.api.Assertions.assertArrayEquals(before.get(k), v.data(), k));
        assertFalse(java.util.Arrays.equals(before.get("W1"), copy.params().get("W1").data()));
    }

    @Test
    void architecturesHaveATextFormThatParsesBack() {
        Sequential net = Sequential.mlp(5, 4, 3).activation(Activation.SIGMOID).meanSquaredError().build();
        Architecture a = net.architecture();
        assertEquals("Sequential input=5\nAffine in=5 out=4\nSigmoid\nAffine in=4 out=3\nMeanSquaredError\n", a.toText());
        assertEquals(a, Architecture.parse(a.toText()));
        assertEquals(a, Sequential.of(a).architecture());

        assertEquals("architecture line 2: Affine: 'in' is not name=value",
                assertThrows(IllegalArgumentException.class, () -> Architecture.parse("Sequential input=5\nAffine in\nRelu\n"))
                        .getMessage());
        assertEquals("Affine: attribute out=-3 is not a positive integer", assertThrows(IllegalArgumentException.class,
                () -> Sequential.of(Architecture.parse("Sequential input=5\nAffine in=5 out=-3\nSoftmaxWithLoss"))).getMessage());
        assertEquals("Relu takes the attributes (none) but has [slope]", assertThrows(IllegalArgumentException.class,
                () -> Sequential.of(Architecture.parse("Sequential input=5\nRelu slope=2\nSoftmaxWithLoss"))).getMessage());
        assertEquals("unknown loss kind 'Hinge'; this vecprop knows SoftmaxWithLoss and MeanSquaredError",
                assertThrows(IllegalArgumentException.class,
                        () -> Sequential.of(Architecture.parse("Sequential input=5\nRelu\nHinge"))).getMessage());
    }

    @Test
    void initialisationsFollowTheBook() {
        assertEquals((float) Math.sqrt(2.0 / 784), Init.he().std(784));
        assertEquals((float) Math.sqrt(1.0 / 100), Init.xavier().std(100));
        assertEquals(0.01f, Init.parse("0.01").std(784));
        assertEquals("he", Init.parse("HE").toString());
        Sequential he = Sequential.mlp(400, 300, 10).init(Init.he()).seed(1).build();
        float[] w = he.params().get("W2").data();
        double sq = 0;
        for (float v : w) {
            sq += v * v;
        }
        assertEquals(Math.sqrt(2.0 / 300), Math.sqrt(sq / w.length), 0.01 * Math.sqrt(2.0 / 300), "std of W2");
        assertThrows(IllegalArgumentException.class, () -> Init.std(-1f));
    }

    @Test
    void badNetsAreNamed() {
        Relu relu = new Relu();
        var k = io.github.vecprop.kernel.KernelProvider.get();
        assertEquals("layer 3 (Relu) appears twice; each position needs its own layer object",
                assertThrows(IllegalArgumentException.class, () -> new Sequential(3,
                        List.of(relu, io.github.vecprop.layer.Affine.zeros(3, 3, k), relu), new SoftmaxWithLoss())).getMessage());
        assertEquals("layer 2 (Affine in=4 out=2): Affine W has shape [4, 2] but its input rows have 3 columns; the input needs 4",
                assertThrows(IllegalArgumentException.class, () -> new Sequential(3,
                        List.of(io.github.vecprop.layer.Affine.zeros(3, 3, k), io.github.vecprop.layer.Affine.zeros(4, 2, k)),
                        new SoftmaxWithLoss())).getMessage());
        assertEquals("a net needs at least one layer before its loss",
                assertThrows(IllegalArgumentException.class, () -> new Sequential(3, List.of(), new SoftmaxWithLoss())).getMessage());
        // A net whose first layer has no parameters still trains the rest.
        Sequential net = new Sequential(3, List.of(new Relu(), io.github.vecprop.layer.Affine.zeros(3, 2, k)), new SoftmaxWithLoss());
        assertEquals(List.of("W1", "b1"), List.copyOf(net.gradient(Tensor.filled(1f, 2, 3), new int[] {0, 1}).keySet()));
    }
}
