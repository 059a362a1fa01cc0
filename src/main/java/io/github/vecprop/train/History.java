package io.github.vecprop.train;

import io.github.vecprop.io.AtomicWrite;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * A training run's record: the mini-batch loss of every step and, per epoch, the mean training loss
 * and the test accuracy. Filled by {@link Trainer}; not thread-safe while training.
 */
public final class History {
    /**
     * One epoch's summary: its number (from 1), the global step it ended at, the mean mini-batch loss
     * over its steps, and the accuracy on the evaluation set.
     */
    public record Epoch(int epoch, int step, double meanLoss, double testAccuracy) {
    }

    private final float[] stepLoss;
    private final List<Epoch> epochs = new ArrayList<>();
    private int steps;
    long trainingNanos;
    long evaluationNanos;

    History(int totalSteps) {
        stepLoss = new float[totalSteps];
    }

    void recordStep(double loss) {
        stepLoss[steps++] = (float) loss;
    }

    void recordEpoch(Epoch e) {
        epochs.add(e);
    }

    /** The mini-batch loss of each step taken, in order (a copy). */
    public float[] stepLosses() {
        return Arrays.copyOf(stepLoss, steps);
    }

    /** Wall time spent in training steps (batch assembly, forward, backward, update), in nanoseconds. */
    public long trainingNanos() {
        return trainingNanos;
    }

    /** Wall time spent evaluating on the test set after each epoch, in nanoseconds. */
    public long evaluationNanos() {
        return evaluationNanos;
    }

    /** Number of steps taken. */
    public int steps() {
        return steps;
    }

    /** Every epoch's summary, in order (unmodifiable). */
    public List<Epoch> epochs() {
        return Collections.unmodifiableList(epochs);
    }

    /** The last epoch's test accuracy, or NaN before the first epoch ends. */
    public double finalTestAccuracy() {
        return epochs.isEmpty() ? Double.NaN : epochs.get(epochs.size() - 1).testAccuracy();
    }

    /**
     * Writes the history as CSV with header {@code kind,epoch,step,loss,test_accuracy}: one
     * {@code step} row per step (loss only) and one {@code epoch} row per epoch (mean loss and test
     * accuracy), atomically ({@link AtomicWrite}).
     */
    public void writeCsv(Path file) throws IOException {
        AtomicWrite.write(file, out -> {
            Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
            w.write("kind,epoch,step,loss,test_accuracy\n");
            int e = 0;
            for (int s = 0; s < steps; s++) {
                w.write(String.format(Locale.ROOT, "step,,%d,%.6f,\n", s + 1, stepLoss[s]));
                while (e < epochs.size() && epochs.get(e).step() == s + 1) {
                    Epoch ep = epochs.get(e++);
                    w.write(String.format(Locale.ROOT, "epoch,%d,%d,%.6f,%.4f\n", ep.epoch(), ep.step(), ep.meanLoss(),
                            ep.testAccuracy()));
                }
            }
            w.flush();
        });
    }
}
