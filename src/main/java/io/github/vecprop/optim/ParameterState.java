package io.github.vecprop.optim;

import io.github.vecprop.tensor.Shape;
import io.github.vecprop.tensor.Tensor;

import java.util.Map;

/**
 * The arrays an optimizer steps over: each parameter's data, its gradient's data and
 * {@code slots} state arrays of the same length, bound on first use and rebound only when the maps
 * or their tensors change. Keeps {@link Optimizer#update} allocation-free in steady state.
 */
final class ParameterState {
    private final int slots;
    private String[] names = new String[0];
    private Tensor[] paramTensors = new Tensor[0];
    private Tensor[] gradTensors = new Tensor[0];
    float[][] params = new float[0][];
    float[][] grads = new float[0][];
    /** {@code state[slot][i]}: per-parameter state arrays, zero at first bind. */
    float[][][] state;

    ParameterState(int slots) {
        this.slots = slots;
        this.state = new float[slots][0][];
    }

    /**
     * Binds to {@code params} and {@code grads}, validating them, unless they hold exactly the tensors
     * already bound. Returns true if it (re)bound, which zeroes the state.
     */
    boolean bind(Map<String, Tensor> paramMap, Map<String, Tensor> gradMap) {
        Shape.requireNonNull("params", paramMap);
        Shape.requireNonNull("grads", gradMap);
        if (stillBound(paramMap, gradMap)) {
            return false;
        }
        int n = paramMap.size();
        String[] keys = new String[n];
        Tensor[] p = new Tensor[n];
        Tensor[] g = new Tensor[n];
        int i = 0;
        for (Map.Entry<String, Tensor> e : paramMap.entrySet()) {
            Tensor grad = gradMap.get(e.getKey());
            if (grad == null) {
                throw new IllegalArgumentException("no gradient for parameter " + e.getKey() + "; gradients are given for "
                        + gradMap.keySet());
            }
            Shape.requireSame("parameter " + e.getKey(), e.getValue(), "its gradient", grad);
            keys[i] = e.getKey();
            p[i] = e.getValue();
            g[i] = grad;
            i++;
        }
        names = keys;
        paramTensors = p;
        gradTensors = g;
        params = new float[n][];
        grads = new float[n][];
        state = new float[slots][n][];
        for (int j = 0; j < n; j++) {
            params[j] = p[j].data();
            grads[j] = g[j].data();
            for (int s = 0; s < slots; s++) {
                state[s][j] = new float[params[j].length];
            }
        }
        return true;
    }

    // Looks tensors up by the bound names rather than iterating the maps, so the check allocates nothing.
    private boolean stillBound(Map<String, Tensor> paramMap, Map<String, Tensor> gradMap) {
        if (paramMap.size() != names.length || names.length == 0) {
            return false;
        }
        for (int i = 0; i < names.length; i++) {
            if (paramMap.get(names[i]) != paramTensors[i] || gradMap.get(names[i]) != gradTensors[i]) {
                return false;
            }
        }
        return true;
    }
}
