package io.github.vecprop.optim;

import io.github.vecprop.tensor.Tensor;

import java.util.Map;

/**
 * Adam, in the book's form: at step {@code t} (from 1),
 * {@code lr_t = lr * sqrt(1 - β2^t) / (1 - β1^t)}, {@code m += (1 - β1) (dW - m)},
 * {@code v += (1 - β2) (dW² - v)}, {@code W -= lr_t * m / (sqrt(v) + 1e-7)}; {@code m} and
 * {@code v} start at zero. Not thread-safe.
 */
public final class Adam implements Optimizer {
    private final float lr;
    private final float beta1;
    private final float beta2;
    private final ParameterState bound = new ParameterState(2);
    private long step;

    /** Adam with learning rate {@code lr} (> 0) and decay rates {@code beta1}, {@code beta2} in [0, 1). */
    public Adam(float lr, float beta1, float beta2) {
        this.lr = Hyper.positive("lr", lr);
        this.beta1 = Hyper.fraction("beta1", beta1);
        this.beta2 = Hyper.fraction("beta2", beta2);
    }

    @Override
    public Optimizer fresh() {
        return new Adam(lr, beta1, beta2);
    }

    @Override
    public void update(Map<String, Tensor> params, Map<String, Tensor> grads) {
        if (bound.bind(params, grads)) {
            // Fresh moment arrays: the bias correction restarts with them.
            step = 0;
        }
        step++;
        float lrT = (float) (lr * Math.sqrt(1 - Math.pow(beta2, step)) / (1 - Math.pow(beta1, step)));
        float k1 = 1f - beta1;
        float k2 = 1f - beta2;
        for (int j = 0; j < bound.params.length; j++) {
            float[] w = bound.params[j];
            float[] g = bound.grads[j];
            float[] m = bound.state[0][j];
            float[] v = bound.state[1][j];
            for (int i = 0; i < w.length; i++) {
                float gi = g[i];
                m[i] += k1 * (gi - m[i]);
                v[i] += k2 * (gi * gi - v[i]);
                w[i] -= lrT * m[i] / ((float) Math.sqrt(v[i]) + Hyper.EPSILON);
            }
        }
    }
}
