package io.github.vecprop.layer;

import io.github.vecprop.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Bad input gets a clear IllegalArgumentException naming the shapes or values; buffers are reused as documented. */
class LayerInputTest {

    private static Affine affine(int in, int out) {
        return new Affine(Tensor.zeros(in, out), Tensor.zeros(out));
    }

    private static String message(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }

    @Test
    void affineRejectsWrongInputWidthNamingBothShapes() {
        Affine a = affine(4, 3);
        assertEquals("Affine input has shape [2, 5] but W has shape [4, 3]; the input needs 4 columns",
                message(() -> a.forward(Tensor.zeros(2, 5))));
    }

    @Test
    void affineRejectsMismatchedBias() {
        assertEquals("Affine b has shape [4] but W has shape [4, 3]; b must have shape [3]",
                message(() -> new Affine(Tensor.zeros(4, 3), Tensor.zeros(4))));
    }

    @Test
    void affineRejectsEmptyBatchNullAndNonMatrices() {
        Affine a = affine(4, 3);
        assertEquals("Affine input is an empty batch: shape [0, 4]", message(() -> a.forward(Tensor.zeros(0, 4))));
        assertEquals("Affine input is null", message(() -> a.forward(null)));
        assertEquals("Affine input must be a batch matrix (N x D), got shape [4]", message(() -> a.forward(Tensor.zeros(4))));
        assertEquals("W is null", message(() -> new Affine(null, Tensor.zeros(3))));
    }

    @Test
    void affineBackwardChecksDoutAgainstItsOutput() {
        Affine a = affine(4, 3);
        a.forward(Tensor.zeros(2, 4));
        assertEquals("Affine dout has shape [2, 4] but its last output has shape [2, 3]; they must match",
                message(() -> a.backward(Tensor.zeros(2, 4))));
        assertThrows(IllegalStateException.class, () -> affine(4, 3).backward(Tensor.zeros(2, 3)));
    }

    @Test
    void softmaxWithLossRejectsBadLabels() {
        SoftmaxWithLoss s = new SoftmaxWithLoss();
        Tensor x = Tensor.zeros(2, 3);
        assertEquals("label 3 at row 1 is outside [0, 3)", message(() -> s.forward(x, new int[] {0, 3})));
        assertEquals("label -1 at row 0 is outside [0, 3)", message(() -> s.forward(x, new int[] {-1, 0})));
        assertEquals("SoftmaxWithLoss input has shape [2, 3] but there are 3 labels; need one label per row",
                message(() -> s.forward(x, new int[] {0, 1, 2})));
        assertEquals("SoftmaxWithLoss input has shape [2, 3] but the one-hot targets have shape [2, 4]; they must match (N x C)",
                message(() -> s.forward(x, Tensor.zeros(2, 4))));
        assertEquals("labels is null", message(() -> s.forward(x, (int[]) null)));
        assertEquals("SoftmaxWithLoss input is an empty batch: shape [0, 3]", message(() -> s.forward(Tensor.zeros(0, 3), new int[0])));
    }

    @Test
    void elementwiseLayersCheckDout() {
        Relu relu = new Relu();
        relu.forward(Tensor.zeros(2, 3));
        assertEquals("Relu dout has shape [3, 2] but its last output has shape [2, 3]; they must match",
                message(() -> relu.backward(Tensor.zeros(3, 2))));
        assertEquals("Sigmoid input is null", message(() -> new Sigmoid().forward(null)));
    }

    @Test
    void buffersAreReusedWhileTheBatchShapeIsUnchanged() {
        Affine a = affine(4, 3);
        Tensor out1 = a.forward(Tensor.zeros(2, 4));
        Tensor dx1 = a.backward(Tensor.zeros(2, 3));
        assertSame(out1, a.forward(Tensor.zeros(2, 4)));
        assertSame(dx1, a.backward(Tensor.zeros(2, 3)));
        assertNotSame(out1, a.forward(Tensor.zeros(5, 4)));
    }

    @Test
    void firstLayerCanSkipTheInputGradient() {
        Affine a = new Affine(Tensor.of(new float[] {1, 2}, 1, 2), Tensor.zeros(2));
        a.forward(Tensor.of(new float[] {3}, 1, 1));
        a.backwardParameters(Tensor.of(new float[] {1, 1}, 1, 2));
        assertArrayEquals(new float[] {3, 3}, a.dW().data());
        assertArrayEquals(new float[] {1, 1}, a.db().data());
        // The full backward agrees on dW and db and adds dx = dout · Wᵀ.
        Tensor dx = a.backward(Tensor.of(new float[] {1, 1}, 1, 2));
        assertArrayEquals(new float[] {3, 3}, a.dW().data());
        assertArrayEquals(new float[] {3}, dx.data());
    }

    @Test
    void softmaxWithLossGivesTheNotesFormulaOnASmallCase() {
        SoftmaxWithLoss s = new SoftmaxWithLoss();
        // Equal scores: y = 1/2 each, loss = -log(1/2 + 1e-7), dx = (y - t) / N.
        double loss = s.forward(Tensor.zeros(2, 2), new int[] {0, 1});
        assertEquals(-Math.log(0.5 + 1e-7), loss, 1e-6);
        assertArrayEquals(new float[] {-0.25f, 0.25f, 0.25f, -0.25f}, s.backward().data(), 1e-7f);
        assertArrayEquals(new float[] {-0.5f, 0.5f, 0.5f, -0.5f}, s.backward(2f).data(), 1e-7f);
    }
}
