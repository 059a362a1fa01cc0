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
 * Saving and loading whole nets by file name: {@code .onnx} is ONNX ({@link Onnx}), {@code .safetensors}
 * is safetensors (see below), {@code .npz} is NumPy, and any other name vecprop's own model file.
 *
 * <p>A {@code .safetensors} file written here holds the net's tensors under vecprop's names (in
 * vecprop's {@code in x out} layout) and its architecture in the metadata ({@code vecprop.architecture}),
 * so it loads as it was. One without that metadata loads as an MLP with the activation chosen on load:
 * either from vecprop's names {@code W1 b1 ... Wn bn}, or from a PyTorch {@code state_dict} of
 * {@code Linear} layers, {@code <prefix>.weight} ({@code out x in}, transposed to {@code W}) and
 * {@code <prefix>.bias}, the layers ordered by prefix with numbers compared as numbers
 * ({@code 0 < 2 < 10}, as {@code nn.Sequential} numbers them); any other key (a BatchNorm's statistics)
 * is refused by name: such nets travel as ONNX.
 *
 * <p>A name ending in {@code .npz} means NumPy: the
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
        return hasExtension(file, ".npz");
    }

    private static boolean hasExtension(Path file, String extension) {
        return file.getFileName() != null && file.getFileName().toString().endsWith(extension);
    }

    private static final String ARCHITECTURE_KEY = "vecprop.architecture";

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
        } else if (hasExtension(file, ".onnx")) {
            Onnx.write(net, file);
        } else if (hasExtension(file, ".safetensors")) {
            Safetensors.write(file, net.tensors(), Map.of("format", "vecprop", ARCHITECTURE_KEY, a.toText()));
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
        try {
            return loadUnguarded(file, npzActivation);
        } catch (OutOfMemoryError e) {
            // A net holds its weights more than once (values and gradients, and the file's copy while it
            // loads): a file within the read limit can still need more than the heap has.
            throw new FileTooLargeException(file, file.toString(), -1, "the net it holds needs more memory than the Java heap has"
                    + " free (" + Runtime.getRuntime().maxMemory() + " bytes at most)");
        }
    }

    private static Sequential loadUnguarded(Path file, Activation npzActivation) throws IOException {
        if (isNpz(file)) {
            return mlp(file, Npz.read(file), npzActivation);
        }
        if (hasExtension(file, ".onnx")) {
            return Onnx.read(file);
        }
        if (hasExtension(file, ".safetensors")) {
            Safetensors.Contents c = Safetensors.read(file);
            String text = c.metadata().get(ARCHITECTURE_KEY);
            if (text != null) {
                return build(file, text, c.tensors());
            }
            boolean vecpropNames = c.tensors().keySet().stream().allMatch(k -> k.matches("[Wb][1-9][0-9]{0,5}"));
            return mlp(file, vecpropNames ? c.tensors() : fromStateDict(file, c.tensors()), npzActivation);
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
        return build(file, contents.architecture(), contents.params());
    }

    private static Sequential mlp(Path file, Map<String, Tensor> params, Activation activation) throws CorruptFileException {
        try {
            return Sequential.fromParams(params, activation);
        } catch (IllegalArgumentException e) {
            throw new CorruptFileException(file, -1, "not the parameters of an MLP: " + e.getMessage());
        }
    }

    /** A PyTorch state_dict of Linear layers as {@code W1 b1 ... Wn bn} (see the class comment). */
    private static Map<String, Tensor> fromStateDict(Path file, Map<String, Tensor> dict) throws CorruptFileException {
        java.util.TreeMap<String, Tensor[]> layers = new java.util.TreeMap<>(NetFiles::comparePrefixes);
        for (Map.Entry<String, Tensor> e : dict.entrySet()) {
            String key = e.getKey();
            int dot = key.lastIndexOf('.');
            String role = dot < 0 ? "" : key.substring(dot + 1);
            if (!role.equals("weight") && !role.equals("bias")) {
                throw new CorruptFileException(file, -1, "key '" + key + "' is neither vecprop's (W1 b1 ...) nor a Linear layer's"
                        + " <prefix>.weight or <prefix>.bias; only state_dicts of Linear layers map (export other nets to ONNX)");
            }
            layers.computeIfAbsent(key.substring(0, dot), k -> new Tensor[2])[role.equals("weight") ? 0 : 1] = e.getValue();
        }
        Map<String, Tensor> params = new java.util.LinkedHashMap<>();
        int i = 0;
        for (Map.Entry<String, Tensor[]> l : layers.entrySet()) {
            Tensor w = l.getValue()[0];
            Tensor b = l.getValue()[1];
            if (w == null || w.rank() != 2 || b == null || b.rank() != 1 || b.dim(0) != w.dim(0)) {
                throw new CorruptFileException(file, -1, "'" + l.getKey() + "' is not a Linear layer: it needs " + l.getKey()
                        + ".weight (out x in) and " + l.getKey() + ".bias (out), and has " + (w == null ? "no weight" : "weight " + w.shape())
                        + " and " + (b == null ? "no bias" : "bias " + b.shape()));
            }
            i++;
            float[] t = new float[w.size()];
            int out = w.dim(0);
            int in = w.dim(1);
            for (int r = 0; r < out; r++) {
                for (int c = 0; c < in; c++) {
                    t[c * out + r] = w.data()[r * in + c];
                }
            }
            params.put("W" + i, Tensor.of(t, in, out));
            params.put("b" + i, b);
        }
        return params;
    }

    /** Dotted prefixes in natural order: numeric segments compare as numbers. */
    private static int comparePrefixes(String a, String b) {
        String[] x = a.split("\\.", -1);
        String[] y = b.split("\\.", -1);
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
            boolean nx = x[i].matches("[0-9]{1,9}");
            boolean ny = y[i].matches("[0-9]{1,9}");
            int c = nx && ny ? Integer.compare(Integer.parseInt(x[i]), Integer.parseInt(y[i])) : x[i].compareTo(y[i]);
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(x.length, y.length);
    }

    /** A net from an architecture text and tensors, validated as described in the class comment. */
    private static Sequential build(Path file, String text, Map<String, Tensor> tensors) throws CorruptFileException {
        Architecture architecture;
        long needed = 0;
        try {
            architecture = Architecture.parse(text);
            for (LayerSpec spec : architecture.layers()) {
                needed += Layers.parameterCount(spec);
            }
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new CorruptFileException(file, ARCHITECTURE_OFFSET, "unsuitable architecture: " + e.getMessage());
        }
        long held = 0;
        for (Tensor t : tensors.values()) {
            held += t.size();
        }
        // Building the net allocates what the architecture says: never more than the file really holds.
        if (needed > held) {
            throw new CorruptFileException(file, -1, "the architecture " + architecture + " has " + needed
                    + " parameter elements, but the file holds only " + held + " in " + tensors.keySet());
        }
        Sequential net;
        try {
            net = Sequential.of(architecture);
        } catch (IllegalArgumentException e) {
            throw new CorruptFileException(file, ARCHITECTURE_OFFSET, "unsuitable architecture: " + e.getMessage());
        }
        try {
            net.loadParams(tensors);
        } catch (IllegalArgumentException e) {
            throw new CorruptFileException(file, -1, "the tensors do not match the architecture " + architecture
                    + ": " + e.getMessage());
        }
        return net;
    }
}
