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
 * {@code <prefix>.bias}, the layers ordered by prefix with runs of digits compared as numbers
 * ({@code 0 < 2 < 10} as {@code nn.Sequential} numbers them, {@code fc2 < fc10}) and other text
 * alphabetically: names whose definition order is not their alphabetical one ({@code fc_in, fc_hidden,
 * fc_out}) load in the wrong order when their widths happen to fit, so such nets should travel as ONNX,
 * which records the order. Any other key (a BatchNorm's statistics) is refused by name unless the caller
 * gives the architecture ({@link #load(Path, Architecture)}).
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

    /**
     * Loads the tensors of a {@code .safetensors} or {@code .npz} file into a net of {@code architecture},
     * for files that cannot say their architecture (a PyTorch {@code state_dict} of a net mixing
     * activations, say). The tensors are either vecprop's ({@code W1 b1 gamma1 runningMean1 ...}), or a
     * {@code state_dict} whose layers, in prefix order (see the class comment), fill the architecture's
     * {@code Affine} and {@code BatchNorm} layers in order: a {@code Linear}'s {@code weight} (out x in,
     * transposed) and {@code bias}, a {@code BatchNorm1d}'s {@code weight}, {@code bias},
     * {@code running_mean} and {@code running_var} ({@code num_batches_tracked} is ignored).
     *
     * @throws CorruptFileException naming the file if it is damaged or its tensors do not fit the architecture
     * @throws IllegalArgumentException if the architecture cannot be built
     */
    public static Sequential load(Path file, Architecture architecture) throws IOException {
        Shape.requireNonNull("file", file);
        Shape.requireNonNull("architecture", architecture);
        Map<String, Tensor> tensors;
        if (isNpz(file)) {
            tensors = Npz.read(file);
        } else if (hasExtension(file, ".safetensors")) {
            tensors = Safetensors.read(file).tensors();
        } else {
            throw new IllegalArgumentException(file + ": only .safetensors and .npz files are loaded into a given architecture");
        }
        Sequential net;
        try {
            net = Sequential.of(architecture);
        } catch (OutOfMemoryError e) {
            throw new FileTooLargeException(file, file.toString(), -1, "the architecture needs more memory than the Java heap has free");
        }
        Map<String, Tensor> named = tensors.keySet().equals(net.tensors().keySet()) ? tensors : fromStateDict(file, tensors, net);
        try {
            net.loadParams(named);
        } catch (IllegalArgumentException e) {
            throw new CorruptFileException(file, -1, "the tensors do not fit the architecture " + architecture + ": " + e.getMessage());
        }
        return net;
    }

    /** A PyTorch state_dict's layers in prefix order: each a map from the last key segment to its tensor. */
    private static java.util.List<Map.Entry<String, Map<String, Tensor>>> stateDictLayers(Map<String, Tensor> dict) {
        java.util.TreeMap<String, Map<String, Tensor>> layers = new java.util.TreeMap<>(NetFiles::comparePrefixes);
        for (Map.Entry<String, Tensor> e : dict.entrySet()) {
            int dot = e.getKey().lastIndexOf('.');
            String prefix = dot < 0 ? "" : e.getKey().substring(0, dot);
            layers.computeIfAbsent(prefix, k -> new java.util.LinkedHashMap<>()).put(e.getKey().substring(dot + 1), e.getValue());
        }
        return new java.util.ArrayList<>(layers.entrySet());
    }

    /** A state_dict's Linear and BatchNorm1d layers as the tensors of {@code net}'s Affine and BatchNorm layers, in order. */
    private static Map<String, Tensor> fromStateDict(Path file, Map<String, Tensor> dict, Sequential net) throws CorruptFileException {
        java.util.List<Map.Entry<String, Map<String, Tensor>>> groups = stateDictLayers(dict);
        Map<Tensor, String> names = new java.util.IdentityHashMap<>();
        net.tensors().forEach((k, t) -> names.put(t, k));
        Map<String, Tensor> out = new java.util.LinkedHashMap<>();
        int g = 0;
        for (io.github.vecprop.layer.Layer layer : net.layers()) {
            String kind = layer.spec().kind();
            if (!kind.equals("Affine") && !kind.equals("BatchNorm")) {
                continue;
            }
            if (g == groups.size()) {
                throw new CorruptFileException(file, -1, "the state_dict has " + groups.size() + " layers, fewer than the architecture's"
                        + " Affine and BatchNorm layers");
            }
            Map.Entry<String, Map<String, Tensor>> group = groups.get(g++);
            Map<String, Tensor> t = group.getValue();
            java.util.List<String> keys = kind.equals("Affine") ? java.util.List.of("weight", "bias")
                    : java.util.List.of("weight", "bias", "running_mean", "running_var");
            java.util.Set<String> present = new java.util.HashSet<>(t.keySet());
            present.remove("num_batches_tracked");
            if (!present.equals(new java.util.HashSet<>(keys))) {
                throw new CorruptFileException(file, -1, "state_dict layer '" + group.getKey() + "' has " + t.keySet() + ", but the "
                        + kind + " it fills needs " + keys);
            }
            String[] ours = kind.equals("Affine") ? new String[] {"W", "b"} : new String[] {"gamma", "beta", "runningMean", "runningVar"};
            for (int k = 0; k < keys.size(); k++) {
                Tensor target = k < 2 || kind.equals("Affine") ? parameter(layer, ours[k]) : layer.state().get(ours[k]);
                Tensor value = t.get(keys.get(k));
                out.put(names.get(target), kind.equals("Affine") && k == 0 ? transposed(file, group.getKey(), value) : value);
            }
        }
        if (g != groups.size()) {
            throw new CorruptFileException(file, -1, "the state_dict has " + groups.size() + " layers, more than the architecture's "
                    + g + " Affine and BatchNorm layers");
        }
        return out;
    }

    /** The value of {@code layer}'s parameter {@code name} (its local name: W, b, gamma ...), for the formats' mappings. */
    static Tensor parameter(io.github.vecprop.layer.Layer layer, String name) {
        for (io.github.vecprop.layer.Parameter p : layer.parameters()) {
            if (p.name().equals(name)) {
                return p.value();
            }
        }
        throw new IllegalStateException(layer.spec() + " has no parameter " + name);
    }

    /** PyTorch's out x in weight as vecprop's in x out. */
    private static Tensor transposed(Path file, String layer, Tensor w) throws CorruptFileException {
        if (w.rank() != 2) {
            throw new CorruptFileException(file, -1, "state_dict layer '" + layer + "' has a weight of shape " + w.shape()
                    + ", not a Linear layer's out x in matrix");
        }
        int out = w.dim(0);
        int in = w.dim(1);
        float[] t = new float[w.size()];
        for (int r = 0; r < out; r++) {
            for (int c = 0; c < in; c++) {
                t[c * out + r] = w.data()[r * in + c];
            }
        }
        return Tensor.of(t, in, out);
    }

    /** A PyTorch state_dict of Linear layers as {@code W1 b1 ... Wn bn} (see the class comment). */
    private static Map<String, Tensor> fromStateDict(Path file, Map<String, Tensor> dict) throws CorruptFileException {
        Map<String, Tensor> params = new java.util.LinkedHashMap<>();
        int i = 0;
        for (Map.Entry<String, Map<String, Tensor>> l : stateDictLayers(dict)) {
            Map<String, Tensor> t = l.getValue();
            Tensor w = t.get("weight");
            Tensor b = t.get("bias");
            if (!t.keySet().equals(java.util.Set.of("weight", "bias")) || w.rank() != 2 || b.rank() != 1 || b.dim(0) != w.dim(0)) {
                throw new CorruptFileException(file, -1, "state_dict layer '" + l.getKey() + "' has " + describe(t)
                        + "; without an architecture only Linear layers (weight out x in, bias out) map (load it with"
                        + " NetFiles.load(file, architecture), or export the net to ONNX)");
            }
            i++;
            params.put("W" + i, transposed(file, l.getKey(), w));
            params.put("b" + i, b);
        }
        return params;
    }

    private static String describe(Map<String, Tensor> t) {
        StringBuilder s = new StringBuilder();
        t.forEach((k, v) -> s.append(s.length() > 0 ? ", " : "").append(k).append(' ').append(v.shape()));
        return s.toString();
    }

    /** Prefixes in natural order: runs of digits compare as numbers ({@code 2 < 10}, {@code fc2 < fc10}), the rest as text. */
    private static int comparePrefixes(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            char x = a.charAt(i);
            char y = b.charAt(j);
            if (Character.isDigit(x) && Character.isDigit(y) && x < 128 && y < 128) {
                int si = i;
                int sj = j;
                while (i < a.length() && a.charAt(i) >= '0' && a.charAt(i) <= '9') {
                    i++;
                }
                while (j < b.length() && b.charAt(j) >= '0' && b.charAt(j) <= '9') {
                    j++;
                }
                String da = a.substring(si, i).replaceFirst("^0+(?=.)", "");
                String db = b.substring(sj, j).replaceFirst("^0+(?=.)", "");
                int c = da.length() != db.length() ? Integer.compare(da.length(), db.length()) : da.compareTo(db);
                if (c != 0) {
                    return c;
                }
            } else {
                if (x != y) {
                    return Character.compare(x, y);
                }
                i++;
                j++;
            }
        }
        return Integer.compare(a.length() - i, b.length() - j);
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
