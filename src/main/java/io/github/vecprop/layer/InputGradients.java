package io.github.vecprop.layer;

/** The two input gradients of a two-input scalar node: {@code dx} and {@code dy}. */
public record InputGradients(float dx, float dy) {
}
