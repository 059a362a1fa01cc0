package io.github.vecprop.net;

import io.github.vecprop.kernel.KernelProvider;
import io.github.vecprop.kernel.Kernels;
import io.github.vecprop.layer.Affine;
import io.github.vecprop.layer.Relu;
import io.github.vecprop.layer.SoftmaxWithLoss;
import io.github.vecprop.tensor.Shape;
import io.github.vecprop.tensor.Tensor;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The origin notes' two-layer net: Affine1 (W1, b1) → Relu1 → Affine2 (W2, b2) → SoftmaxWithLoss.
 * Inputs are batches {@code x} of shape {@code N x inputSize}; targets are label indices
 * ({@code int[N]}) or one-hot tensors ({@code N x outputSize}).
 *
 * <p>Parameters: W1 ({@code inputSize x hiddenSize}) and W2 ({@code hiddenSize x outputSize}) are
 * drawn from N(0, weightInitStd²) with the given seed; b1 and b2 start at zero. {@link #params()}
 * returns the live tensors the layers compute with (update or load them in place, e.g. with
 * {@link Tensor#copyFrom}); {@link #gradient} returns layer-owned gradient tensors that the next call
 * overwrites. Not thread-safe: one net trains on one thread.
 */
public final class TwoLayerNet implements Net {
    private static final List<String> NAMES = List.of("W1", "b1", "W2", "b2");

    private final Kernels kernels;
    private final Map<String, Tensor> params;
    private final Map<String, Tensor> grads;
    private final Affine affine1;
    private final Relu relu1;
    private final Affine affine2;
    private final SoftmaxWithLoss lastLayer;
    private int[] predicted = new int[0];
    private int[] expected = new int[0];

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
        if (!(weightInitStd >= 0) || Float.isInfinite(weightInitStd)) {
            throw new IllegalArgumentException("weightInitStd must be finite and non-negative, got " + weightInitStd);
        }
        this.kernels = kernels;
        Map<String, Tensor> p = new LinkedHashMap<>();
        p.put("W1", Tensor.gaussian(seed, weightInitStd, inputSize, hiddenSize));
        p.put("b1", Tensor.zeros(hiddenSize));
        // A different stream for W2, derived from the seed so one number reproduces the whole net.
        p.put("W2", Tensor.gaussian(seed ^ 0x9E3779B97F4A7C15L, weightInitStd, hiddenSize, outputSize));
        p.put("b2", Tensor.zeros(outputSize));
        params = Collections.unmodifiableMap(p);
        affine1 = new Affine(p.get("W1"), p.get("b1"), kernels);
        affine1.setInputGradientNeeded(false);
        relu1 = new Relu(kernels);
        affine2 = new Affine(p.get("W2"), p.get("b2"), kernels);
        lastLayer = new SoftmaxWithLoss(kernels);
        Map<String, Tensor> g = new LinkedHashMap<>();
        g.put("W1", affine1.dW());
        g.put("b1", affine1.db());
        g.put("W2", affine2.dW());
        g.put("b2", affine2.db());
        grads = Collections.unmodifiableMap(g);
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
        if (w1.rank() != 2 || w2.rank() != 2 || w1.dim(1) != w2.dim(0)) {
            throw new IllegalArgumentException("W1 has shape " + w1.shape() + " and W2 has shape " + w2.shape()
                    + "; they must be matrices in x hidden and hidden x out");
        }
        TwoLayerNet net = new TwoLayerNet(w1.dim(0), w1.dim(1), w2.dim(1), 0f, 0);
        for (String key : NAMES) {
            Tensor src = params.get(key);
            Tensor dst = net.params.get(key);
            if (!src.shape().equals(dst.shape())) {
                throw new IllegalArgumentException(key + " has shape " + src.shape() + " but W1 " + w1.shape()
                        + " and W2 " + w2.shape() + " need " + dst.shape());
            }
            dst.copyFrom(src);
        }
        return net;
    }

    /**
     * An immutable, thread-safe snapshot of the current parameters for serving, with no-allocation
     * single-sample and batch prediction; see {@link TwoLayerModel}. Later training does not change it.
     */
    public TwoLayerModel freeze() {
        return TwoLayerModel.of(this, kernels);
    }

    /** The parameters W1, b1, W2, b2 in that order: live tensors, not copies. */
    @Override
    public Map<String, Tensor> params() {
        return params;
    }

    /** The scores (before softmax), {@code N x outputSize}; a layer-owned buffer overwritten by the next call. */
    @Override
    public Tensor predict(Tensor x) {
        return affine2.forward(relu1.forward(affine1.forward(x)));
    }

    /** The mean cross-entropy loss against label indices. */
    @Override
    public double loss(Tensor x, int[] t) {
        return lastLayer.forward(predict(x), t);
    }

    @Override
    public double lastLoss() {
        return lastLayer.loss();
    }

    @Override
    public int inputSize() {
        return params.get("W1").dim(0);
    }

    @Override
    public int outputSize() {
        return params.get("W2").dim(1);
    }

    /** The hidden layer's width. */
    public int hiddenSize() {
        return params.get("W1").dim(1);
    }

    /** The mean cross-entropy loss against one-hot targets ({@code N x outputSize}). */
    public double loss(Tensor x, Tensor t) {
        return lastLayer.forward(predict(x), t);
    }

    /** The fraction of rows whose highest score is at the label index. */
    @Override
    public double accuracy(Tensor x, int[] t) {
        Shape.requireNonNull("labels", t);
        Tensor y = predict(x);
        if (t.length != y.dim(0)) {
            throw new IllegalArgumentException("input has shape " + x.shape() + " but there are " + t.length
                    + " labels; need one label per row");
        }
        return matches(y, t);
    }

    /** The fraction of rows whose highest score is where the one-hot target's highest value is. */
    public double accuracy(Tensor x, Tensor t) {
        Shape.requireNonNull("one-hot targets", t);
        Tensor y = predict(x);
        Shape.requireSame("scores", y, "one-hot targets", t);
        int n = t.dim(0);
        if (expected.length < n) {
            expected = new int[n];
        }
        kernels.argmaxRows(t.data(), 0, n, t.dim(1), expected, 0);
        return matches(y, expected);
    }

    private double matches(Tensor y, int[] labels) {
        int n = y.dim(0);
        if (predicted.length < n) {
            predicted = new int[n];
        }
        kernels.argmaxRows(y.data(), 0, n, y.dim(1), predicted, 0);
        int hits = 0;
        for (int i = 0; i < n; i++) {
            if (predicted[i] == labels[i]) {
                hits++;
            }
        }
        return hits / (double) n;
    }

    /**
     * Backprop: forward, then backward through every layer; returns dW1, db1, dW2, db2 under the
     * parameter names. The tensors are layer-owned and overwritten by the next call.
     */
    @Override
    public Map<String, Tensor> gradient(Tensor x, int[] t) {
        loss(x, t);
        return backward();
    }

    /** {@link #gradient(Tensor, int[])} against one-hot targets. */
    public Map<String, Tensor> gradient(Tensor x, Tensor t) {
        loss(x, t);
        return backward();
    }

    private Map<String, Tensor> backward() {
        Tensor dout = lastLayer.backward(1f);
        dout = affine2.backward(dout);
        dout = relu1.backward(dout);
        affine1.backward(dout);
        return grads;
    }

    /**
     * The notes' {@code numerical_gradient}: float32 central differences of the loss over every
     * element of every parameter (step {@link NumericalGradient#FLOAT_STEP}); new tensors. Slow by
     * design: two forward passes per parameter element.
     */
    public Map<String, Tensor> numericalGradient(Tensor x, int[] t) {
        return numerical(p -> loss(x, t));
    }

    /** {@link #numericalGradient(Tensor, int[])} against one-hot targets. */
    public Map<String, Tensor> numericalGradient(Tensor x, Tensor t) {
        return numerical(p -> loss(x, t));
    }

    private Map<String, Tensor> numerical(ToDoubleFunction<float[]> lossW) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : params.entrySet()) {
            Tensor p = e.getValue();
            float[] g = NumericalGradient.numericalGradient(lossW, p.data());
            out.put(e.getKey(), Tensor.of(g, p.shape().dims()));
        }
        return out;
    }
}
