package io.github.vecprop.optim;

import io.github.vecprop.tensor.Tensor;

import java.util.Map;

/** Momentum SGD: {@code v = momentum * v - lr * dW; W += v}, with {@code v} starting at zero. Not thread-safe. */
public final class Momentum implements Optimizer {
    private final float lr;
    private final float momentum;
    private final ParameterState bound = new ParameterState(1);

    /** Momentum with learning rate {@code lr} (> 0) and {@code momentum} in [0, 1). */
    public Momentum(float lr, float momentum) {
        this.lr = Hyper.positive("lr", lr);
        this.momentum = Hyper.fraction("momentum", momentum);
    }

    @Override
    public Optimizer fresh() {
        return new Momentum(lr, momentum);
    }

    @Override
    public void update(Map<String, Tensor> params, Map<String, Tensor> grads) {
        bound.bind(params, grads);
        for (int j = 0; j < bound.params.length; j++) {
            float[] w = bound.params[j];
            float[] g = bound.grads[j];
            float[] v = bound.state[0][j];
            for (int i = 0; i < w.length; i++) {
                v[i] = momentum * v[i] - lr * g[i];
                w[i] += v[i];
            }
        }
    }
}
