package io.github.vecprop.layer;

/**
 * The training or inference mode that every layer of this package keeps, in one place. A layer
 * starts in training mode.
 */
abstract class LayerBase implements Layer {
    private boolean training = true;

    @Override
    public final void setTraining(boolean training) {
        this.training = training;
    }

    @Override
    public final boolean isTraining() {
        return training;
    }
}
