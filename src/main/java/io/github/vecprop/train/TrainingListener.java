package io.github.vecprop.train;

/**
 * Receives a training run's progress, on the training thread, so a caller can report it (the CLI
 * draws a progress bar). Calls must be quick: they sit inside the training loop. Default methods do
 * nothing.
 */
public interface TrainingListener {
    /** A listener that ignores everything. */
    TrainingListener NONE = new TrainingListener() {
    };

    /**
     * After every step. {@code step} counts from 1 to {@code totalSteps} over the whole run;
     * {@code epoch} counts from 1; {@code loss} is the mini-batch loss of this step.
     */
    default void onStep(int epoch, int step, int totalSteps, double loss) {
    }

    /** After each epoch's evaluation. */
    default void onEpoch(History.Epoch epoch) {
    }
}
