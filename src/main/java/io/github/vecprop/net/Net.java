package io.github.vecprop.net;

import io.github.vecprop.tensor.Tensor;

import java.util.Map;

/**
 * What a trainer needs of a classifier trained by backprop, in the origin notes' names. Batches
 * {@code x} are {@code N x inputSize}; targets are label indices. Implementations are
 * single-threaded and own the tensors they return (see {@link TwoLayerNet}).
 */
public interface Net {
    /** The parameters by name, live: an optimizer updates them in place. */
    Map<String, Tensor> params();

    /** Backprop: the loss gradient for every parameter, under the parameter's name; overwritten by the next call. */
    Map<String, Tensor> gradient(Tensor x, int[] t);

    /** The loss computed by the most recent {@code loss} or {@code gradient} call. */
    double lastLoss();

    /** The scores before softmax, {@code N x classes}; overwritten by the next call. */
    Tensor predict(Tensor x);

    /** The mean loss against label indices. */
    double loss(Tensor x, int[] t);

    /** The fraction of rows whose highest score is at the label. */
    double accuracy(Tensor x, int[] t);

    /** Input width. */
    int inputSize();

    /** Number of classes. */
    int outputSize();
}
