package io.github.vecprop.io;

import io.github.vecprop.layer.Activation;
import io.github.vecprop.layer.LayerSpec;
import io.github.vecprop.layer.Layers;
import io.github.vecprop.net.Architecture;
import io.github.vecprop.net.Sequential;
import io.github.vecprop.net.TwoLayerNet;
import io.github.vecprop.tensor.Shape;
import io.github.vecprop.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Saving and loading whole nets by file name. A name ending in {@code .npz} means NumPy: the
 * parameters only ({@code W1 b1 ... Wn bn}, as the book's {@code MultiLayerNet} names them), so a
 * {@code .npz} written by the origin notes' code loads here and one written here loads there; it can
 * hold only an MLP with one activation and softmax with loss ({@link Sequential#isMlp()}), and the
 * activation, which it does not store, is chosen on load (ReLU by default). Any other name means
 * vecprop's model file ({@link ModelFile}), which stores the {@link Architecture} with the
 * parameters, so any net built from the kinds {@link Layers} knows loads as it was.
 *
 * <p>Every load validates the file's architecture against its tensors (names and shapes) and
 * returns nothing unless the whole net is good; memory stays bounded by what the file holds (an
 * architecture is checked against the stored element count before any layer is built). Static and
 * thread-safe.
 */
public final class NetFiles {
    /** Where a model file's architecture text starts (after magic, version and its length). */
    private static final long ARCHITECTURE_OFFSET = 16;

    private NetFiles() {
    }

    /** Whether {@code file}'s name says NumPy ({@code .npz}). */
    public static boolean isNpz(Path file) {
        return file.getFileName() != null && file.getFileName().toString().endsWith(".npz");
    }

    /**
     * Writes {@code net}'s architecture and parameters to {@code file} (replacing it atomically); for
     * {@code .npz}, the parameters only.
     *
     * @throws IllegalArgumentException before writing anything, if the format cannot hold the net: a
     *     {@code .npz} for a net that is not an MLP with one activation and softmax with loss, or any
     *     file for a layer kind that {@link Layers} could not rebuild
     */
    public static void save(Sequential net, Path file) throws IOException {
        Shape.requireNonNull("net", net);
        Shape.requireNonNull("file", file);
        Architecture a = net.architecture();
        for (LayerSpec spec : a.layers()) {
            Layers.parameterCount(spec);
        }
        Layers.createLoss(a.loss(), io.github.vecprop.kernel.KernelProvider.scalar());
        if (isNpz(file)) {
            if (!net.isMlp()) {
                throw new IllegalArgumentException("a .npz file holds only W1 b1 ... Wn bn of an MLP with one activation and"
                        + " SoftmaxWithLoss, and this net is " + a + "; save it in vecprop's format (any name but .npz)");
            }
            Npz.write(file, net.params());
        } else {
            ModelFile.write(file, a.toText(), net.tensors());
        }
    }

    /** {@link #load(Path, Activation)} with ReLU for {@code .npz} files. */
    public static Sequential load(Path file) throws IOException {
        return load(file, Activation.RELU);
    }

    /**
     * Loads a net. A vecprop model file of version 2 carries its architecture; one of version 1 holds a
     * {@link TwoLayerNet}. A {@code .npz} file is read as an MLP with {@code npzActivation} between its
     * affine layers ({@link Sequential#fromParams}); the activation is ignored for vecprop files.
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
            try {
                return Sequential.fromParams(params, npzActivation);
            } catch (IllegalArgumentException e) {
                throw new CorruptFileException(file, -1, "not the parameters of an MLP: " + e.getMessage());
            }
        }
        ModelFile.Contents contents = ModelFile.read(file);
        if (contents.version() == ModelFile.VERSION_1) {
            if (!"TwoLayerNet".equals(contents.architecture())) {
                throw new CorruptFileException(file, ARCHITECTURE_OFFSET, "a version 1 model file holds a TwoLayerNet, but this one says '"
                        + contents.architecture() + "'");
            }
            try {
                return TwoLayerNet.fromParams(contents.params());
            } catch (IllegalArgumentException e) {
                throw new CorruptFileException(file, -1, "the tensors are not a TwoLayerNet's: " + e.getMessage());
            }
        }
        Architecture architecture;
        long needed = 0;
        try {
            architecture = Architecture.parse(contents.architecture());
            for (LayerSpec spec : architecture.layers()) {
                needed += Layers.parameterCount(spec);
            }
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new CorruptFileException(file, ARCHITECTURE_OFFSET, "unsuitable architecture: " + e.getMessage());
        }
        long held = 0;
        for (Tensor t : contents.params().values()) {
            held += t.size();
        }
        // Building the net allocates what the architecture says: never more than the file really holds.
        if (needed > held) {
            throw new CorruptFileException(file, -1, "the architecture " + architecture + " has " + needed
                    + " parameter elements, but the file holds only " + held + " in " + contents.params().keySet());
        }
        Sequential net;
        try {
            net = Sequential.of(architecture);
        } catch (IllegalArgumentException e) {
            throw new CorruptFileException(file, ARCHITECTURE_OFFSET, "unsuitable architecture: " + e.getMessage());
        }
        try {
            net.loadParams(contents.params());
        } catch (IllegalArgumentException e) {
            throw new CorruptFileException(file, -1, "the tensors do not match the architecture " + architecture
                    + ": " + e.getMessage());
        }
        return net;
    }
}
