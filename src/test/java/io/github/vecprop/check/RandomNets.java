package io.github.vecprop.check;

import io.github.vecprop.kernel.Kernels;
import io.github.vecprop.layer.Affine;
import io.github.vecprop.layer.Layer;
import io.github.vecprop.layer.LossLayer;
import io.github.vecprop.layer.MeanSquaredError;
import io.github.vecprop.layer.Relu;
import io.github.vecprop.layer.Sigmoid;
import io.github.vecprop.layer.SoftmaxWithLoss;
import io.github.vecprop.layer.Tanh;
import io.github.vecprop.net.Sequential;
import io.github.vecprop.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Random architectures for properties over "any net": 1 to {@code maxDepth} affine layers of widths 1
 * to {@code maxWidth}, a random activation (ReLU, sigmoid, tanh) after each but the last (sometimes
 * two in a row), sometimes an activation before the first affine layer (so backward must reach past
 * a leading layer without parameters), and either loss. Weights are N(0, 1/in) so activations
 * neither vanish nor saturate at any depth; biases are small and non-zero.
 */
public final class RandomNets {
    private RandomNets() {
    }

    /** The net for {@code seed}. */
    public static Sequential net(long seed, int maxDepth, int maxWidth, Kernels kernels) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int depth = 1 + rnd.nextInt(maxDepth);
        int in = 1 + rnd.nextInt(maxWidth);
        List<Layer> layers = new ArrayList<>();
        if (rnd.nextInt(4) == 0) {
            layers.add(activation(rnd, kernels));
        }
        int width = in;
        for (int i = 0; i < depth; i++) {
            int out = 1 + rnd.nextInt(maxWidth);
            Tensor w = Tensor.gaussian(rnd.nextLong(), (float) (1 / Math.sqrt(width)), width, out);
            Tensor b = Tensor.of(TestData.uniform(rnd.nextLong(), out, -0.2f, 0.2f), out);
            layers.add(new Affine(w, b, kernels));
            if (i < depth - 1) {
                layers.add(activation(rnd, kernels));
                if (rnd.nextInt(5) == 0) {
                    layers.add(activation(rnd, kernels));
                }
            }
            width = out;
        }
        LossLayer loss = rnd.nextBoolean() ? new SoftmaxWithLoss(kernels) : new MeanSquaredError();
        return new Sequential(in, layers, loss, kernels);
    }

    private static Layer activation(SplittableRandom rnd, Kernels kernels) {
        return switch (rnd.nextInt(3)) {
            case 0 -> new Relu(kernels);
            case 1 -> new Sigmoid(kernels);
            default -> new Tanh(kernels);
        };
    }
}
