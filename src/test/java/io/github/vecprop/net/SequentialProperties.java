package io.github.vecprop.net;

import io.github.vecprop.check.ForwardingKernels;
import io.github.vecprop.check.Properties;
import io.github.vecprop.check.RandomNets;
import io.github.vecprop.check.ReferenceNet;
import io.github.vecprop.check.Sizes;
import io.github.vecprop.check.TestData;
import io.github.vecprop.kernel.KernelProvider;
import io.github.vecprop.kernel.Kernels;
import io.github.vecprop.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static io.github.vecprop.check.GradientAssert.assertGradient;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link Sequential#gradient} on random architectures (1 to 4 affine layers of widths 1 to 40, a
 * random activation between them, either loss, batches of 1 to 9, label or dense targets, weight decay
 * in a third of them): every
 * parameter's gradient against the double-precision numerical gradient of {@link ReferenceNet}, which
 * computes the loss from the architecture's specs alone. A planted bug is caught by the same check.
 */
class SequentialProperties {

    static void gradientMatchesNumerical(Kernels kernels) {
        Properties.qt().forAll(Sizes.between(1, 9), Sizes.seeds()).checkAssert((n, seed) -> {
            Sequential net = RandomNets.net(seed, 4, 40, kernels);
            // Weight decay in a third of the examples.
            float lambda = Math.floorMod(seed, 3L) == 0 ? 0.05f + Math.floorMod(seed >> 3, 10L) / 20f : 0f;
            net.setWeightDecay(lambda);
            Architecture arch = net.architecture();
            int in = net.inputSize();
            int c = net.outputSize();
            float[] x = TestData.uniform(seed + 1, n * in, -1f, 1f);
            Tensor xt = Tensor.of(x, n, in);
            int[] labels = TestData.labels(seed + 2, n, c);
            boolean dense = (seed & 1) == 0;
            // Dense targets for MSE are arbitrary reals (regression), for softmax one-hot rows.
            float[] target = dense && arch.loss().kind().equals("MeanSquaredError")
                    ? TestData.uniform(seed + 3, n * c, -1f, 1f) : TestData.oneHot(labels, c);
            Tensor tt = Tensor.of(target, n, c);
            double loss = dense ? net.loss(xt, tt) : net.loss(xt, labels);
            Map<String, Tensor> grads = dense ? net.gradient(xt, tt) : net.gradient(xt, labels);

            double[] xd = TestData.toDouble(x);
            double[] t = TestData.toDouble(target);
            Map<String, double[]> params = new HashMap<>();
            net.params().forEach((k, v) -> params.put(k, TestData.toDouble(v.data())));
            double refLoss = ReferenceNet.loss(arch, params, xd, n, t, 1e-7, lambda);
            assertEquals(refLoss, loss, 1e-4 * (1 + refLoss), "loss of " + arch);
            assertEquals(loss, net.lastLoss(), "lastLoss is the loss, weight decay included");
            assertEquals(params.keySet(), grads.keySet());
            for (String name : net.params().keySet()) {
                double[] numeric = NumericalGradient.numericalGradient(v -> {
                    Map<String, double[]> p = new HashMap<>(params);
                    p.put(name, v);
                    return ReferenceNet.loss(arch, p, xd, n, t, 0, lambda);
                }, params.get(name).clone());
                assertGradient("d" + name + " of " + arch, grads.get(name).data(), numeric);
            }
        });
    }

    @Test
    void gradientOfAnyArchitecture() {
        gradientMatchesNumerical(KernelProvider.get());
    }

    @Test
    void catchesATanhBackwardWithoutTheSquare() {
        // 1 - y instead of 1 - y²: a plausible slip that only nets with a tanh layer can show.
        Kernels mutant = new ForwardingKernels(KernelProvider.get()) {
            @Override
            public void tanhBackward(float[] y, int yOff, float[] dout, int doutOff, float[] dx, int dxOff, int n) {
                for (int i = 0; i < n; i++) {
                    dx[dxOff + i] = dout[doutOff + i] * (1f - y[yOff + i]);
                }
            }
        };
        assertThrows(AssertionError.class, () -> gradientMatchesNumerical(mutant));
    }

    @Test
    void catchesAWeightDecayGradientWithTheWrongSign() {
        Kernels mutant = new ForwardingKernels(KernelProvider.get()) {
            @Override
            public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
                super.axpy(-alpha, x, xOff, y, yOff, n);
            }
        };
        assertThrows(AssertionError.class, () -> gradientMatchesNumerical(mutant));
    }

    @Test
    void catchesAFirstLayerBiasGradientThatIsNotSummed() {
        // db taken from the first row only instead of the sum over the batch: wrong whenever N > 1.
        Kernels mutant = new ForwardingKernels(KernelProvider.get()) {
            @Override
            public void columnSums(float[] x, int xOff, int rows, int cols, float[] out, int outOff) {
                super.columnSums(x, xOff, Math.min(rows, 1), cols, out, outOff);
            }
        };
        assertThrows(AssertionError.class, () -> gradientMatchesNumerical(mutant));
    }
}
