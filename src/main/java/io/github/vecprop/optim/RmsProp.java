package io.github.vecprop.optim;

import io.github.vecprop.tensor.Tensor;

import java.util.Map;

/**
 * RMSprop: {@code h = decay * h + (1 - decay) * dW²; W -= lr * dW / (sqrt(h) + 1e-7)}, with
 * {@code h} starting at zero. Not thread-safe.
 */
public final class RmsProp implements Optimizer {
    private final float lr;
    private final float decay;
    private final ParameterState bound = new ParameterState(1);

    /** RMSprop with learning rate {@code lr} (> 0) and {@code decay} in [0, 1). */
    public RmsProp(float lr, float decay) {
        this.lr = Hyper.positive("lr", lr);
        this.decay = Hyper.fraction("decay", decay);
    }

    @Override
    public Optimizer fresh() {
        return new RmsProp(lr, decay);
    }

    @Override
    public void update(Map<String, Tensor> params, Map<String, Tensor> grads) {
        bound.bind(params, grads);
        float keep = 1f - decay;
        for (int j = 0; j < bound.params.length; j++) {
            float[] w = bound.params[j];
            float[] g = bound.grads[j];
            float[] h = bound.state[0][j];
            for (int i = 0; i < w.length; i++) {
                h[i] = decay * h[i] + keep * g[i] * g[i];
                w[i] -= lr * g[i] / ((float) Math.sqrt(h[i]) + Hyper.EPSILON);
            }
        }
    }
}
