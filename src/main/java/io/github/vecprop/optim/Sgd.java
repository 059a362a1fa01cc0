package io.github.vecprop.optim;

import io.github.vecprop.tensor.Tensor;

import java.util.Map;

/** Stochastic gradient descent: {@code W -= lr * dW}. Stateless apart from its bindings; not thread-safe. */
public final class Sgd implements Optimizer {
    private final float lr;
    private final ParameterState bound = new ParameterState(0);

    /** SGD with learning rate {@code lr} (> 0). */
    public Sgd(float lr) {
        this.lr = Hyper.positive("lr", lr);
    }

    @Override
    public void update(Map<String, Tensor> params, Map<String, Tensor> grads) {
        bound.bind(params, grads);
        for (int j = 0; j < bound.params.length; j++) {
            float[] w = bound.params[j];
            float[] g = bound.grads[j];
            for (int i = 0; i < w.length; i++) {
                w[i] -= lr * g[i];
            }
        }
    }
}
