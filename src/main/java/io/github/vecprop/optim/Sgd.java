package io.github.vecprop.optim;

import io.github.vecprop.kernel.GemmThreads;
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

    // The parameter being updated, for the slices (each thread's part of a large one).
    private float[] w;
    private float[] g;
    private final GemmThreads.Slice slice = this::step;

    private void step(int from, int to) {
        float[] ws = w;
        float[] gs = g;
        for (int i = from; i < to; i++) {
            ws[i] -= lr * gs[i];
        }
    }

    /**
     * {@inheritDoc} A large parameter is updated by the gemm threads ({@link GemmThreads#forEachSlice}), each
     * the rows whose gradient it computed; every element gets the same operations on any thread.
     */
    @Override
    public void update(Map<String, Tensor> params, Map<String, Tensor> grads) {
        bound.bind(params, grads);
        try {
            for (int j = 0; j < bound.params.length; j++) {
                w = bound.params[j];
                g = bound.grads[j];
                GemmThreads.forEachSlice(w.length, PARALLEL_SLICE, slice);
            }
        } finally {
            w = null;
            g = null;
        }
    }

    @Override
    public Optimizer fresh() {
        return new Sgd(lr);
    }

    /** The shortest slice worth a hand-off to another thread (a hand-off costs about a microsecond). */
    static final int PARALLEL_SLICE = 8192;
}
