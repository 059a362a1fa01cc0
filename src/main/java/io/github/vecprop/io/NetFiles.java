package io.github.vecprop.io;

import io.github.vecprop.layer.Activation;
import io.github.vecprop.net.Architecture;
import io.github.vecprop.net.Sequential;
import io.github.vecprop.net.TwoLayerNet;
import io.github.vecprop.tensor.Shape;
import io.github.vecprop.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Saving and loading whole nets by file name. A name ending in {@code .npz} means NumPy: the
 * parameters only ({@code W1 b1 ... Wn bn}, as the book's {@code MultiLayerNet} names them), so a
 * {@code .npz} written by the origin notes' code loads here and one written here loads there; the
 * activation is not stored and is chosen on load (ReLU by default). Any other name means vecprop's
 * model file ({@link ModelFile}), which stores the {@link Architecture} with the parameters, so any
 * net it wrote loads as it was.
 *
 * <p>Every load validates the file's architecture against its tensors (names and shapes) and
 * returns nothing unless the whole net is good. Static and thread-safe.
 */
public final class NetFiles {
    private NetFiles() {
    }

    /** Whether {@code file}'s name says NumPy ({@code .npz}). */
    public static boolean isNpz(Path file) {
        return file.getFileName() != null && file.getFileName().toString().endsWith(".npz");
    }

    /**
     * Writes {@code net}'s architecture and parameters to {@code file} (replacing it atomically); for
     * {@code .npz}, the parameters only.
     */
    public static void save(Sequential net, Path file) throws IOException {
        Shape.requireNonNull("net", net);
        Shape.requireNonNull("file", file);
        if (isNpz(file)) {
            Npz.write(file, net.params());
        } else {
            ModelFile.write(file, net.architecture().toText(), net.params());
        }
    }

    /** {@link #load(Path, Activation)} with ReLU for {@code .npz} files. */
    public static Sequential load(Path file) throws IOException {
        return load(file, Activation.RELU);
    }

    /**
     * Loads a net. A vecprop model file of version 2 carries its architecture; one of version 1 holds a
     * {@link TwoLayerNet}. A {@code .npz} file is read as an MLP with {@code npzActivation} between its
     * affine layers (W1 b1 ... Wn bn, widths from the shapes) and softmax with loss.
     *
     * @throws CorruptFileException naming the file if it is damaged, its architecture cannot be read or
     *     built, or its tensors do not match the architecture (a name missing or extra, a wrong shape)
     * @throws IOException if the file cannot be read
     */
    public static Sequential load(Path file, Activation npzActivation) throws IOException {
        Shape.requireNonNull("file", file);
        Shape.requireNonNull("activation", npzActivation);
        if (isNpz(file)) {
            Map<String, Tensor> params = Npz.read(file);
            Sequential net = build(file, -1, () -> Sequential.mlp(mlpSizes(params)).activation(npzActivation).build());
            load(file, net, params);
            return net;
        }
        ModelFile.Contents contents = ModelFile.read(file);
        if (contents.version() == ModelFile.VERSION_1) {
            if (!"TwoLayerNet".equals(contents.architecture())) {
                throw new CorruptFileException(file, 16, "a version 1 model file holds a TwoLayerNet, but this one says '"
                        + contents.architecture() + "'");
            }
            return build(file, -1, () -> TwoLayerNet.fromParams(contents.params()));
        }
        Sequential net = build(file, 16, () -> Sequential.of(Architecture.parse(contents.architecture())));
        load(file, net, contents.params());
        return net;
    }

    private interface Builder {
        Sequential build();
    }

    /** Runs {@code b}, turning a bad architecture into a {@link CorruptFileException} at {@code offset}. */
    private static Sequential build(Path file, long offset, Builder b) throws CorruptFileException {
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new CorruptFileException(file, offset, "unsuitable model: " + e.getMessage());
        }
    }

    private static void load(Path file, Sequential net, Map<String, Tensor> params) throws CorruptFileException {
        try {
            net.loadParams(params);
        } catch (IllegalArgumentException e) {
            throw new CorruptFileException(file, -1, "the tensors do not match the architecture " + net.architecture()
                    + ": " + e.getMessage());
        }
    }

    /**
     * The widths of the MLP that {@code W1 b1 ... Wn bn} describe: the input, then each weight's
     * outputs. Checks only what the widths need; {@link Sequential#loadParams} checks the rest.
     */
    private static int[] mlpSizes(Map<String, Tensor> params) {
        int n = 0;
        while (params.containsKey("W" + (n + 1))) {
            n++;
        }
        if (n == 0) {
            throw new IllegalArgumentException("no W1: a NumPy model holds W1 b1 ... Wn bn, but this file has " + params.keySet());
        }
        List<Integer> sizes = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            Tensor w = params.get("W" + i);
            if (w.rank() != 2 || w.dim(0) < 1 || w.dim(1) < 1) {
                throw new IllegalArgumentException("W" + i + " has shape " + w.shape() + "; weights are non-empty matrices (in x out)");
            }
            if (i > 1 && w.dim(0) != sizes.get(i - 1)) {
                throw new IllegalArgumentException("W" + (i - 1) + " has " + sizes.get(i - 1) + " outputs but W" + i + " has shape "
                        + w.shape() + "; it needs " + sizes.get(i - 1) + " rows");
            }
            if (i == 1) {
                sizes.add(w.dim(0));
            }
            sizes.add(w.dim(1));
        }
        return sizes.stream().mapToInt(Integer::intValue).toArray();
    }
}
