package io.github.vecprop.layer;

import io.github.vecprop.check.ForwardingKernels;
import io.github.vecprop.check.Properties;
import io.github.vecprop.check.Reference;
import io.github.vecprop.check.Sizes;
import io.github.vecprop.check.TestData;
import io.github.vecprop.kernel.KernelProvider;
import io.github.vecprop.kernel.Kernels;
import io.github.vecprop.net.NumericalGradient;
import io.github.vecprop.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static io.github.vecprop.check.GradientAssert.assertClose;
import static io.github.vecprop.check.GradientAssert.assertGradient;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Every batch layer's backward pass against a double-precision numerical gradient of a
 * double-precision reference forward pass ({@link Reference}), with
 * {@link io.github.vecprop.check.GradientAssert#TOLERANCE}. A layer is checked through the scalar
 * {@code L = sum(out * R)} for a random upstream gradient {@code R}, so {@code backward(R)} must equal
 * {@code dL/dx}. The forward pass is checked against the reference too.
 *
 * <p>Each check runs on {@link KernelProvider#get()} (the SIMD kernels by default, the scalar ones in
 * the {@code scalar-fallback} surefire run). The mutant tests run the very same checks on kernels with
 * a planted bug and require them to fail.
 */
class LayerGradientProperties {
    static void reluMatchesNumericalGradient(Kernels kernels) {
        Properties.qt()
                .forAll(Sizes.between(1, 20), Sizes.between(1, 40), Sizes.seeds())
                .checkAssert((n, d, seed) -> {
                    // Inputs at least 1e-2 from the kink, far beyond the step h = 1e-6.
                    float[] x = TestData.awayFromZero(seed, n * d, 1e-2f, 3f);
                    double[] r = TestData.toDouble(TestData.uniform(seed + 1, n * d, -1f, 1f));
                    Relu relu = new Relu(kernels);
                    Tensor out = relu.forward(Tensor.of(x.clone(), n, d));
                    assertClose("Relu forward", out.data(), Reference.relu(TestData.toDouble(x)), 0);
                    Tensor dout = Tensor.of(TestData.toFloat(r), n, d);
                    float[] doutBefore = dout.data().clone();
                    Tensor dx = relu.backward(dout);
                    assertClose("Relu backward must not modify dout", dout.data(), TestData.toDouble(doutBefore), 0);
                    double[] numeric = NumericalGradient.numericalGradient(
                            xd -> TestData.dot(Reference.relu(xd), r), TestData.toDouble(x));
                    assertGradient("Relu dx", dx.data(), numeric);
                });
    }

    static void sigmoidMatchesNumericalGradient(Kernels kernels) {
        Properties.qt()
                .forAll(Sizes.between(1, 20), Sizes.between(1, 40), Sizes.seeds())
                .checkAssert((n, d, seed) -> {
                    float[] x = TestData.uniform(seed, n * d, -6f, 6f);
                    double[] r = TestData.toDouble(TestData.uniform(seed + 1, n * d, -1f, 1f));
                    Sigmoid sigmoid = new Sigmoid(kernels);
                    Tensor out = sigmoid.forward(Tensor.of(x.clone(), n, d));
                    assertClose("Sigmoid forward", out.data(), Reference.sigmoid(TestData.toDouble(x)), 1e-6);
                    Tensor dx = sigmoid.backward(Tensor.of(TestData.toFloat(r), n, d));
                    double[] numeric = NumericalGradient.numericalGradient(
                            xd -> TestData.dot(Reference.sigmoid(xd), r), TestData.toDouble(x));
                    assertGradient("Sigmoid dx", dx.data(), numeric);
                });
    }

    static void tanhMatchesNumericalGradient(Kernels kernels) {
        Properties.qt()
                .forAll(Sizes.between(1, 20), Sizes.between(1, 40), Sizes.seeds())
                .checkAssert((n, d, seed) -> {
                    float[] x = TestData.uniform(seed, n * d, -4f, 4f);
                    double[] r = TestData.toDouble(TestData.uniform(seed + 1, n * d, -1f, 1f));
                    Tanh tanh = new Tanh(kernels);
                    Tensor out = tanh.forward(Tensor.of(x.clone(), n, d));
                    assertClose("Tanh forward", out.data(), Reference.tanh(TestData.toDouble(x)), 1e-6);
                    Tensor dout = Tensor.of(TestData.toFloat(r), n, d);
                    float[] doutBefore = dout.data().clone();
                    Tensor dx = tanh.backward(dout);
                    assertClose("Tanh backward must not modify dout", dout.data(), TestData.toDouble(doutBefore), 0);
                    double[] numeric = NumericalGradient.numericalGradient(
                            xd -> TestData.dot(Reference.tanh(xd), r), TestData.toDouble(x));
                    assertGradient("Tanh dx", dx.data(), numeric);
                });
    }

    static void meanSquaredErrorMatchesNumericalGradient(java.util.function.Supplier<LossLayer> loss, boolean labels) {
        Properties.qt()
                .forAll(Sizes.between(1, 20), Sizes.between(1, 33), Sizes.seeds())
                .checkAssert((n, c, seed) -> {
                    float[] x = TestData.uniform(seed, n * c, -3f, 3f);
                    int[] l = TestData.labels(seed + 1, n, c);
                    float[] target = labels ? TestData.oneHot(l, c) : TestData.uniform(seed + 2, n * c, -2f, 2f);
                    double[] t = TestData.toDouble(target);
                    LossLayer layer = loss.get();
                    Tensor xt = Tensor.of(x.clone(), n, c);
                    double value = labels ? layer.forward(xt, l) : layer.forward(xt, Tensor.of(target, n, c));
                    double expected = Reference.meanSquaredError(TestData.toDouble(x), n, t);
                    assertClose("MeanSquaredError loss", new float[] {(float) value}, new double[] {expected},
                            1e-5 * (1 + Math.abs(expected)));
                    assertGradient("MeanSquaredError dx", layer.backward().data(),
                            NumericalGradient.numericalGradient(v -> Reference.meanSquaredError(v, n, t), TestData.toDouble(x)));
                    float[] half = layer.backward(0.5f).data();
                    float[] full = layer.backward(1f).data();
                    for (int i = 0; i < half.length; i++) {
                        assertClose("backward(0.5)", new float[] {half[i]}, new double[] {0.5 * full[i]}, 0);
                    }
                });
    }

    /**
     * Dropout with its mask fixed by the forward pass: the mask (read back as out / x) holds only 0 and
     * 1 / (1 - ratio), backward is the derivative of {@code sum(x * mask * R)}, and inference mode is the identity.
     */
    static void dropoutMatchesNumericalGradient(Kernels kernels) {
        Properties.qt()
                .forAll(Sizes.between(1, 20), Sizes.between(1, 40), Sizes.seeds())
                .checkAssert((n, d, seed) -> {
                    float ratio = Math.floorMod(seed, 9L) / 10f;
                    float[] x = TestData.awayFromZero(seed, n * d, 1e-2f, 3f);
                    double[] r = TestData.toDouble(TestData.uniform(seed + 1, n * d, -1f, 1f));
                    Dropout drop = new Dropout(ratio, seed, kernels);
                    float[] out = drop.forward(Tensor.of(x.clone(), n, d)).data();
                    double keep = 1.0 / (1.0 - ratio);
                    double[] mask = new double[x.length];
                    for (int i = 0; i < x.length; i++) {
                        mask[i] = out[i] == 0f ? 0 : keep;
                        assertClose("Dropout forward", new float[] {out[i]}, new double[] {x[i] * mask[i]}, 1e-6 * keep * Math.abs(x[i]));
                    }
                    Tensor dx = drop.backward(Tensor.of(TestData.toFloat(r), n, d));
                    double[] numeric = NumericalGradient.numericalGradient(xd -> {
                        double s = 0;
                        for (int i = 0; i < xd.length; i++) {
                            s += xd[i] * mask[i] * r[i];
                        }
                        return s;
                    }, TestData.toDouble(x));
                    assertGradient("Dropout dx", dx.data(), numeric);
                    drop.setTraining(false);
                    assertClose("Dropout in inference mode", drop.forward(Tensor.of(x.clone(), n, d)).data(), TestData.toDouble(x), 0);
                    assertClose("Dropout backward in inference mode", drop.backward(Tensor.of(TestData.toFloat(r), n, d)).data(), r, 0);
                });
    }

    /** BatchNorm's full backward (through the batch statistics) for dx, dgamma and dbeta; rows >= 2 so the variance is not 0. */
    static void batchNormMatchesNumericalGradient(Kernels kernels) {
        Properties.qt()
                .forAll(Sizes.between(2, 20), Sizes.between(1, 30), Sizes.seeds())
                .checkAssert((n, d, seed) -> {
                    float[] x = TestData.uniform(seed, n * d, -2f, 2f);
                    double[] r = TestData.toDouble(TestData.uniform(seed + 1, n * d, -1f, 1f));
                    BatchNorm bn = new BatchNorm(d, 1e-5f, 0.9f, kernels);
                    float[] g = TestData.uniform(seed + 2, d, 0.5f, 2f);
                    float[] b = TestData.uniform(seed + 3, d, -1f, 1f);
                    System.arraycopy(g, 0, bn.parameters().get(0).value().data(), 0, d);
                    System.arraycopy(b, 0, bn.parameters().get(1).value().data(), 0, d);
                    double[] xd = TestData.toDouble(x);
                    double[] gd = TestData.toDouble(g);
                    double[] bd = TestData.toDouble(b);
                    Tensor out = bn.forward(Tensor.of(x.clone(), n, d));
                    assertClose("BatchNorm forward", out.data(), Reference.batchNorm(xd, n, d, gd, bd, 1e-5), 1e-4);
                    Tensor dx = bn.backward(Tensor.of(TestData.toFloat(r), n, d));
                    // Differences of a normalised batch are larger than the floor: a looser tolerance than elsewhere.
                    assertGradient("BatchNorm dx", dx.data(), NumericalGradient.numericalGradient(
                            v -> TestData.dot(Reference.batchNorm(v, n, d, gd, bd, 1e-5), r), xd.clone()), 3e-3, 1e-3);
                    assertGradient("BatchNorm dgamma", bn.parameters().get(0).gradient().data(), NumericalGradient.numericalGradient(
                            v -> TestData.dot(Reference.batchNorm(xd, n, d, v, bd, 1e-5), r), gd.clone()));
                    assertGradient("BatchNorm dbeta", bn.parameters().get(1).gradient().data(), NumericalGradient.numericalGradient(
                            v -> TestData.dot(Reference.batchNorm(xd, n, d, gd, v, 1e-5), r), bd.clone()));
                });
    }

    static void affineMatchesNumericalGradient(Kernels kernels) {
        Properties.qt()
                .forAll(Sizes.between(1, 19), Sizes.between(1, 19), Sizes.between(1, 19), Sizes.seeds())
                .checkAssert((n, in, out, seed) -> {
                    float[] x = TestData.uniform(seed, n * in, -1f, 1f);
                    float[] w = TestData.uniform(seed + 1, in * out, -1f, 1f);
                    float[] b = TestData.uniform(seed + 2, out, -1f, 1f);
                    double[] r = TestData.toDouble(TestData.uniform(seed + 3, n * out, -1f, 1f));
                    double[] xd = TestData.toDouble(x);
                    double[] wd = TestData.toDouble(w);
                    double[] bd = TestData.toDouble(b);

                    Affine affine = new Affine(Tensor.of(w.clone(), in, out), Tensor.of(b.clone(), out), kernels);
                    Tensor y = affine.forward(Tensor.of(x.clone(), n, in));
                    assertClose("Affine forward", y.data(), Reference.affine(xd, n, in, wd, out, bd), 1e-5 * (in + 1));
                    Tensor dx = affine.backward(Tensor.of(TestData.toFloat(r), n, out));

                    assertGradient("Affine dx", dx.data(), NumericalGradient.numericalGradient(
                            v -> TestData.dot(Reference.affine(v, n, in, wd, out, bd), r), xd.clone()));
                    assertGradient("Affine dW", affine.dW().data(), NumericalGradient.numericalGradient(
                            v -> TestData.dot(Reference.affine(xd, n, in, v, out, bd), r), wd.clone()));
                    assertGradient("Affine db", affine.db().data(), NumericalGradient.numericalGradient(
                            v -> TestData.dot(Reference.affine(xd, n, in, wd, out, v), r), bd.clone()));
                });
    }

    static void softmaxWithLossMatchesNumericalGradient(Kernels kernels, boolean oneHot) {
        Properties.qt()
                .forAll(Sizes.between(1, 20), Sizes.between(1, 33), Sizes.seeds())
                .checkAssert((n, c, seed) -> {
                    float[] x = TestData.uniform(seed, n * c, -4f, 4f);
                    int[] labels = TestData.labels(seed + 1, n, c);
                    double[] t = Reference.oneHot(labels, c);
                    SoftmaxWithLoss layer = new SoftmaxWithLoss(kernels);
                    Tensor xt = Tensor.of(x.clone(), n, c);
                    double loss = oneHot
                            ? layer.forward(xt, Tensor.of(TestData.oneHot(labels, c), n, c))
                            : layer.forward(xt, labels);
                    double expected = Reference.softmaxCrossEntropy(TestData.toDouble(x), n, c, t, 1e-7);
                    assertClose("SoftmaxWithLoss loss", new float[] {(float) loss}, new double[] {expected},
                            1e-5 * (1 + Math.abs(expected)));
                    assertClose("SoftmaxWithLoss y", layer.y().data(), Reference.softmax(TestData.toDouble(x), n, c), 1e-6);
                    Tensor dx = layer.backward();
                    assertGradient("SoftmaxWithLoss dx (" + (oneHot ? "one-hot" : "labels") + ")", dx.data(),
                            NumericalGradient.numericalGradient(v -> Reference.softmaxCrossEntropy(v, n, c, t, 0), TestData.toDouble(x)));
                });
    }

    @Test
    void relu() {
        reluMatchesNumericalGradient(KernelProvider.get());
    }

    @Test
    void sigmoid() {
        sigmoidMatchesNumericalGradient(KernelProvider.get());
    }

    @Test
    void tanh() {
        tanhMatchesNumericalGradient(KernelProvider.get());
    }

    @Test
    void meanSquaredErrorOnDenseTargets() {
        meanSquaredErrorMatchesNumericalGradient(MeanSquaredError::new, false);
    }

    @Test
    void meanSquaredErrorOnLabels() {
        meanSquaredErrorMatchesNumericalGradient(MeanSquaredError::new, true);
    }

    @Test
    void dropout() {
        dropoutMatchesNumericalGradient(KernelProvider.get());
    }

    @Test
    void dropoutDropsItsRatioReproducibly() {
        int n = 100_000;
        Tensor x = Tensor.filled(1f, 100, n / 100);
        float[] a = new Dropout(0.3f, 7).forward(x).data().clone();
        float[] b = new Dropout(0.3f, 7).forward(x).data();
        org.junit.jupiter.api.Assertions.assertArrayEquals(a, b, "the same seed gives the same masks");
        double dropped = 0;
        double sum = 0;
        for (float v : a) {
            dropped += v == 0f ? 1 : 0;
            sum += v;
        }
        // 4.5 standard deviations of a binomial(100000, 0.3) count, and the mean kept at 1.
        org.junit.jupiter.api.Assertions.assertEquals(0.3, dropped / n, 4.5 * Math.sqrt(0.3 * 0.7 / n));
        org.junit.jupiter.api.Assertions.assertEquals(1.0, sum / n, 0.01);
    }

    @Test
    void batchNorm() {
        batchNormMatchesNumericalGradient(KernelProvider.get());
    }

    @Test
    void catchesABatchNormThatIgnoresTheVarianceInBackward() {
        // dx without the term through the batch variance: right for dgamma and dbeta, wrong for dx.
        Kernels mutant = new ForwardingKernels(KernelProvider.get()) {
            @Override
            public void batchNormBackward(float[] xhat, float[] invStd, float[] gamma, float[] dout, int rows, int cols,
                                          float[] dgamma, float[] dbeta, float[] dx) {
                super.batchNormBackward(xhat, invStd, gamma, dout, rows, cols, dgamma, dbeta, dx);
                for (int i = 0; i < rows * cols; i++) {
                    int j = i % cols;
                    dx[i] += gamma[j] * invStd[j] * xhat[i] * dgamma[j] / rows;
                }
            }
        };
        assertThrows(AssertionError.class, () -> batchNormMatchesNumericalGradient(mutant));
    }

    @Test
    void batchNormKeepsRunningStatisticsAndUsesThemAtInference() {
        BatchNorm bn = new BatchNorm(2);
        Tensor x = Tensor.of(new float[] {1, 10, 3, 20}, 2, 2);
        bn.forward(x);
        float[] rm = bn.state().get("runningMean").data();
        float[] rv = bn.state().get("runningVar").data();
        org.junit.jupiter.api.Assertions.assertArrayEquals(new float[] {0.2f, 1.5f}, rm, 1e-6f);
        // Batch variances 1 and 25: 0.9 * 1 + 0.1 * var.
        org.junit.jupiter.api.Assertions.assertArrayEquals(new float[] {1.0f, 3.4f}, rv, 1e-4f);
        bn.setTraining(false);
        float[] before = rm.clone();
        float[] y = bn.forward(x).data();
        org.junit.jupiter.api.Assertions.assertArrayEquals(before, rm, 0f, "inference never updates the running statistics");
        org.junit.jupiter.api.Assertions.assertEquals((1 - 0.2) / Math.sqrt(1.0 + 1e-5), y[0], 1e-5);
        org.junit.jupiter.api.Assertions.assertEquals((20 - 1.5) / Math.sqrt(3.4 + 1e-5), y[3], 1e-4);
        assertThrows(IllegalStateException.class, () -> bn.backward(Tensor.zeros(2, 2)));
    }

    @Test
    void affine() {
        affineMatchesNumericalGradient(KernelProvider.get());
    }

    @Test
    void softmaxWithLossOnLabels() {
        softmaxWithLossMatchesNumericalGradient(KernelProvider.get(), false);
    }

    @Test
    void softmaxWithLossOnOneHot() {
        softmaxWithLossMatchesNumericalGradient(KernelProvider.get(), true);
    }

    // Planted bugs: the same checks must fail.

    @Test
    void catchesSignFlipInSigmoidBackward() {
        Kernels mutant = new ForwardingKernels(KernelProvider.get()) {
            @Override
            public void sigmoidBackward(float[] y, int yOff, float[] dout, int doutOff, float[] dx, int dxOff, int n) {
                super.sigmoidBackward(y, yOff, dout, doutOff, dx, dxOff, n);
                for (int i = 0; i < n; i++) {
                    dx[dxOff + i] = -dx[dxOff + i];
                }
            }
        };
        assertThrows(AssertionError.class, () -> sigmoidMatchesNumericalGradient(mutant));
    }

    @Test
    void catchesSignFlipInTanhBackward() {
        Kernels mutant = new ForwardingKernels(KernelProvider.get()) {
            @Override
            public void tanhBackward(float[] y, int yOff, float[] dout, int doutOff, float[] dx, int dxOff, int n) {
                super.tanhBackward(y, yOff, dout, doutOff, dx, dxOff, n);
                for (int i = 0; i < n; i++) {
                    dx[dxOff + i] = -dx[dxOff + i];
                }
            }
        };
        assertThrows(AssertionError.class, () -> tanhMatchesNumericalGradient(mutant));
    }

    @Test
    void catchesAMeanSquaredErrorGradientWithoutTheHalf() {
        // The loss keeps its 0.5 but the gradient is (x - t) * 2 / N: the classic factor-of-two slip.
        java.util.function.Supplier<LossLayer> mutant = () -> new LossLayer() {
            private final MeanSquaredError inner = new MeanSquaredError();

            @Override
            public double forward(Tensor x, int[] t) {
                return inner.forward(x, t);
            }

            @Override
            public double forward(Tensor x, Tensor t) {
                return inner.forward(x, t);
            }

            @Override
            public Tensor backward(float dout) {
                return inner.backward(2 * dout);
            }

            @Override
            public double loss() {
                return inner.loss();
            }

            @Override
            public LayerSpec spec() {
                return inner.spec();
            }
        };
        assertThrows(AssertionError.class, () -> meanSquaredErrorMatchesNumericalGradient(mutant, false));
    }

    @Test
    void catchesADropoutBackwardThatIgnoresTheMask() {
        // Forward (every first multiply) is right; backward (every second) passes dout through unmasked.
        Kernels mutant = new ForwardingKernels(KernelProvider.get()) {
            private int calls;

            @Override
            public void multiply(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int n) {
                if (calls++ % 2 == 0) {
                    super.multiply(a, aOff, b, bOff, out, outOff, n);
                } else {
                    System.arraycopy(a, aOff, out, outOff, n);
                }
            }
        };
        assertThrows(AssertionError.class, () -> dropoutMatchesNumericalGradient(mutant));
    }

    @Test
    void catchesMissingFactorInAffineWeightGradient() {
        // dW = Xᵀ·dout is the only transposed-A product Affine computes; halving it is the "missing factor".
        Kernels mutant = new ForwardingKernels(KernelProvider.get()) {
            @Override
            public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
                             float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
                super.gemm(transA, transB, m, n, k, transA ? alpha * 0.5f : alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            }
        };
        assertThrows(AssertionError.class, () -> affineMatchesNumericalGradient(mutant));
    }

    @Test
    void catchesReluBackwardThatIgnoresTheMask() {
        Kernels mutant = new ForwardingKernels(KernelProvider.get()) {
            @Override
            public void reluBackward(float[] x, int xOff, float[] dout, int doutOff, float[] dx, int dxOff, int n) {
                System.arraycopy(dout, doutOff, dx, dxOff, n);
            }
        };
        assertThrows(AssertionError.class, () -> reluMatchesNumericalGradient(mutant));
    }

    @Test
    void catchesLossNotAveragedOverTheBatch() {
        Kernels mutant = new ForwardingKernels(KernelProvider.get()) {
            @Override
            public double softmaxCrossEntropy(float[] x, int xOff, int rows, int cols, int[] labels, int labelsOff,
                                              float[] y, int yOff, float[] dx, int dxOff) {
                return rows * super.softmaxCrossEntropy(x, xOff, rows, cols, labels, labelsOff, y, yOff, dx, dxOff);
            }
        };
        assertThrows(AssertionError.class, () -> softmaxWithLossMatchesNumericalGradient(mutant, false));
    }
}
