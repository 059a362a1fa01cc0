package io.github.vecprop.net;

import io.github.vecprop.check.ForwardingKernels;
import io.github.vecprop.check.Properties;
import io.github.vecprop.check.Reference;
import io.github.vecprop.check.Sizes;
import io.github.vecprop.check.TestData;
import io.github.vecprop.kernel.KernelProvider;
import io.github.vecprop.kernel.Kernels;
import io.github.vecprop.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.github.vecprop.check.GradientAssert.assertGradient;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link TwoLayerNet#gradient} (backprop) for all four parameters against the double-precision
 * numerical gradient of {@link Reference#twoLayerLoss}, in both target forms, on random shapes,
 * weights, inputs and labels; and a planted bug caught by the same check.
 */
class TwoLayerNetProperties {

    static void gradientMatchesNumerical(Kernels kernels, boolean oneHot) {
        Properties.qt().forAll(Sizes.between(1, 17), Sizes.between(1, 17), Sizes.between(1, 17), Sizes.seeds())
                .checkAssert((n, in, hidden, seed) -> {
                    int out = 1 + (int) Math.floorMod(seed, 10L);
                    TwoLayerNet net = new TwoLayerNet(in, hidden, out, 0.8f, seed, kernels);
                    float[] x = TestData.uniform(seed + 1, n * in, -1f, 1f);
                    int[] labels = TestData.labels(seed + 2, n, out);
                    Tensor xt = Tensor.of(x, n, in);
                    double loss = oneHot ? net.loss(xt, Tensor.of(TestData.oneHot(labels, out), n, out)) : net.loss(xt, labels);
                    Map<String, Tensor> grads = oneHot
                            ? net.gradient(xt, Tensor.of(TestData.oneHot(labels, out), n, out))
                            : net.gradient(xt, labels);

                    double[] xd = TestData.toDouble(x);
                    double[] t = Reference.oneHot(labels, out);
                    double[] w1 = TestData.toDouble(net.params().get("W1").data());
                    double[] b1 = TestData.toDouble(net.params().get("b1").data());
                    double[] w2 = TestData.toDouble(net.params().get("W2").data());
                    double[] b2 = TestData.toDouble(net.params().get("b2").data());
                    double refLoss = Reference.twoLayerLoss(xd, n, in, w1, b1, hidden, w2, b2, out, t, 1e-7);
                    assertEquals(refLoss, loss, 1e-4 * (1 + refLoss), "loss");
                    assertGradient("dW1", grads.get("W1").data(), NumericalGradient.numericalGradient(
                            v -> Reference.twoLayerLoss(xd, n, in, v, b1, hidden, w2, b2, out, t, 0), w1.clone()));
                    assertGradient("db1", grads.get("b1").data(), NumericalGradient.numericalGradient(
                            v -> Reference.twoLayerLoss(xd, n, in, w1, v, hidden, w2, b2, out, t, 0), b1.clone()));
                    assertGradient("dW2", grads.get("W2").data(), NumericalGradient.numericalGradient(
                            v -> Reference.twoLayerLoss(xd, n, in, w1, b1, hidden, v, b2, out, t, 0), w2.clone()));
                    assertGradient("db2", grads.get("b2").data(), NumericalGradient.numericalGradient(
                            v -> Reference.twoLayerLoss(xd, n, in, w1, b1, hidden, w2, v, out, t, 0), b2.clone()));
                });
    }

    @Test
    void gradientOnLabels() {
        gradientMatchesNumerical(KernelProvider.get(), false);
    }

    @Test
    void gradientOnOneHot() {
        gradientMatchesNumerical(KernelProvider.get(), true);
    }

    @Test
    void catchesAWrongTransposeInTheInputGradient() {
        // dX = dY·Wᵀ computed as dY·W would be a plausible typo; in a net it corrupts dW1 and db1.
        Kernels mutant = new ForwardingKernels(KernelProvider.get()) {
            @Override
            public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
                             float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
                if (transB) {
                    // Keep the shapes legal but drop the last term of every dot product.
                    super.gemm(transA, true, m, n, Math.max(0, k - 1), alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
                } else {
                    super.gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
                }
            }
        };
        assertThrows(AssertionError.class, () -> gradientMatchesNumerical(mutant, false));
    }
}
