package io.github.vecprop.net;

import io.github.vecprop.kernel.KernelProvider;
import io.github.vecprop.kernel.Kernels;
import io.github.vecprop.layer.Activation;
import io.github.vecprop.layer.Affine;
import io.github.vecprop.layer.BatchNorm;
import io.github.vecprop.layer.Dropout;
import io.github.vecprop.layer.Layer;
import io.github.vecprop.layer.LayerSpec;
import io.github.vecprop.layer.Layers;
import io.github.vecprop.layer.LossLayer;
import io.github.vecprop.layer.MeanSquaredError;
import io.github.vecprop.layer.Parameter;
import io.github.vecprop.layer.SoftmaxWithLoss;
import io.github.vecprop.tensor.Shape;
import io.github.vecprop.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The general net that trains: an ordered list of layers followed by a loss layer (the book's
 * {@code MultiLayerNet}, PyTorch's {@code nn.Sequential}), in the origin notes' vocabulary:
 * {@code predict}, {@code loss}, {@code accuracy}, {@code gradient}, {@code numericalGradient},
 * {@code params}. Batches {@code x} are {@code N x inputSize}; targets are label indices
 * ({@code int[N]}) or dense tensors ({@code N x outputSize}).
 *
 * <p>Parameters are named as the book's {@code MultiLayerNet} names them: each layer-local name is
 * numbered by how many layers up to and including this one have a parameter of that name, so the
 * affine layers' parameters are {@code W1 b1 W2 b2 ... Wn bn} and a {@code .npz} file stays
 * interchangeable with NumPy. {@link #params()} returns the live tensors the layers compute with
 * (update or load them in place); {@link #gradient} returns the layers' gradient tensors, which the
 * next call overwrites. Backward skips the input gradient of the first layer with parameters, and
 * the layers before it entirely, since nothing consumes them.
 *
 * <p>Modes: a net starts in training mode; {@link #setTraining} switches every layer. The trainer
 * steps in training mode and evaluates in inference mode. {@link #freeze()} compiles the current
 * parameters into a {@link Model} for serving. Not thread-safe: one net trains on one thread.
 *
 * <pre>{@code
 * Sequential net = Sequential.mlp(784, 100, 50, 10).activation(Activation.RELU).init(Init.he()).seed(42).build();
 * Map<String, Tensor> grads = net.gradient(x, labels);   // W1 b1 W2 b2 W3 b3
 * Model model = net.freeze();                            // immutable, shared by every serving thread
 * }</pre>
 */
public class Sequential {
    // Each weight matrix draws from its own stream, derived from the one seed (W1 from the seed itself).
    private static final long STREAM = 0x9E3779B97F4A7C15L;
    private static final long DROPOUT_STREAM = 0xD1B54A32D192ED03L;

    private final Kernels kernels;
    private final int inputSize;
    private final int outputSize;
    private final List<Layer> layers;
    private final LossLayer lossLayer;
    private final Map<String, Tensor> params;
    private final Map<String, Tensor> grads;
    private final Map<String, Tensor> tensors;
    private final int firstWithParameters;
    // The parameters weight decay applies to (Parameter.decayed: the weight matrices).
    private final Parameter[] decayed;
    private float weightDecay;
    private double lastLoss;
    private boolean training = true;
    private int[] predicted = new int[0];
    private int[] expected = new int[0];

    /** A net over {@code layers} and {@code lossLayer}, taking rows of {@code inputSize}, on the provider's kernels. */
    public Sequential(int inputSize, List<? extends Layer> layers, LossLayer lossLayer) {
        this(inputSize, layers, lossLayer, KernelProvider.get());
    }

    /**
     * A net over {@code layers} (used as they are, not copied) and {@code lossLayer}, taking rows of
     * {@code inputSize}; {@code kernels} serves the net's own arithmetic (argmax), the layers bring theirs.
     *
     * @throws IllegalArgumentException if there are no layers, a layer appears twice, or a layer's input
     *     width does not fit the previous layer's output (the message names both)
     */
    public Sequential(int inputSize, List<? extends Layer> layers, LossLayer lossLayer, Kernels kernels) {
        Shape.requireNonNull("layers", layers);
        Shape.requireNonNull("loss layer", lossLayer);
        Shape.requireNonNull("kernels", kernels);
        if (inputSize < 1) {
            throw new IllegalArgumentException("the input size must be at least 1, got " + inputSize);
        }
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("a net needs at least one layer before its loss");
        }
        for (int i = 0; i < layers.size(); i++) {
            Shape.requireNonNull("layer " + (i + 1), layers.get(i));
        }
        this.kernels = kernels;
        this.inputSize = inputSize;
        this.layers = List.copyOf(layers);
        this.lossLayer = lossLayer;
        Map<Layer, Boolean> seen = new IdentityHashMap<>();
        Map<String, Integer> counts = new HashMap<>();
        Map<String, Tensor> p = new LinkedHashMap<>();
        Map<String, Tensor> g = new LinkedHashMap<>();
        int width = inputSize;
        int first = this.layers.size();
        List<Parameter> decays = new ArrayList<>();
        Map<String, Tensor> all = new LinkedHashMap<>();
        for (int i = 0; i < this.layers.size(); i++) {
            Layer layer = this.layers.get(i);
            if (seen.put(layer, Boolean.TRUE) != null) {
                throw new IllegalArgumentException("layer " + (i + 1) + " (" + layer.spec().kind()
                        + ") appears twice; each position needs its own layer object");
            }
            try {
                width = layer.outputWidth(width);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("layer " + (i + 1) + " (" + layer.spec() + "): " + e.getMessage(), e);
            }
            for (Parameter param : layer.parameters()) {
                String name = param.name() + counts.merge(param.name(), 1, Integer::sum);
                if (p.containsKey(name)) {
                    throw new IllegalArgumentException("layer " + (i + 1) + " (" + layer.spec().kind() + ") has a parameter "
                            + param.name() + " that the net would name " + name + ", a name already taken; local names"
                            + " must not end in a digit");
                }
                for (Tensor other : p.values()) {
                    if (other == param.value()) {
                        throw new IllegalArgumentException("parameter " + name + " of layer " + (i + 1)
                                + " is a tensor another layer also uses; shared (tied) parameters are not supported");
                    }
                }
                p.put(name, param.value());
                g.put(name, param.gradient());
                if (param.decayed()) {
                    decays.add(param);
                }
                first = Math.min(first, i);
            }
            for (Map.Entry<String, Tensor> st : layer.state().entrySet()) {
                String name = st.getKey() + counts.merge(st.getKey(), 1, Integer::sum);
                if (p.containsKey(name) || all.containsKey(name)) {
                    throw new IllegalArgumentException("layer " + (i + 1) + " (" + layer.spec().kind() + ") has state " + st.getKey()
                            + " that the net would name " + name + ", a name already taken");
                }
                all.put(name, st.getValue());
            }
        }
        // One mode for the whole net from the start, whatever mode the layers were in.
        for (Layer layer : this.layers) {
            layer.setTraining(true);
        }
        this.outputSize = width;
        this.firstWithParameters = first;
        this.decayed = decays.toArray(new Parameter[0]);
        this.params = Collections.unmodifiableMap(p);
        this.grads = Collections.unmodifiableMap(g);
        Map<String, Tensor> t = new LinkedHashMap<>(p);
        t.putAll(all);
        this.tensors = Collections.unmodifiableMap(t);
    }

    /** A net of the given architecture with zero parameters (a loader fills them in) on the provider's kernels. */
    public static Sequential of(Architecture architecture) {
        return of(architecture, KernelProvider.get());
    }

    /**
     * A net of the given architecture with zero parameters, on {@code kernels}.
     *
     * @throws IllegalArgumentException if a layer kind is unknown, its attributes are wrong, or the widths do not fit
     */
    public static Sequential of(Architecture architecture, Kernels kernels) {
        Shape.requireNonNull("architecture", architecture);
        List<Layer> layers = new ArrayList<>();
        for (LayerSpec spec : architecture.layers()) {
            layers.add(Layers.create(spec, kernels));
        }
        return new Sequential(architecture.inputSize(), layers, Layers.createLoss(architecture.loss(), kernels), kernels);
    }

    /**
     * A builder for the common case, a multi-layer perceptron: affine layers of the given widths
     * ({@code sizes[0]} inputs, then each hidden width, then the outputs), the same activation after
     * every affine layer but the last, and a loss. Defaults: ReLU, std 0.01, seed 0, softmax with loss.
     */
    public static Builder mlp(int... sizes) {
        return new Builder(sizes);
    }

    /** {@link #mlp(int...)} with the hidden widths as a list: {@code inputSize, hidden..., outputSize}. */
    public static Builder mlp(int inputSize, List<Integer> hidden, int outputSize) {
        Shape.requireNonNull("hidden widths", hidden);
        int[] sizes = new int[hidden.size() + 2];
        sizes[0] = inputSize;
        for (int i = 0; i < hidden.size(); i++) {
            Shape.requireNonNull("hidden width " + (i + 1), hidden.get(i));
            sizes[i + 1] = hidden.get(i);
        }
        sizes[sizes.length - 1] = outputSize;
        return new Builder(sizes);
    }

    /**
     * The MLP that the book's parameters {@code W1 b1 ... Wn bn} describe (widths from the weight
     * shapes, {@code activation} between the affine layers, softmax with loss), with those
     * parameters copied in; e.g. a NumPy {@code .npz} written by the origin notes' code.
     *
     * @throws IllegalArgumentException naming the missing, unexpected or misshapen parameter
     */
    public static Sequential fromParams(Map<String, Tensor> params, Activation activation) {
        Shape.requireNonNull("params", params);
        Shape.requireNonNull("activation", activation);
        int n = 0;
        for (String key : params.keySet()) {
            if (key.matches("[Wb][1-9][0-9]{0,5}")) {
                n = Math.max(n, Integer.parseInt(key.substring(1)));
            }
        }
        if (n == 0) {
            throw new IllegalArgumentException("no W1: an MLP's parameters are W1 b1 ... Wn bn, but there are " + params.keySet());
        }
        int[] sizes = new int[n + 1];
        for (int i = 1; i <= n; i++) {
            Tensor w = params.get("W" + i);
            if (w == null) {
                throw new IllegalArgumentException("parameter W" + i + " is missing; an MLP with " + n + " layers needs W1 to W" + n
                        + ", and there are " + params.keySet());
            }
            if (w.rank() != 2 || w.dim(0) < 1 || w.dim(1) < 1) {
                throw new IllegalArgumentException("W" + i + " has shape " + w.shape() + "; weights are non-empty matrices (in x out)");
            }
            if (i > 1 && w.dim(0) != sizes[i - 1]) {
                throw new IllegalArgumentException("W" + (i - 1) + " has " + sizes[i - 1] + " outputs but W" + i + " has shape "
                        + w.shape() + "; it needs " + sizes[i - 1] + " rows");
            }
            sizes[i - 1] = w.dim(0);
            sizes[i] = w.dim(1);
        }
        Sequential net = mlp(sizes).activation(activation).init(Init.std(0f)).build();
        net.loadParams(params);
        return net;
    }

    /**
     * Whether this net is what {@link #fromParams} would rebuild from its parameters with some
     * activation: affine layers with one activation kind between them, and softmax with loss. Only
     * such nets survive a trip through a file that holds parameters alone ({@code .npz}).
     */
    public boolean isMlp() {
        Activation between = layers.size() > 1 ? activationOf(layers.get(1)) : Activation.RELU;
        if (between == null) {
            return false;
        }
        int n = (layers.size() + 1) / 2;
        int[] sizes = new int[n + 1];
        sizes[0] = inputSize;
        for (int i = 1; i <= n; i++) {
            Tensor w = params.get("W" + i);
            if (w == null) {
                return false;
            }
            sizes[i] = w.dim(1);
        }
        return architecture().equals(mlp(sizes).activation(between).init(Init.std(0f)).build().architecture());
    }

    private static Activation activationOf(Layer layer) {
        for (Activation a : Activation.values()) {
            if (LayerSpec.of(a.kind()).equals(layer.spec())) {
                return a;
            }
        }
        return null;
    }

    /** Builds an MLP; see {@link Sequential#mlp}. Not thread-safe. */
    public static final class Builder {
        private final int[] sizes;
        private Activation activation = Activation.RELU;
        private Init init = Init.std(0.01f);
        private long seed;
        private boolean meanSquaredError;
        private float dropout;
        private boolean batchNorm;
        private float weightDecay;
        private Kernels kernels = KernelProvider.get();

        private Builder(int[] sizes) {
            Shape.requireNonNull("sizes", sizes);
            if (sizes.length < 2) {
                throw new IllegalArgumentException("an MLP needs at least an input and an output size, got " + sizes.length + " sizes");
            }
            for (int s : sizes) {
                if (s < 1) {
                    throw new IllegalArgumentException("layer sizes must be positive, got " + java.util.Arrays.toString(sizes));
                }
            }
            this.sizes = sizes.clone();
        }

        /** The activation after each hidden affine layer. */
        public Builder activation(Activation activation) {
            Shape.requireNonNull("activation", activation);
            this.activation = activation;
            return this;
        }

        /** How weights are drawn; biases start at zero. */
        public Builder init(Init init) {
            Shape.requireNonNull("init", init);
            this.init = init;
            return this;
        }

        /** The seed of the weights: the same seed gives the same net on every JVM. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * A {@link Dropout} of {@code ratio} after every hidden activation (0, the default, means none);
         * each draws its masks from its own stream derived from the seed.
         */
        public Builder dropout(float ratio) {
            if (!(ratio >= 0f && ratio < 1f)) {
                throw new IllegalArgumentException("dropout ratio must be in [0, 1), got " + ratio);
            }
            this.dropout = ratio;
            return this;
        }

        /** A {@link BatchNorm} after every hidden affine layer (before its activation, as in the book). */
        public Builder batchNorm() {
            this.batchNorm = true;
            return this;
        }

        /** The L2 weight decay lambda; see {@link Sequential#setWeightDecay}. */
        public Builder weightDecay(float lambda) {
            if (!(lambda >= 0f) || Float.isInfinite(lambda)) {
                throw new IllegalArgumentException("weight decay must be finite and non-negative, got " + lambda);
            }
            this.weightDecay = lambda;
            return this;
        }

        /** Ends in {@link MeanSquaredError} (regression) instead of {@link SoftmaxWithLoss}. */
        public Builder meanSquaredError() {
            this.meanSquaredError = true;
            return this;
        }

        /** The kernels every layer computes with (default: the provider's). */
        public Builder kernels(Kernels kernels) {
            Shape.requireNonNull("kernels", kernels);
            this.kernels = kernels;
            return this;
        }

        /** The net. */
        public Sequential build() {
            List<Layer> layers = new ArrayList<>();
            List<Layer> plain = layers(sizes, activation, init, seed, kernels);
            for (int i = 0; i < plain.size(); i++) {
                Layer l = plain.get(i);
                // Affine layers are at even positions, activations (hidden layers only) at odd ones.
                if (i % 2 == 1 && batchNorm) {
                    layers.add(new BatchNorm(sizes[(i + 1) / 2], BatchNorm.EPS, BatchNorm.MOMENTUM, kernels));
                }
                layers.add(l);
                if (i % 2 == 1 && dropout > 0f) {
                    layers.add(new Dropout(dropout, seed ^ ((i + 1) / 2 * DROPOUT_STREAM), kernels));
                }
            }
            Sequential net = new Sequential(sizes[0], layers,
                    meanSquaredError ? new MeanSquaredError() : new SoftmaxWithLoss(kernels), kernels);
            net.setWeightDecay(weightDecay);
            return net;
        }
    }

    /**
     * Affine, activation, ..., Affine; the weight matrix of affine layer {@code i} (from 1) is drawn
     * from N(0, std²) with seed {@code seed ^ (i - 1) * STREAM}.
     */
    static List<Layer> layers(int[] sizes, Activation activation, Init init, long seed, Kernels kernels) {
        List<Layer> layers = new ArrayList<>();
        for (int i = 1; i < sizes.length; i++) {
            int in = sizes[i - 1];
            Tensor w = Tensor.gaussian(seed ^ ((i - 1) * STREAM), init.std(in), in, sizes[i]);
            layers.add(new Affine(w, Tensor.zeros(sizes[i]), kernels));
            if (i < sizes.length - 1) {
                layers.add(activation.create(kernels));
            }
        }
        return layers;
    }

    /** The layers in order (unmodifiable; the layer objects are live). */
    public List<Layer> layers() {
        return layers;
    }

    /** The loss layer. */
    public LossLayer lossLayer() {
        return lossLayer;
    }

    /** The architecture: input width, each layer's spec, the loss's spec. */
    public Architecture architecture() {
        List<LayerSpec> specs = new ArrayList<>();
        for (Layer l : layers) {
            specs.add(l.spec());
        }
        return new Architecture(inputSize, specs, lossLayer.spec());
    }

    /** The parameters by name ({@code W1 b1 ...}) in layer order: live tensors, not copies. */
    public Map<String, Tensor> params() {
        return params;
    }

    /**
     * Everything a file must store to rebuild this net's values: {@link #params()} followed by the
     * layers' state (e.g. {@code runningMean1 runningVar1} of a BatchNorm), live tensors.
     */
    public Map<String, Tensor> tensors() {
        return tensors;
    }

    /** The number of learnable scalars. */
    public long parameterCount() {
        long n = 0;
        for (Tensor t : params.values()) {
            n += t.size();
        }
        return n;
    }

    /**
     * Copies {@code values} into the parameters and state ({@link #tensors()}), after checking that the
     * names are exactly this net's and every shape matches; on a mismatch nothing is copied.
     *
     * @throws IllegalArgumentException naming the missing, unexpected or misshapen tensor
     */
    public void loadParams(Map<String, Tensor> values) {
        Shape.requireNonNull("params", values);
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Tensor v = values.get(e.getKey());
            if (v == null) {
                throw new IllegalArgumentException("parameter " + e.getKey() + " is missing; this net has " + tensors.keySet());
            }
            if (!v.shape().equals(e.getValue().shape())) {
                throw new IllegalArgumentException("parameter " + e.getKey() + " has shape " + v.shape() + " but this net needs "
                        + e.getValue().shape());
            }
        }
        for (String key : values.keySet()) {
            if (!tensors.containsKey(key)) {
                throw new IllegalArgumentException("unexpected parameter '" + key + "'; this net has " + tensors.keySet());
            }
        }
        tensors.forEach((k, t) -> t.copyFrom(values.get(k)));
    }

    /**
     * A new net of the same {@link #architecture()}, rebuilt by {@link #of(Architecture, Kernels)} on this net's
     * kernels (a layer built on other kernels gets these), with copies of this net's parameters and state
     * ({@link #tensors()}: BatchNorm's running statistics too) and its weight decay, in training mode. It shares
     * no buffer: training the copy leaves this net untouched. A Dropout's masks start again from its seed, and a
     * subclass's overrides are not copied (the copy is a plain Sequential).
     *
     * @throws IllegalArgumentException if a layer is of a kind {@link #of(Architecture, Kernels)} does not know
     */
    public Sequential copy() {
        Sequential c = of(architecture(), kernels);
        c.loadParams(tensors);
        c.setWeightDecay(weightDecay);
        return c;
    }

    /** Switches every layer to training mode (true) or inference mode (false). */
    public void setTraining(boolean training) {
        for (Layer l : layers) {
            l.setTraining(training);
        }
        this.training = training;
    }

    /** {@link Layer#holdRandomness} on every layer: while held, repeated forwards compute one function. */
    public void holdRandomness(boolean held) {
        for (Layer l : layers) {
            l.holdRandomness(held);
        }
    }

    /** Whether the net is in training mode (the initial mode). */
    public boolean isTraining() {
        return training;
    }

    /**
     * An immutable, thread-safe, inference-mode snapshot of the current parameters for serving, with
     * no-allocation single-sample and batch prediction; see {@link Model}. Later training does not change it.
     */
    public Model freeze() {
        return Model.of(this, kernels);
    }

    /** The kernels of the net's own arithmetic (argmax), which its {@code Trainer} also gathers batches with. */
    public Kernels kernels() {
        return kernels;
    }

    /** Width of an input row. */
    public int inputSize() {
        return inputSize;
    }

    /** Width of an output row (the number of classes of a classifier). */
    public int outputSize() {
        return outputSize;
    }

    /**
     * The scores (before the loss: before softmax, for a classifier), {@code N x outputSize}, in the
     * current mode; a layer-owned buffer overwritten by the next call.
     *
     * @throws IllegalArgumentException if {@code x} is not {@code N x inputSize}
     */
    public Tensor predict(Tensor x) {
        Shape.requireBatch("input", x);
        if (x.dim(1) != inputSize) {
            throw new IllegalArgumentException("input has shape " + x.shape() + " but the net takes rows of " + inputSize);
        }
        Tensor y = x;
        // Indexed, not for-each: the hot path creates no iterator, which escape analysis may not remove.
        for (int i = 0; i < layers.size(); i++) {
            y = layers.get(i).forward(y);
        }
        return y;
    }

    /** The mean loss against label indices, plus the weight-decay term (see {@link #setWeightDecay}). */
    public double loss(Tensor x, int[] t) {
        requireLabels(x, t);
        return withDecay(lossLayer.forward(predict(x), t));
    }

    private double withDecay(double loss) {
        if (weightDecay != 0f) {
            double squares = 0;
            for (Parameter p : decayed) {
                for (float w : p.value().data()) {
                    squares += (double) w * w;
                }
            }
            loss += 0.5 * weightDecay * squares;
        }
        lastLoss = loss;
        return loss;
    }

    /** The cheap check before any work: one label per row. */
    private static void requireLabels(Tensor x, int[] t) {
        Shape.requireBatch("input", x);
        Shape.requireNonNull("labels", t);
        if (t.length != x.dim(0)) {
            throw new IllegalArgumentException("input has shape " + x.shape() + " but there are " + t.length
                    + " labels; need one label per row");
        }
    }

    /** The mean loss against dense (e.g. one-hot) targets ({@code N x outputSize}), plus the weight-decay term. */
    public double loss(Tensor x, Tensor t) {
        return withDecay(lossLayer.forward(predict(x), t));
    }

    /** The loss computed by the most recent {@code loss} or {@code gradient} call, weight decay included. */
    public double lastLoss() {
        return lastLoss;
    }

    /**
     * Sets the L2 weight decay {@code lambda} (0, the default, turns it off), as the book adds it:
     * {@code lambda / 2 * sum(W²)} over the weight matrices (not the biases) joins the loss, and
     * {@code lambda * W} each weight's gradient.
     *
     * @throws IllegalArgumentException if {@code lambda} is negative or not finite
     */
    public void setWeightDecay(float lambda) {
        if (!(lambda >= 0f) || Float.isInfinite(lambda)) {
            throw new IllegalArgumentException("weight decay must be finite and non-negative, got " + lambda);
        }
        this.weightDecay = lambda;
    }

    /** The L2 weight decay lambda (0 if off). */
    public float weightDecay() {
        return weightDecay;
    }

    /**
     * The fraction of rows whose highest score is at the label index. Like the book's {@code accuracy}
     * (its {@code train_flg=False}) it always predicts in inference mode, so it neither drops units nor
     * moves BatchNorm's running statistics; the net's mode is restored afterwards.
     */
    public double accuracy(Tensor x, int[] t) {
        requireLabels(x, t);
        return matches(predictInInferenceMode(x), t);
    }

    /** {@link #predict} in inference mode, restoring the mode afterwards. */
    private Tensor predictInInferenceMode(Tensor x) {
        boolean was = training;
        setTraining(false);
        try {
            return predict(x);
        } finally {
            setTraining(was);
        }
    }

    /** The fraction of rows whose highest score is where the dense target's highest value is; in inference mode, as above. */
    public double accuracy(Tensor x, Tensor t) {
        Shape.requireNonNull("one-hot targets", t);
        Shape.requireBatch("input", x);
        if (t.rank() != 2 || t.dim(0) != x.dim(0) || t.dim(1) != outputSize) {
            throw new IllegalArgumentException("scores have shape [" + x.dim(0) + ", " + outputSize + "] but one-hot targets have shape "
                    + t.shape() + "; they must match");
        }
        Tensor y = predictInInferenceMode(x);
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
     * Backprop: forward, then backward through every layer; returns the gradient of every parameter
     * under its name. The tensors are layer-owned and overwritten by the next call.
     */
    public Map<String, Tensor> gradient(Tensor x, int[] t) {
        loss(x, t);
        return backward();
    }

    /** {@link #gradient(Tensor, int[])} against dense targets. */
    public Map<String, Tensor> gradient(Tensor x, Tensor t) {
        loss(x, t);
        return backward();
    }

    private Map<String, Tensor> backward() {
        Tensor dout = lossLayer.backward(1f);
        for (int i = layers.size() - 1; i > firstWithParameters; i--) {
            dout = layers.get(i).backward(dout);
        }
        if (firstWithParameters < layers.size()) {
            layers.get(firstWithParameters).backwardParameters(dout);
        }
        if (weightDecay != 0f) {
            for (Parameter p : decayed) {
                kernels.axpy(weightDecay, p.value().data(), 0, p.gradient().data(), 0, p.value().size());
            }
        }
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

    /** {@link #numericalGradient(Tensor, int[])} against dense targets. */
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
