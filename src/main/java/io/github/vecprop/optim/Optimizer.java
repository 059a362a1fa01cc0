package io.github.vecprop.optim;

import io.github.vecprop.tensor.Tensor;

import java.util.Map;

/**
 * Updates parameters in place from their gradients, as the book's optimizers do:
 * {@code update(params, grads)} with both maps keyed by parameter name (W1, b1, ...).
 *
 * <p>Per-parameter state (velocities, squared-gradient averages) is created on the first call and
 * reused after it, so steady-state updates allocate nothing while the same parameter tensors are
 * passed; passing different tensors rebinds and restarts the state. Not thread-safe; one optimizer
 * per net.
 */
public interface Optimizer {
    /**
     * One step: every tensor in {@code params} is updated from the gradient under the same key.
     *
     * @throws IllegalArgumentException if a gradient is missing or its shape differs from its parameter's
     */
    void update(Map<String, Tensor> params, Map<String, Tensor> grads);

    /**
     * A new optimizer of this kind with the same hyper-parameters and no state: what this one was before its
     * first update. For scratch runs beside the real one ({@code Trainer.warmUp}).
     */
    Optimizer fresh();

    /**
     * An optimizer by name with the book's default hyper-parameters apart from the learning rate:
     * {@code sgd}, {@code momentum} (0.9), {@code adagrad}, {@code rmsprop} (decay 0.99) or
     * {@code adam} (β1 0.9, β2 0.999).
     */
    static Optimizer named(String name, float lr) {
        return switch (name) {
            case "sgd" -> new Sgd(lr);
            case "momentum" -> new Momentum(lr, 0.9f);
            case "adagrad" -> new AdaGrad(lr);
            case "rmsprop" -> new RmsProp(lr, 0.99f);
            case "adam" -> new Adam(lr, 0.9f, 0.999f);
            default -> throw new IllegalArgumentException("unknown optimizer '" + name
                    + "'; choose sgd, momentum, adagrad, rmsprop or adam");
        };
    }
}
