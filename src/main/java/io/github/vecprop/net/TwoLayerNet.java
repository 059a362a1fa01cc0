package io.github.vecprop.net;

import io.github.vecprop.kernel.KernelProvider;
import io.github.vecprop.kernel.Kernels;
import io.github.vecprop.layer.Activation;
import io.github.vecprop.layer.SoftmaxWithLoss;
import io.github.vecprop.tensor.Shape;
import io.github.vecprop.tensor.Tensor;

import java.util.List;
import java.util.Map;

/**
 * The origin notes' two-layer net: Affine1 (W1, b1) → Relu1 → Affine2 (W2, b2) → SoftmaxWithLoss, a
 * {@link Sequential} with the notes' constructor. Inputs are batches {@code x} of shape
 * {@code N x inputSize}; targets are label indices ({@code int[N]}) or one-hot tensors
 * ({@code N x outputSize}).
 *
 * <p>Parameters: W1 ({@code inputSize x hiddenSize}) and W2 ({@code hiddenSize x outputSize}) are
 * drawn from N(0, weightInitStd²) with the given seed (W1 from the seed, W2 from a stream derived
 * from it, as {@link Sequential#mlp} draws them); b1 and b2 start at zero. Everything else, including
 * ownership and thread safety, is as in {@link Sequential}.
 */
public final class TwoLayerNet extends Sequential {
    private static final List<String> NAMES = List.of("W1", "b1", "W2", "b2");

    /** A net on the provider's kernels. */
    public TwoLayerNet(int inputSize, int hiddenSize, int outputSize, float weightInitStd, long seed) {
        this(inputSize, hiddenSize, outputSize, weightInitStd, seed, KernelProvider.get());
    }

    /**
     * A net on the given kernels.
     *
     * @throws IllegalArgumentException if a size is not positive or the standard deviation is negative or not finite
     */
    public TwoLayerNet(int inputSize, int hiddenSize, int outputSize, float weightInitStd, long seed, Kernels kernels) {
        if (inputSize < 1 || hiddenSize < 1 || outputSize < 1) {
            throw new IllegalArgumentException("layer sizes must be positive, got inputSize=" + inputSize
                    + ", hiddenSize=" + hiddenSize + ", outputSize=" + outputSize);
        }
        Shape.requireNonNull("kernels", kernels);
        super(inputSize, layers(new int[] {inputSize, hiddenSize, outputSize}, Activation.RELU, Init.std(weightInitStd),
                seed, kernels), new SoftmaxWithLoss(kernels), kernels);
    }

    /**
     * A net with the given parameters (copied), e.g. loaded from a model file or from a NumPy
     * {@code .npz} written by the origin notes' code. Sizes are taken from W1 ({@code in x hidden})
     * and W2 ({@code hidden x out}).
     *
     * @throws IllegalArgumentException if W1, b1, W2 or b2 is missing, another name is present, or the shapes do not fit
     */
    public static TwoLayerNet fromParams(Map<String, Tensor> params) {
        Shape.requireNonNull("params", params);
        for (String key : params.keySet()) {
            if (!NAMES.contains(key)) {
                throw new IllegalArgumentException("unexpected parameter '" + key + "'; a TwoLayerNet has " + NAMES);
            }
        }
        for (String key : NAMES) {
            if (params.get(key) == null) {
                throw new IllegalArgumentException("parameter " + key + " is missing; a TwoLayerNet needs " + NAMES);
            }
        }
        Tensor w1 = params.get("W1");
        Tensor w2 = params.get("W2");
        if (w1.rank() != 2 || w2.rank() != 2 || w1.dim(1) != w2.dim(0) || w1.dim(0) < 1 || w1.dim(1) < 1 || w2.dim(1) < 1) {
            throw new IllegalArgumentException("W1 has shape " + w1.shape() + " and W2 has shape " + w2.shape()
                    + "; they must be non-empty matrices in x hidden and hidden x out");
        }
        TwoLayerNet net = new TwoLayerNet(w1.dim(0), w1.dim(1), w2.dim(1), 0f, 0);
        net.loadParams(params);
        return net;
    }

    /** The hidden layer's width. */
    public int hiddenSize() {
        return params().get("W1").dim(1);
    }
}
