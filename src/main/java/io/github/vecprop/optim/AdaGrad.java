package io.github.vecprop.optim;

import io.github.vecprop.tensor.Tensor;

import java.util.Map;

/** AdaGrad: {@code h += dW²; W -= lr * dW / (sqrt(h) + 1e-7)}, with {@code h} starting at zero. Not thread-safe. */
public final class AdaGrad implements Optimizer {
    private final float lr;
    private final ParameterState bound = new ParameterState(1);

    /** AdaGrad with learning rate {@code lr} (> 0). */
    public AdaGrad(float lr) {
        this.lr = Hyper.positive("lr", lr);
    }

    @Override
    public Optimizer fresh() {
        return new AdaGrad(lr);
    }

    @Override
    public void update(Map<String, Tensor> params, Map<String, Tensor> grads) {
        bound.bind(params, grads);
        for (int j = 0; j < bound.params.length; j++) {
            float[] w = bound.params[j];
            float[] g = bound.grads[j];
            float[] h = bound.state[0][j];
            for (int i = 0; i < w.length; i++) {
                h[i] += g[i] * g[i];
                w[i] -= lr * g[i] / ((float) Math.sqrt(h[i]) + Hyper.EPSILON);
            }
        }
    }
}
