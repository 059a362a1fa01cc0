package io.github.vecprop.io;

import io.github.vecprop.layer.Layer;
import io.github.vecprop.layer.LayerSpec;
import io.github.vecprop.layer.Parameter;
import io.github.vecprop.net.Architecture;
import io.github.vecprop.net.Sequential;
import io.github.vecprop.tensor.Shape;
import io.github.vecprop.tensor.Tensor;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Imports and exports ONNX models of the chain networks vecprop builds, with nothing but the JDK (a
 * protobuf reader of its own, {@link Protobuf}).
 *
 * <p><b>Import</b> ({@link #read(Path)}) accepts graphs in the default operator set, versions 11 to 21,
 * that are one chain from a single float input (any batch dimension, fixed or dynamic; the other
 * dimensions are flattened into the row width) to a single output, built from these operators:
 * <ul>
 * <li>{@code Gemm} (alpha, beta, transB; transA must be 0) with constant B and optional constant C of
 *     shape {@code [N]}, {@code [1, N]}, {@code [1]} or {@code []}: an {@code Affine} with
 *     {@code W = alpha * (transB ? B^T : B)}, {@code b = beta * C}. PyTorch's {@code Linear} exports as
 *     {@code transB = 1}, so its {@code out x in} weight is transposed to vecprop's {@code in x out}.</li>
 * <li>{@code MatMul} by a constant {@code [in, out]} matrix, and an {@code Add} of a constant {@code [out]}
 *     or {@code [1, out]} right after an affine layer (added to its bias).</li>
 * <li>{@code Relu}, {@code Sigmoid}, {@code Tanh}; {@code BatchNormalization} in inference form
 *     (constant scale, bias, mean and variance; epsilon and momentum kept), which becomes a
 *     {@code BatchNorm} layer in inference mode that the compiled {@link io.github.vecprop.net.Model}
 *     folds into the affine layer before it; {@code Dropout} (ratio from its input or attribute, seed
 *     from its attribute; identity at inference).</li>
 * <li>{@code Flatten} with axis 1, {@code Reshape} to a constant {@code [-1, width]} or {@code [0, width]},
 *     {@code Identity}, and {@code Constant} nodes feeding any constant input.</li>
 * <li>A final {@code Softmax} or {@code LogSoftmax} over the last axis becomes the net's
 *     {@code SoftmaxWithLoss}: {@code predict} returns the scores before it (the same classes); without
 *     one, the loss is {@code SoftmaxWithLoss} too, unless the file says otherwise (files this class
 *     writes record their loss in the metadata property {@code vecprop.loss}).</li>
 * </ul>
 * Initializers may hold their data in {@code raw_data} or {@code float_data} ({@code int64_data} for
 * shapes). Anything else, an operator or attribute not listed, a non-float weight, external tensor
 * data, a graph that is not a chain, fails with a {@link CorruptFileException} naming the node, its
 * operator and the opset; a damaged file fails with the byte offset. Never a wrong answer.
 *
 * <p><b>Export</b> ({@link #write(Sequential, Path)}): opset 13, IR version 7, input {@code input} of
 * shape {@code [batch, in]} (dynamic batch), output {@code output}: the scores {@code predict} returns.
 * Affine layers become {@code Gemm} with {@code B = W} ({@code transB = 0}), so export then import gives
 * bit-identical weights. All methods are static and thread-safe.
 */
public final class Onnx {
    /** The operator set version written. */
    public static final int EXPORT_OPSET = 13;
    /** The lowest and highest default-domain operator set versions read. */
    public static final int MIN_OPSET = 11;
    public static final int MAX_OPSET = 21;

    private static final int FLOAT = 1;
    private static final int INT32 = 6;
    private static final int INT64 = 7;
    private static final int BOOL = 9;
    private static final String LOSS_KEY = "vecprop.loss";

    private Onnx() {
    }

    // ---------------------------------------------------------------- import

    /** A constant: an initializer or a Constant node's value. */
    private record Value(String name, long[] dims, float[] floats, long[] longs, int offset) {
        long size() {
            long n = 1;
            for (long d : dims) {
                n *= d;
            }
            return n;
        }
    }

    /** An attribute; {@code hasF} and {@code hasI} say which scalar field the file set (proto2 presence). */
    private record Attribute(String name, int type, float f, long i, Value t, float[] floats, long[] ints, boolean unsupported,
                             boolean hasF, boolean hasI) {
    }

    private record Node(String name, String op, String domain, List<String> inputs, List<String> outputs,
                        Map<String, Attribute> attributes, int offset) {
    }

    /**
     * Reads an ONNX model as a net (see the class comment for what is accepted).
     *
     * @throws CorruptFileException if the file is damaged (with the byte offset) or holds a model vecprop
     *     cannot run exactly (naming the node, its operator and the opset)
     * @throws IOException if the file cannot be read
     */
    public static Sequential read(Path file) throws IOException {
        Shape.requireNonNull("file", file);
        long size = ByteInput.lengthOf(file);
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file, file.toString(), size);
        }
    }

    /** As {@link #read(Path)}, from a stream (not closed) named {@code name} in errors; read whole, within the {@link ReadLimit}. */
    public static Sequential read(InputStream in, String name) throws IOException {
        Shape.requireNonNull("input stream", in);
        Shape.requireNonNull("stream name", name);
        return read(in, null, name, -1);
    }

    private static Sequential read(InputStream in, Path file, String name, long size) throws IOException {
        ByteInput bin = new ByteInput(in, file, name, null, size, new ByteInput.Budget());
        byte[] bytes;
        if (size >= 0) {
            if (size > Integer.MAX_VALUE - 8) {
                throw new CorruptFileException(file, name, -1, "a " + size + "-byte ONNX file is over protobuf's 2 GB limit", null);
            }
            bytes = bin.readByteArray((int) size, 0, "the ONNX model");
        } else {
            bytes = bin.readRest("the ONNX model");
        }
        try {
            return new Importer(bytes, file, name).run();
        } catch (OutOfMemoryError e) {
            throw new FileTooLargeException(file, name, -1, "the net it holds needs more memory than the Java heap has free ("
                    + Runtime.getRuntime().maxMemory() + " bytes at most)");
        }
    }

    private static final class Importer {
        private final byte[] bytes;
        private final Path file;
        private final String source;
        private int opset = -1;
        private final Map<String, Integer> otherDomains = new HashMap<>();
        private final Map<String, Value> constants = new HashMap<>();
        private final List<Node> nodes = new ArrayList<>();
        private final List<String> inputs = new ArrayList<>();
        private final List<String> outputs = new ArrayList<>();
        private final Map<String, long[]> inputShapes = new HashMap<>();
        private final Map<String, Integer> inputTypes = new HashMap<>();
        private String loss;
        private boolean graphSeen;

        Importer(byte[] bytes, Path file, String source) {
            this.bytes = bytes;
            this.file = file;
            this.source = source;
        }

        CorruptFileException corrupt(long at, String what) {
            return new CorruptFileException(file, source, at, what, null);
        }

        CorruptFileException unsupported(Node n, String what) {
            return corrupt(n.offset, "node '" + n.name + "' (" + n.op + ", opset " + opset + "): " + what);
        }

        Sequential run() throws IOException {
            Protobuf.Reader model = new Protobuf.Reader(bytes, 0, bytes.length, file, source);
            Protobuf.Reader graph = null;
            while (model.next()) {
                switch (model.field()) {
                    case 8 -> opsetImport(model.message("an opset_import"));
                    case 7 -> {
                        if (graphSeen) {
                            throw corrupt(model.position(), "the model has two graphs");
                        }
                        graphSeen = true;
                        graph = model.message("the graph");
                    }
                    case 14 -> metadata(model.message("a metadata property"));
                    case 20, 25 -> throw corrupt(model.position(), model.field() == 20
                            ? "training information (TrainingInfoProto) is not supported" : "model-local functions are not supported");
                    default -> model.skip();
                }
            }
            if (graph == null) {
                throw corrupt(-1, "no graph: not an ONNX model");
            }
            if (opset < 0) {
                throw corrupt(-1, "no opset_import for the default (ai.onnx) domain");
            }
            if (opset < MIN_OPSET || opset > MAX_OPSET) {
                throw corrupt(-1, "opset " + opset + " of the default domain is not supported; " + MIN_OPSET + " to " + MAX_OPSET + " are");
            }
            graph(graph);
            return chain();
        }

        private void opsetImport(Protobuf.Reader r) throws CorruptFileException {
            String domain = "";
            long version = -1;
            while (r.next()) {
                switch (r.field()) {
                    case 1 -> domain = r.string("an opset domain");
                    case 2 -> version = r.int64("an opset version");
                    default -> r.skip();
                }
            }
            if (domain.isEmpty() || domain.equals("ai.onnx")) {
                opset = (int) Math.max(Math.min(version, Integer.MAX_VALUE), -1);
            } else {
                otherDomains.put(domain, (int) Math.max(Math.min(version, Integer.MAX_VALUE), -1));
            }
        }

        private void metadata(Protobuf.Reader r) throws CorruptFileException {
            String key = null;
            String value = null;
            while (r.next()) {
                switch (r.field()) {
                    case 1 -> key = r.string("a metadata key");
                    case 2 -> value = r.string("a metadata value");
                    default -> r.skip();
                }
            }
            if (LOSS_KEY.equals(key)) {
                loss = value;
            }
        }

        private void graph(Protobuf.Reader g) throws IOException {
            while (g.next()) {
                switch (g.field()) {
                    case 1 -> nodes.add(node(g.message("a node")));
                    case 5 -> {
                        int tAt = g.position();
                        Value v = tensor(g.message("an initializer"), tAt, "initializer");
                        if (constants.put(v.name, v) != null) {
                            throw corrupt(tAt, "two initializers are named '" + v.name + "'");
                        }
                    }
                    case 15 -> throw corrupt(g.position(), "sparse initializers are not supported");
                    case 11 -> valueInfo(g.message("a graph input"), true);
                    case 12 -> valueInfo(g.message("a graph output"), false);
                    default -> g.skip();
                }
            }
        }

        private void valueInfo(Protobuf.Reader r, boolean input) throws CorruptFileException {
            String name = null;
            long[] shape = null;
            int type = -1;
            while (r.next()) {
                if (r.field() == 1) {
                    name = r.string("a value name");
                } else if (r.field() == 2) {
                    Protobuf.Reader t = r.message("a value type");
                    while (t.next()) {
                        if (t.field() == 1) {
                            Protobuf.Reader tensorType = t.message("a tensor type");
                            while (tensorType.next()) {
                                if (tensorType.field() == 1) {
                                    type = (int) Math.max(-1, Math.min(tensorType.int64("an element type"), 1000));
                                } else if (tensorType.field() == 2) {
                                    shape = shape(tensorType.message("a tensor shape"));
                                } else {
                                    tensorType.skip();
                                }
                            }
                        } else {
                            t.skip();
                        }
                    }
                } else {
                    r.skip();
                }
            }
            if (name == null) {
                throw corrupt(r.position(), "a graph " + (input ? "input" : "output") + " has no name");
            }
            if (input) {
                inputs.add(name);
                inputShapes.put(name, shape);
                inputTypes.put(name, type);
            } else {
                outputs.add(name);
            }
        }

        /** Dimensions, -1 where symbolic or absent. */
        private long[] shape(Protobuf.Reader r) throws CorruptFileException {
            Protobuf.LongList dims = new Protobuf.LongList();
            while (r.next()) {
                if (r.field() == 1) {
                    Protobuf.Reader d = r.message("a dimension");
                    long v = -1;
                    while (d.next()) {
                        if (d.field() == 1) {
                            v = d.int64("a dimension value");
                        } else {
                            d.skip();
                        }
                    }
                    dims.add(v);
                } else {
                    r.skip();
                }
            }
            return dims.toArray();
        }

        private Node node(Protobuf.Reader r) throws IOException {
            int at = r.position();
            List<String> in = new ArrayList<>();
            List<String> out = new ArrayList<>();
            String name = "";
            String op = "";
            String domain = "";
            Map<String, Attribute> attributes = new LinkedHashMap<>();
            while (r.next()) {
                switch (r.field()) {
                    case 1 -> in.add(r.string("a node input"));
                    case 2 -> out.add(r.string("a node output"));
                    case 3 -> name = r.string("a node name");
                    case 4 -> op = r.string("a node's operator");
                    case 7 -> domain = r.string("a node's domain");
                    case 5 -> {
                        Attribute a = attribute(r.message("an attribute"), r.position());
                        if (attributes.put(a.name, a) != null) {
                            throw corrupt(at, "a node" + (name.isEmpty() ? "" : " '" + name + "'") + " has two attributes named '" + a.name + "'");
                        }
                    }
                    default -> r.skip();
                }
            }
            if (name.isEmpty()) {
                name = out.isEmpty() ? op : out.get(0);
            }
            Node n = new Node(name, op, domain, in, out, attributes, at);
            if (!domain.isEmpty() && !domain.equals("ai.onnx")) {
                throw corrupt(at, "node '" + name + "' (" + op + ") is in domain '" + domain + "' (opset "
                        + otherDomains.getOrDefault(domain, -1) + "); only the default ONNX domain is supported");
            }
            if (op.equals("Constant")) {
                constant(n);
            }
            return n;
        }

        private Attribute attribute(Protobuf.Reader r, int at) throws IOException {
            String name = "";
            int type = 0;
            float f = 0;
            long i = 0;
            Value t = null;
            List<float[]> floats = new ArrayList<>();
            Protobuf.LongList ints = new Protobuf.LongList();
            boolean unsupported = false;
            boolean hasF = false;
            boolean hasI = false;
            while (r.next()) {
                switch (r.field()) {
                    case 1 -> name = r.string("an attribute name");
                    case 20 -> type = (int) Math.max(-1, Math.min(r.int64("an attribute type"), 1000));
                    case 2 -> {
                        f = r.fixed32Float("a float attribute");
                        hasF = true;
                    }
                    case 3 -> {
                        i = r.int64("an int attribute");
                        hasI = true;
                    }
                    case 5 -> t = tensor(r.message("a tensor attribute"), r.position(), "attribute");
                    case 7 -> floats.add(r.floats("a floats attribute"));
                    case 8 -> r.int64s(ints, "an ints attribute");
                    case 6, 11, 21, 22, 23 -> {
                        unsupported = true;
                        r.skip();
                    }
                    default -> r.skip();
                }
            }
            return new Attribute(name, type, f, i, t, concat(floats), ints.toArray(), unsupported, hasF, hasI);
        }

        private Value tensor(Protobuf.Reader r, int at, String kind) throws IOException {
            Protobuf.LongList dims = new Protobuf.LongList();
            int type = 0;
            String name = "";
            int[] raw = null;
            List<float[]> floatData = new ArrayList<>();
            Protobuf.LongList int64Data = new Protobuf.LongList();
            Protobuf.LongList int32Data = new Protobuf.LongList();
            boolean external = false;
            while (r.next()) {
                switch (r.field()) {
                    case 1 -> r.int64s(dims, "tensor dimensions");
                    case 2 -> type = (int) Math.max(-1, Math.min(r.int64("a tensor data type"), 1000));
                    case 8 -> name = r.string("a tensor name");
                    case 9 -> raw = r.span("tensor raw_data");
                    case 4 -> floatData.add(r.floats("tensor float_data"));
                    case 7 -> r.int64s(int64Data, "tensor int64_data");
                    case 13 -> {
                        external = true;
                        r.skip();
                    }
                    case 14 -> external |= r.int64("a tensor data location") == 1;
                    case 5 -> r.int64s(int32Data, "tensor int32_data");
                    case 3, 6, 10, 11 -> r.skip();
                    default -> r.skip();
                }
            }
            String what = kind + " '" + name + "'";
            if (external) {
                throw corrupt(at, what + " keeps its data in an external file, which is not supported; save the model with its"
                        + " tensors inside (onnx.save(model, path, save_as_external_data=False))");
            }
            long count = 1;
            long[] d = dims.toArray();
            for (long x : d) {
                if (x < 0 || x > Integer.MAX_VALUE) {
                    throw corrupt(at, what + " has dimension " + x);
                }
                count *= x;
                if (count > Integer.MAX_VALUE - 8) {
                    throw corrupt(at, what + " has more elements than a Java array can hold");
                }
            }
            if (type == FLOAT) {
                float[] values;
                if (raw != null) {
                    values = new float[(int) count];
                    rawData(raw, 4, count, what, d).asFloatBuffer().get(values);
                } else {
                    values = concat(floatData);
                    if (values.length != count) {
                        throw corrupt(at, what + " has " + values.length + " values in float_data, but its shape "
                                + java.util.Arrays.toString(d) + " needs " + count);
                    }
                }
                return new Value(name, d, values, null, at);
            }
            if (type == INT64 || type == INT32 || type == BOOL) {
                // Shapes are int64; Dropout's training_mode is a bool; int32 costs nothing more to read.
                int width = type == INT64 ? 8 : type == INT32 ? 4 : 1;
                long[] values;
                if (raw != null) {
                    ByteBuffer bb = rawData(raw, width, count, what, d);
                    values = new long[(int) count];
                    for (int k = 0; k < count; k++) {
                        values[k] = width == 8 ? bb.getLong() : width == 4 ? bb.getInt() : bb.get();
                    }
                } else {
                    Protobuf.LongList list = type == INT64 ? int64Data : int32Data;
                    if (list.size() != count) {
                        throw corrupt(at, what + " has " + list.size() + " values in " + (type == INT64 ? "int64_data" : "int32_data")
                                + ", but its shape " + java.util.Arrays.toString(d) + " needs " + count);
                    }
                    values = list.toArray();
                }
                return new Value(name, d, null, values, at);
            }
            // Other types may appear in a file (e.g. unused); using one as a weight is refused where it is used.
            return new Value(name, d, null, null, at);
        }

        /** A tensor's raw_data, little-endian, after checking it holds exactly {@code count} elements of {@code width} bytes. */
        private ByteBuffer rawData(int[] raw, int width, long count, String what, long[] dims) throws CorruptFileException {
            if ((long) (raw[1] - raw[0]) != width * count) {
                throw corrupt(raw[0], what + " has " + (raw[1] - raw[0]) + " bytes of raw_data, but its shape "
                        + java.util.Arrays.toString(dims) + " needs " + width * count);
            }
            return ByteBuffer.wrap(bytes, raw[0], raw[1] - raw[0]).order(ByteOrder.LITTLE_ENDIAN);
        }

        /** A repeated float field's runs (packed or not) as one array. */
        private static float[] concat(List<float[]> runs) {
            int n = 0;
            for (float[] x : runs) {
                n += x.length;
            }
            float[] all = new float[n];
            n = 0;
            for (float[] x : runs) {
                System.arraycopy(x, 0, all, n, x.length);
                n += x.length;
            }
            return all;
        }

        private void constant(Node n) throws CorruptFileException {
            if (n.outputs.size() != 1) {
                throw unsupported(n, "a Constant needs exactly one output");
            }
            Value v;
            Attribute a;
            if ((a = n.attributes.get("value")) != null && a.t != null) {
                v = a.t;
            } else if ((a = n.attributes.get("value_float")) != null) {
                v = new Value(n.outputs.get(0), new long[0], new float[] {a.f}, null, n.offset);
            } else if ((a = n.attributes.get("value_floats")) != null) {
                v = new Value(n.outputs.get(0), new long[] {a.floats.length}, a.floats, null, n.offset);
            } else if ((a = n.attributes.get("value_int")) != null) {
                v = new Value(n.outputs.get(0), new long[0], null, new long[] {a.i}, n.offset);
            } else if ((a = n.attributes.get("value_ints")) != null) {
                v = new Value(n.outputs.get(0), new long[] {a.ints.length}, null, a.ints, n.offset);
            } else {
                throw unsupported(n, "a Constant without a value, value_float(s) or value_int(s) attribute is not supported");
            }
            if (constants.put(n.outputs.get(0), new Value(n.outputs.get(0), v.dims, v.floats, v.longs, n.offset)) != null) {
                throw unsupported(n, "its output '" + n.outputs.get(0) + "' is also the name of another constant");
            }
        }

        // ------------------------------------------------------------ the chain

        private final List<LayerSpec> specs = new ArrayList<>();
        private final java.util.Set<String> usedWeights = new java.util.HashSet<>();
        private int rank;
        private final List<Map<String, float[]>> tensors = new ArrayList<>();
        private int width;

        private Sequential chain() throws IOException {
            List<String> realInputs = new ArrayList<>();
            for (String in : inputs) {
                if (!constants.containsKey(in)) {
                    realInputs.add(in);
                }
            }
            if (realInputs.size() != 1 || outputs.size() != 1) {
                throw corrupt(-1, "the graph has " + realInputs.size() + " inputs " + realInputs + " and " + outputs.size()
                        + " outputs " + outputs + "; vecprop imports a chain from one input to one output");
            }
            String input = realInputs.get(0);
            if (inputTypes.get(input) != FLOAT) {
                throw corrupt(-1, "the graph input '" + input + "' has element type " + inputTypes.get(input) + "; only float (1) is supported");
            }
            long[] shape = inputShapes.get(input);
            if (shape == null) {
                throw corrupt(-1, "the graph input '" + input + "' has no shape; vecprop needs its rank and width");
            }
            rank = shape.length;
            width = -1;
            if (shape != null && shape.length >= 2) {
                long w = 1;
                for (int i = 1; i < shape.length; i++) {
                    w = shape[i] < 1 || shape[i] > Integer.MAX_VALUE ? -1 : w * shape[i];
                    if (w < 0 || w > Integer.MAX_VALUE) {
                        w = -1;
                        break;
                    }
                }
                width = (int) w;
            }
            if (shape != null && shape.length < 2) {
                throw corrupt(-1, "the graph input '" + input + "' has rank " + shape.length + "; a batch of rows (rank 2 or more) is needed");
            }
            int inputWidth = width;
            // Which nodes read each value: a chain has exactly one reader per value.
            Map<String, List<Node>> readers = new HashMap<>();
            for (Node n : nodes) {
                for (String in : n.inputs) {
                    if (!in.isEmpty() && !constants.containsKey(in)) {
                        readers.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
                    }
                }
            }
            String current = input;
            int visited = 0;
            java.util.Set<Node> onChain = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            String finalOp = null;
            while (!current.equals(outputs.get(0))) {
                List<Node> next = readers.getOrDefault(current, List.of());
                if (next.size() != 1) {
                    throw corrupt(-1, next.isEmpty() ? "nothing reads '" + current + "', so the chain never reaches the output '"
                            + outputs.get(0) + "'" : "'" + current + "' is read by " + next.size() + " nodes ("
                            + next.stream().map(n -> n.name + " (" + n.op + ")").toList() + "): not a chain");
                }
                Node n = next.get(0);
                if (++visited > nodes.size() || !onChain.add(n)) {
                    throw unsupported(n, "is on a cycle: the graph is not a chain");
                }
                requireRank(n);
                if (finalOp != null) {
                    throw unsupported(n, "follows the " + finalOp + ", which must be the last node");
                }
                if (n.inputs.indexOf(current) != 0 && !n.op.equals("Add")) {
                    throw unsupported(n, "reads the chain's value '" + current + "' as input " + n.inputs.indexOf(current)
                            + ", not its first");
                }
                for (Attribute a : n.attributes.values()) {
                    if (a.unsupported) {
                        throw unsupported(n, "attribute '" + a.name + "' holds a graph, sparse tensor or reference, which is not supported");
                    }
                }
                if (n.outputs.isEmpty()) {
                    throw unsupported(n, "has no output");
                }
                switch (n.op) {
                    case "Gemm" -> gemm(n);
                    case "MatMul" -> matmul(n);
                    case "Add" -> addBias(n, current);
                    case "Relu", "Sigmoid", "Tanh" -> {
                        allowAttributes(n);
                        requireWidth(n);
                        specs.add(LayerSpec.of(n.op));
                        tensors.add(Map.of());
                    }
                    case "BatchNormalization" -> batchNorm(n);
                    case "Dropout" -> dropout(n);
                    case "Flatten" -> {
                        allowAttributes(n, "axis");
                        if (intAttr(n, "axis", 1) != 1) {
                            throw unsupported(n, "axis " + intAttr(n, "axis", 1) + " is not supported; only 1 (one row per example) is");
                        }
                    }
                    case "Reshape" -> reshape(n);
                    case "Identity" -> allowAttributes(n);
                    case "Softmax", "LogSoftmax" -> {
                        allowAttributes(n, "axis");
                        long axis = intAttr(n, "axis", opset < 13 ? 1 : -1);
                        if (axis != 1 && axis != -1) {
                            throw unsupported(n, "axis " + axis + " is not the last axis of a batch of rows");
                        }
                        finalOp = n.op;
                    }
                    default -> throw unsupported(n, "operator " + n.op + " is not supported; vecprop imports Gemm, MatMul, Add,"
                            + " Relu, Sigmoid, Tanh, Softmax, LogSoftmax, Flatten, Reshape, Identity, Constant, Dropout and"
                            + " BatchNormalization in a chain");
                }
                if (n.outputs.size() > 1 && !(n.op.equals("Dropout") && readers.getOrDefault(n.outputs.get(1), List.of()).isEmpty()
                        && !outputs.contains(n.outputs.get(1)))) {
                    throw unsupported(n, "has " + n.outputs.size() + " outputs; only the first may be used");
                }
                current = n.outputs.get(0);
            }
            for (Node n : nodes) {
                if (!n.op.equals("Constant") && !onChain.contains(n)) {
                    throw unsupported(n, "is not on the chain from the input '" + input + "' to the output '" + outputs.get(0) + "'");
                }
            }
            if (specs.isEmpty() || width < 1) {
                throw corrupt(-1, "the graph has no affine layer, so vecprop cannot tell its widths");
            }
            LayerSpec lossSpec;
            try {
                lossSpec = loss == null ? LayerSpec.of("SoftmaxWithLoss") : LayerSpec.parse(loss);
            } catch (IllegalArgumentException e) {
                throw corrupt(-1, "metadata " + LOSS_KEY + " is not a loss layer: " + e.getMessage());
            }
            Architecture arch;
            Sequential net;
            try {
                arch = new Architecture(inputWidth > 0 ? inputWidth : firstAffineInput(), specs, lossSpec);
                net = Sequential.of(arch);
            } catch (IllegalArgumentException e) {
                throw corrupt(-1, "the chain does not make a vecprop net: " + e.getMessage());
            }
            for (int i = 0; i < specs.size(); i++) {
                Layer layer = net.layers().get(i);
                Map<String, float[]> values = tensors.get(i);
                for (Parameter p : layer.parameters()) {
                    System.arraycopy(values.get(p.name()), 0, p.value().data(), 0, p.value().size());
                }
                for (Map.Entry<String, Tensor> s : layer.state().entrySet()) {
                    System.arraycopy(values.get(s.getKey()), 0, s.getValue().data(), 0, s.getValue().size());
                }
            }
            net.setTraining(false);
            return net;
        }

        private int firstAffineInput() {
            for (LayerSpec s : specs) {
                if (s.kind().equals("Affine")) {
                    return s.positiveInt("in");
                }
            }
            return -1;
        }

        /**
         * Rows of rank above 2 (an input {@code N x 1 x 28 x 28}) must be flattened before anything but an
         * elementwise activation or Identity sees them: Gemm, MatMul, Add, BatchNormalization and Softmax
         * mean something else on them.
         */
        private void requireRank(Node n) throws CorruptFileException {
            switch (n.op) {
                case "Flatten", "Reshape" -> rank = 2;
                case "Relu", "Sigmoid", "Tanh", "Identity", "Dropout" -> {
                }
                default -> {
                    if (rank != 2) {
                        throw unsupported(n, "reads a value of rank " + rank + "; only batches of rows (rank 2) are supported,"
                                + " so put a Flatten first");
                    }
                }
            }
        }

        private void allowAttributes(Node n, String... allowed) throws CorruptFileException {
            for (String a : n.attributes.keySet()) {
                if (!List.of(allowed).contains(a)) {
                    throw unsupported(n, "attribute '" + a + "' is not supported" + (allowed.length == 0 ? ""
                            : "; " + n.op + " reads only " + String.join(", ", allowed)));
                }
            }
        }

        /** An INT attribute (type 2, or untyped with its int field set); any other type is refused, as ONNX Runtime does. */
        private long intAttr(Node n, String name, long otherwise) throws CorruptFileException {
            Attribute a = n.attributes.get(name);
            if (a == null) {
                return otherwise;
            }
            if (a.type != 2 && !(a.type == 0 && a.hasI && !a.hasF)) {
                throw unsupported(n, "attribute '" + name + "' has type " + a.type + ", not INT (2)");
            }
            return a.i;
        }

        /** A FLOAT attribute (type 1, or untyped with its float field set). */
        private float floatAttr(Node n, String name, float otherwise) throws CorruptFileException {
            Attribute a = n.attributes.get(name);
            if (a == null) {
                return otherwise;
            }
            if (a.type != 1 && !(a.type == 0 && a.hasF && !a.hasI)) {
                throw unsupported(n, "attribute '" + name + "' has type " + a.type + ", not FLOAT (1)");
            }
            return a.f;
        }

        /** A float constant input of node {@code n}. */
        private Value floats(Node n, int index, String role) throws CorruptFileException {
            if (index >= n.inputs.size() || n.inputs.get(index).isEmpty()) {
                throw unsupported(n, "has no " + role + " input");
            }
            Value v = constants.get(n.inputs.get(index));
            if (v == null) {
                throw unsupported(n, "its " + role + " '" + n.inputs.get(index) + "' is computed, not a constant; only constant weights"
                        + " are supported");
            }
            if (v.floats == null) {
                throw unsupported(n, "its " + role + " '" + v.name + "' is not float32 (tensor type other than 1), which is not supported");
            }
            // Each constant is copied into one layer: a tied weight could make a small file allocate without bound.
            if (!usedWeights.add(v.name)) {
                throw unsupported(n, "its " + role + " '" + v.name + "' is used by another node too; shared (tied) weights are not supported");
            }
            return v;
        }

        private void requireWidth(Node n) throws CorruptFileException {
            if (width < 1) {
                throw unsupported(n, "comes before any layer that sets the width, and the graph input's shape does not give it");
            }
        }

        private void affine(Node n, float[] w, int in, int out, float[] b) throws CorruptFileException {
            if (width > 0 && in != width) {
                throw unsupported(n, "its weight takes " + in + " inputs, but the chain's rows are " + width + " wide");
            }
            width = out;
            specs.add(LayerSpec.of("Affine", "in", Integer.toString(in), "out", Integer.toString(out)));
            Map<String, float[]> m = new HashMap<>();
            m.put("W", w);
            m.put("b", b);
            tensors.add(m);
        }

        private void gemm(Node n) throws CorruptFileException {
            allowAttributes(n, "alpha", "beta", "transA", "transB");
            if (intAttr(n, "transA", 0) != 0) {
                throw unsupported(n, "transA = " + intAttr(n, "transA", 0) + " is not supported (the rows are the batch)");
            }
            Value b = floats(n, 1, "B");
            if (b.dims.length != 2) {
                throw unsupported(n, "B '" + b.name + "' has rank " + b.dims.length + ", not 2");
            }
            boolean transB = intAttr(n, "transB", 0) != 0;
            int rows = (int) b.dims[0];
            int cols = (int) b.dims[1];
            int in = transB ? cols : rows;
            int out = transB ? rows : cols;
            float alpha = floatAttr(n, "alpha", 1f);
            float beta = floatAttr(n, "beta", 1f);
            float[] w = new float[in * out];
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    float v = b.floats[i * cols + j];
                    w[transB ? j * out + i : i * out + j] = alpha == 1f ? v : alpha * v;
                }
            }
            float[] bias = new float[out];
            if (n.inputs.size() > 2 && !n.inputs.get(2).isEmpty()) {
                Value c = floats(n, 2, "C");
                float[] cv = biasVector(n, c, out);
                for (int j = 0; j < out; j++) {
                    bias[j] = beta == 1f ? cv[j] : beta * cv[j];
                }
            }
            affine(n, w, in, out, bias);
        }

        private float[] biasVector(Node n, Value c, int out) throws CorruptFileException {
            long size = c.size();
            boolean vector = (c.dims.length == 1 && c.dims[0] == out) || (c.dims.length == 2 && c.dims[0] == 1 && c.dims[1] == out);
            boolean scalar = size == 1 && c.dims.length <= 2;
            if (!vector && !scalar) {
                throw unsupported(n, "bias '" + c.name + "' of shape " + java.util.Arrays.toString(c.dims) + " does not broadcast to [1, "
                        + out + "] along the rows");
            }
            float[] v = new float[out];
            for (int j = 0; j < out; j++) {
                v[j] = scalar ? c.floats[0] : c.floats[j];
            }
            return v;
        }

        private void matmul(Node n) throws CorruptFileException {
            allowAttributes(n);
            Value w = floats(n, 1, "weight");
            if (w.dims.length != 2) {
                throw unsupported(n, "weight '" + w.name + "' has rank " + w.dims.length + ", not 2");
            }
            affine(n, w.floats.clone(), (int) w.dims[0], (int) w.dims[1], new float[(int) w.dims[1]]);
        }

        private void addBias(Node n, String current) throws CorruptFileException {
            allowAttributes(n);
            if (n.inputs.size() != 2) {
                throw unsupported(n, "has " + n.inputs.size() + " inputs, not 2");
            }
            if (specs.isEmpty() || !specs.get(specs.size() - 1).kind().equals("Affine")) {
                throw unsupported(n, "an Add is supported only right after Gemm or MatMul, as its bias");
            }
            int other = n.inputs.get(0).equals(current) ? 1 : 0;
            Value c = floats(n, other, "addend");
            float[] add = biasVector(n, c, width);
            float[] bias = tensors.get(tensors.size() - 1).get("b");
            for (int j = 0; j < width; j++) {
                bias[j] += add[j];
            }
        }

        private void batchNorm(Node n) throws CorruptFileException {
            allowAttributes(n, "epsilon", "momentum", "training_mode", "spatial");
            if (intAttr(n, "training_mode", 0) != 0) {
                throw unsupported(n, "training_mode = 1 is not supported; export the model in eval mode");
            }
            if (intAttr(n, "spatial", 1) != 1) {
                throw unsupported(n, "spatial = 0 is not supported");
            }
            requireWidth(n);
            String[] roles = {"scale", "B", "mean", "var"};
            String[] names = {"gamma", "beta", "runningMean", "runningVar"};
            Map<String, float[]> m = new HashMap<>();
            for (int k = 0; k < 4; k++) {
                Value v = floats(n, k + 1, roles[k]);
                if (v.dims.length != 1 || v.dims[0] != width) {
                    throw unsupported(n, roles[k] + " '" + v.name + "' has shape " + java.util.Arrays.toString(v.dims) + ", not [" + width + "]");
                }
                m.put(names[k], v.floats.clone());
            }
            float eps = floatAttr(n, "epsilon", 1e-5f);
            float momentum = floatAttr(n, "momentum", 0.9f);
            if (!(eps > 0) || Float.isInfinite(eps)) {
                throw unsupported(n, "epsilon " + eps + " is not a positive finite number");
            }
            if (!(momentum >= 0 && momentum < 1)) {
                momentum = 0.9f;
            }
            specs.add(LayerSpec.of("BatchNorm", "features", Integer.toString(width), "eps", Float.toString(eps),
                    "momentum", Float.toString(momentum)));
            tensors.add(m);
        }

        private void dropout(Node n) throws CorruptFileException {
            allowAttributes(n, "ratio", "seed");
            requireWidth(n);
            float ratio = floatAttr(n, "ratio", 0.5f);
            if (n.inputs.size() > 1 && !n.inputs.get(1).isEmpty()) {
                Value r = floats(n, 1, "ratio");
                if (r.size() != 1) {
                    throw unsupported(n, "ratio '" + r.name + "' is not a scalar");
                }
                ratio = r.floats[0];
            }
            if (n.inputs.size() > 2 && !n.inputs.get(2).isEmpty()) {
                Value t = constants.get(n.inputs.get(2));
                if (t == null || t.longs == null || t.size() != 1 || t.longs[0] != 0) {
                    throw unsupported(n, "training_mode must be a constant false");
                }
            }
            if (!(ratio >= 0 && ratio < 1)) {
                throw unsupported(n, "ratio " + ratio + " is not in [0, 1)");
            }
            specs.add(LayerSpec.of("Dropout", "ratio", Float.toString(ratio), "seed", Long.toString(intAttr(n, "seed", 0))));
            tensors.add(Map.of());
        }

        private void reshape(Node n) throws CorruptFileException {
            allowAttributes(n, "allowzero");
            if (n.inputs.size() != 2) {
                throw unsupported(n, "has " + n.inputs.size() + " inputs, not 2");
            }
            Value s = constants.get(n.inputs.get(1));
            if (s == null || s.longs == null || s.longs.length != 2) {
                throw unsupported(n, "only a constant int64 shape of two entries ([-1, width] or [0, width]) is supported");
            }
            boolean allowZero = intAttr(n, "allowzero", 0) != 0;
            long rows = s.longs[0];
            long cols = s.longs[1];
            if (!(rows == -1 || (rows == 0 && !allowZero)) || cols < 1 || (width > 0 && cols != width)) {
                throw unsupported(n, "shape " + java.util.Arrays.toString(s.longs) + " does not keep one row per example"
                        + (width > 0 ? " of width " + width : ""));
            }
            width = (int) Math.min(cols, Integer.MAX_VALUE);
        }
    }

    // ---------------------------------------------------------------- export

    /**
     * Writes {@code net} as an ONNX model (see the class comment), replacing {@code file} atomically.
     *
     * @throws IllegalArgumentException before writing anything, if the net has a layer kind ONNX export
     *     does not know
     */
    public static void write(Sequential net, Path file) throws IOException {
        Shape.requireNonNull("net", net);
        Shape.requireNonNull("file", file);
        byte[] bytes = toBytes(net);
        AtomicWrite.write(file, out -> out.write(bytes));
    }

    /** The ONNX model of {@code net}, as bytes. */
    static byte[] toBytes(Sequential net) {
        Protobuf.Writer graph = new Protobuf.Writer().string(2, "vecprop");
        List<Protobuf.Writer> initializers = new ArrayList<>();
        String current = "input";
        List<Layer> layers = net.layers();
        // The net's names for its tensors (W1 b1 gamma1 runningMean1 ...), found by identity.
        Map<Tensor, String> names = new java.util.IdentityHashMap<>();
        net.tensors().forEach((k, t) -> names.put(t, k));
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            LayerSpec spec = layer.spec();
            String out = i == layers.size() - 1 ? "output" : "x" + (i + 1);
            Map<String, String> global = new HashMap<>();
            for (Parameter p : layer.parameters()) {
                global.put(p.name(), names.get(p.value()));
            }
            for (Map.Entry<String, Tensor> s : layer.state().entrySet()) {
                global.put(s.getKey(), names.get(s.getValue()));
            }
            Protobuf.Writer node = new Protobuf.Writer();
            switch (spec.kind()) {
                case "Affine" -> {
                    node.string(1, current).string(1, global.get("W")).string(1, global.get("b"));
                    node.string(4, "Gemm");
                    initializers.add(tensor(global.get("W"), NetFiles.parameter(layer, "W")));
                    initializers.add(tensor(global.get("b"), NetFiles.parameter(layer, "b")));
                }
                case "Relu", "Sigmoid", "Tanh" -> node.string(1, current).string(4, spec.kind());
                case "BatchNorm" -> {
                    node.string(1, current);
                    for (String k : new String[] {"gamma", "beta", "runningMean", "runningVar"}) {
                        node.string(1, global.get(k));
                        Tensor t = k.startsWith("running") ? layer.state().get(k) : NetFiles.parameter(layer, k);
                        initializers.add(tensor(global.get(k), t));
                    }
                    node.string(4, "BatchNormalization");
                    node.message(5, floatAttribute("epsilon", spec.finiteFloat("eps")));
                    node.message(5, floatAttribute("momentum", spec.finiteFloat("momentum")));
                }
                case "Dropout" -> {
                    String ratio = "dropout" + (i + 1) + "_ratio";
                    node.string(1, current).string(1, ratio).string(4, "Dropout");
                    initializers.add(scalar(ratio, spec.finiteFloat("ratio")));
                    node.message(5, new Protobuf.Writer().string(1, "seed").int64(20, 2).int64(3, Long.parseLong(spec.attributes().get("seed"))));
                }
                default -> throw new IllegalArgumentException("ONNX export does not know layer kind " + spec.kind()
                        + " (layer " + (i + 1) + ")");
            }
            node.string(2, out).string(3, spec.kind().toLowerCase(Locale.ROOT) + (i + 1));
            graph.message(1, node);
            current = out;
        }
        for (Protobuf.Writer t : initializers) {
            graph.message(5, t);
        }
        graph.message(11, valueInfo("input", net.inputSize()));
        graph.message(12, valueInfo("output", net.outputSize()));
        return new Protobuf.Writer()
                .int64(1, 7)
                .string(2, "vecprop")
                .string(3, "0.1.0")
                .message(8, new Protobuf.Writer().string(1, "").int64(2, EXPORT_OPSET))
                .message(7, graph)
                .message(14, new Protobuf.Writer().string(1, LOSS_KEY).string(2, net.lossLayer().spec().toString()))
                .toByteArray();
    }

    private static Protobuf.Writer floatAttribute(String name, float value) {
        return new Protobuf.Writer().string(1, name).int64(20, 1).float32(2, value);
    }

    /** A rank-0 float tensor (Dropout's ratio input). */
    private static Protobuf.Writer scalar(String name, float value) {
        ByteBuffer raw = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(0, value);
        return new Protobuf.Writer().int64(2, FLOAT).string(8, name).bytes(9, raw.array());
    }

    private static Protobuf.Writer tensor(String name, Tensor t) {
        Protobuf.Writer w = new Protobuf.Writer();
        for (int d : t.shape().dims()) {
            w.int64(1, d);
        }
        ByteBuffer raw = ByteBuffer.allocate(4 * t.size()).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(t.data(), 0, t.size());
        return w.int64(2, FLOAT).string(8, name).bytes(9, raw.array());
    }

    private static Protobuf.Writer valueInfo(String name, int width) {
        Protobuf.Writer shape = new Protobuf.Writer()
                .message(1, new Protobuf.Writer().string(2, "batch"))
                .message(1, new Protobuf.Writer().int64(1, width));
        Protobuf.Writer tensorType = new Protobuf.Writer().int64(1, FLOAT).message(2, shape);
        return new Protobuf.Writer().string(1, name).message(2, new Protobuf.Writer().message(1, tensorType));
    }
}
