package io.github.vecprop.layer;

import io.github.vecprop.kernel.KernelProvider;
import io.github.vecprop.kernel.Kernels;
import io.github.vecprop.tensor.Shape;
import io.github.vecprop.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Batch normalisation over the {@code D} features of an {@code N x D} batch, the book's next-chapter
 * layer. Training mode normalises each column with the batch mean and (biased) variance,
 * {@code xhat = (x - mean) / sqrt(var + eps)}, outputs {@code gamma * xhat + beta}, and updates the
 * running statistics as the book does: {@code running = momentum * running + (1 - momentum) * batch}.
 * Inference mode uses the running statistics instead and never updates them.
 *
 * <p>Defaults: {@code eps = 1e-5} (PyTorch's; the book adds 1e-6, which float32 rounding makes less
 * safe) and {@code momentum = 0.9} (the book's: the weight of the old value, so PyTorch's
 * {@code momentum=0.1}). gamma starts at 1, beta at 0, the running mean at 0 and variance at 1. Its
 * parameters are {@code gamma} and {@code beta} (no weight decay); its {@link #state()} is
 * {@code runningMean} and {@code runningVar}, which model files store. Backward, through the batch
 * statistics, needs a training-mode forward. Spec: {@code BatchNorm features=D eps=.. momentum=..}.
 * In a compiled {@code Model} a BatchNorm right after an Affine is folded into that Affine's weights and
 * bias. Buffer ownership as in {@link Layer}; not thread-safe.
 */
public final class BatchNorm extends LayerBase {
    /** The default epsilon, PyTorch's. */
    public static final float EPS = 1e-5f;
    /** The default momentum, the book's (weight of the old running value). */
    public static final float MOMENTUM = 0.9f;

    private final Kernels kernels;
    private final int features;
    private final float eps;
    private final float momentum;
    private final Tensor gamma;
    private final Tensor beta;
    private final Tensor dgamma;
    private final Tensor dbeta;
    private final Tensor runningMean;
    private final Tensor runningVar;
    private final List<Parameter> parameters;
    private final Map<String, Tensor> state;
    private final float[] mean;
    private final float[] invStd;
    private final float[] scale;
    private final float[] shift;
    private boolean lastForwardTrained;
    private Tensor xhat;
    private Tensor out;
    private Tensor dx;

    /** A batch norm of {@code features} columns with the default epsilon and momentum, on the provider's kernels. */
    public BatchNorm(int features) {
        this(features, EPS, MOMENTUM, KernelProvider.get());
    }

    /**
     * A batch norm of {@code features} columns.
     *
     * @throws IllegalArgumentException unless {@code features >= 1}, {@code eps > 0} and {@code 0 <= momentum < 1}
     */
    public BatchNorm(int features, float eps, float momentum, Kernels kernels) {
        Shape.requireNonNull("kernels", kernels);
        if (features < 1 || !(eps > 0) || Float.isInfinite(eps) || !(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("BatchNorm needs features >= 1, a finite eps > 0 and momentum in [0, 1); got features="
                    + features + ", eps=" + eps + ", momentum=" + momentum);
        }
        this.kernels = kernels;
        this.features = features;
        this.eps = eps;
        this.momentum = momentum;
        gamma = Tensor.filled(1f, features);
        beta = Tensor.zeros(features);
        dgamma = Tensor.zeros(features);
        dbeta = Tensor.zeros(features);
        runningMean = Tensor.zeros(features);
        runningVar = Tensor.filled(1f, features);
        parameters = List.of(new Parameter("gamma", gamma, dgamma), new Parameter("beta", beta, dbeta));
        Map<String, Tensor> s = new LinkedHashMap<>();
        s.put("runningMean", runningMean);
        s.put("runningVar", runningVar);
        state = java.util.Collections.unmodifiableMap(s);
        mean = new float[features];
        invStd = new float[features];
        scale = new float[features];
        shift = new float[features];
    }

    static BatchNorm fromSpec(LayerSpec spec, Kernels kernels) {
        spec.requireAttributes("features", "eps", "momentum");
        return new BatchNorm(spec.positiveInt("features"), spec.finiteFloat("eps"), spec.finiteFloat("momentum"), kernels);
    }

    static long parameterCount(LayerSpec spec) {
        spec.requireAttributes("features", "eps", "momentum");
        return 4L * spec.positiveInt("features");
    }

    @Override
    public Tensor forward(Tensor x) {
        Shape.requireBatch("BatchNorm input", x);
        outputWidth(x.dim(1));
        int n = x.dim(0);
        out = Buffers.matrix(out, n, features);
        lastForwardTrained = isTraining();
        if (!lastForwardTrained) {
            inferenceScaleShift(scale, shift);
            kernels.scaleShiftColumns(x.data(), 0, n, features, scale, shift, out.data(), 0);
            return out;
        }
        if (n < 2) {
            throw new IllegalArgumentException("BatchNorm in training mode needs a batch of at least 2 rows (one row has no variance),"
                    + " got input shape " + x.shape());
        }
        xhat = Buffers.matrix(xhat, n, features);
        kernels.batchNormForward(x.data(), n, features, gamma.data(), beta.data(), eps, mean, invStd, xhat.data(), out.data());
        float[] rm = runningMean.data();
        float[] rv = runningVar.data();
        for (int j = 0; j < features; j++) {
            float var = 1f / (invStd[j] * invStd[j]) - eps;
            rm[j] = momentum * rm[j] + (1 - momentum) * mean[j];
            rv[j] = momentum * rv[j] + (1 - momentum) * var;
        }
        return out;
    }

    /** {@code y = x * scale + shift} with the running statistics: the whole inference form. */
    private void inferenceScaleShift(float[] sc, float[] sh) {
        float[] g = gamma.data();
        float[] b = beta.data();
        float[] rm = runningMean.data();
        float[] rv = runningVar.data();
        for (int j = 0; j < features; j++) {
            sc[j] = (float) (g[j] / Math.sqrt(rv[j] + (double) eps));
            sh[j] = b[j] - rm[j] * sc[j];
        }
    }

    /**
     * {@inheritDoc} Overwrites {@code dgamma} and {@code dbeta}.
     *
     * @throws IllegalStateException after an inference-mode forward, which has no batch statistics to differentiate
     */
    @Override
    public Tensor backward(Tensor dout) {
        Buffers.requireBackward("BatchNorm", out, dout);
        if (!lastForwardTrained) {
            throw new IllegalStateException("BatchNorm.backward needs a training-mode forward; the last forward ran in inference mode");
        }
        int n = dout.dim(0);
        dx = Buffers.matrix(dx, n, features);
        kernels.batchNormBackward(xhat.data(), invStd, gamma.data(), dout.data(), n, features, dgamma.data(), dbeta.data(), dx.data());
        return dx;
    }

    /** gamma and beta with their gradients. */
    @Override
    public List<Parameter> parameters() {
        return parameters;
    }

    /** {@code runningMean} and {@code runningVar}, live. */
    @Override
    public Map<String, Tensor> state() {
        return state;
    }

    @Override
    public int outputWidth(int inputWidth) {
        if (inputWidth != features) {
            throw new IllegalArgumentException("BatchNorm has " + features + " features but its input rows have " + inputWidth + " columns");
        }
        return features;
    }

    @Override
    public LayerSpec spec() {
        return LayerSpec.of("BatchNorm", "features", Integer.toString(features), "eps", Float.toString(eps),
                "momentum", Float.toString(momentum));
    }

    @Override
    public FrozenLayer freeze(int inputWidth) {
        outputWidth(inputWidth);
        float[] sc = new float[features];
        float[] sh = new float[features];
        inferenceScaleShift(sc, sh);
        return new Frozen(kernels, features, sc, sh);
    }

    /** Inference: one scale and shift per column, or nothing at all once folded into the Affine before it. */
    private static final class Frozen extends SameWidthFrozenLayer {
        private final Kernels kernels;
        private final float[] scale;
        private final float[] shift;

        Frozen(Kernels kernels, int width, float[] scale, float[] shift) {
            super(width);
            this.kernels = kernels;
            this.scale = scale;
            this.shift = shift;
        }

        @Override
        public void forward(float[] x, int xOff, float[] y, int yOff, int n) {
            kernels.scaleShiftColumns(x, xOff, n, width, scale, shift, y, yOff);
        }

        @Override
        public FrozenLayer foldInto(FrozenLayer previous) {
            return previous.scaleColumns(scale, shift);
        }
    }
}
