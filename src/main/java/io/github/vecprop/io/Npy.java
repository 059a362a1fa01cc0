package io.github.vecprop.io;

import io.github.vecprop.tensor.Shape;
import io.github.vecprop.tensor.Tensor;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes NumPy {@code .npy} arrays as float32 tensors.
 *
 * <p>Reading accepts format versions 1.0, 2.0 and 3.0, dtypes {@code '<f4'}, {@code '>f4'},
 * {@code '<f8'} and {@code '>f8'}, and C (row-major) order. float64 data is narrowed to float32 by
 * rounding to nearest (magnitudes beyond float range become infinities; tiny ones may flush to zero or
 * subnormals). Shapes of rank 1 to 4 are kept; a 0-d (scalar) array becomes a tensor of shape
 * {@code [1]}, since tensors have rank 1 to 4 (writing it back gives shape {@code (1,)}). A header
 * marked {@code fortran_order: True} is rejected unless at most one dimension exceeds 1, where both
 * orders lay the data out identically.
 *
 * <p>Writing produces version 1.0 files exactly as NumPy 1.x's {@code np.save} does: the header dict
 * {@code {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }} padded with spaces and a final
 * {@code '\n'} so the data starts at a multiple of 64 bytes; dtype {@code '<f4'}, or {@code '<f8'}
 * with {@link #writeFloat64}.
 *
 * <p>All methods are static and thread-safe (a tensor must not be written to while it is being
 * saved). Readers never close a stream the caller passed in; file writers replace the target
 * atomically.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final int ALIGN = 64;
    private static final int MAX_HEADER = 1 << 20;

    private Npy() {
    }

    /**
     * Reads a {@code .npy} file.
     *
     * @throws CorruptFileException if the file is malformed, truncated, has trailing bytes, or uses an
     *     unsupported dtype, order or rank
     * @throws IOException if the file cannot be read
     */
    public static Tensor read(Path file) throws IOException {
        Shape.requireNonNull("file", file);
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            return read(in, file, file.toString(), ByteInput.lengthOf(file), new ByteInput.Budget());
        }
    }

    /** As {@link #read(Path)}, from a stream (not closed) named {@code name} in error messages; it must end after the array. */
    public static Tensor read(InputStream in, String name) throws IOException {
        Shape.requireNonNull("input stream", in);
        Shape.requireNonNull("stream name", name);
        return read(in, null, name, -1, new ByteInput.Budget());
    }

    /** Writes {@code t} as a version 1.0 {@code '<f4'} file, replacing {@code file} atomically. */
    public static void write(Path file, Tensor t) throws IOException {
        Shape.requireNonNull("file", file);
        Shape.requireNonNull("tensor", t);
        AtomicWrite.write(file, out -> write(out, t, false));
    }

    /** Writes {@code t} as a version 1.0 {@code '<f8'} (float64) file, replacing {@code file} atomically. */
    public static void writeFloat64(Path file, Tensor t) throws IOException {
        Shape.requireNonNull("file", file);
        Shape.requireNonNull("tensor", t);
        AtomicWrite.write(file, out -> write(out, t, true));
    }

    /** Writes {@code t} to a stream (not closed) as a version 1.0 {@code '<f4'} array, or {@code '<f8'} if {@code asFloat64}. */
    public static void write(OutputStream out, Tensor t, boolean asFloat64) throws IOException {
        Shape.requireNonNull("output stream", out);
        Shape.requireNonNull("tensor", t);
        out.write(header(t.shape(), asFloat64 ? "<f8" : "<f4"));
        float[] data = t.data();
        int width = asFloat64 ? 8 : 4;
        int perChunk = (1 << 16) / width;
        ByteBuffer chunk = ByteBuffer.allocate(perChunk * width).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < data.length; i += perChunk) {
            int n = Math.min(perChunk, data.length - i);
            chunk.clear();
            if (asFloat64) {
                for (int j = 0; j < n; j++) {
                    chunk.putDouble(data[i + j]);
                }
            } else {
                chunk.asFloatBuffer().put(data, i, n);
            }
            out.write(chunk.array(), 0, n * width);
        }
    }

    /** The magic, version, header length and padded header dict of a version 1.0 file. */
    static byte[] header(Shape shape, String descr) {
        StringBuilder dict = new StringBuilder("{'descr': '").append(descr).append("', 'fortran_order': False, 'shape': (");
        int[] dims = shape.dims();
        for (int i = 0; i < dims.length; i++) {
            dict.append(i > 0 ? ", " : "").append(dims[i]);
        }
        dict.append(dims.length == 1 ? ",), }" : "), }");
        // NumPy's rule: pad with 1 to 64 spaces, then '\n', so magic + version + length + dict is 64-aligned.
        int unpadded = MAGIC.length + 2 + 2 + dict.length() + 1;
        int pad = ALIGN - unpadded % ALIGN;
        dict.append(" ".repeat(pad)).append('\n');
        byte[] text = dict.toString().getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(MAGIC.length + 4 + text.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) text.length).put(text);
        return b.array();
    }

    /**
     * Reads one array from {@code in}, whose length is {@code length} bytes if known (else -1), charging
     * its data to {@code budget}; a stream with a {@code checksum} feeds it every byte.
     */
    static Tensor read(InputStream in, Path file, String name, long length, ByteInput.Budget budget) throws IOException {
        return read(new ByteInput(in, file, name, null, length, budget));
    }

    static Tensor read(ByteInput bin) throws IOException {
        byte[] magic = new byte[MAGIC.length];
        bin.readFully(magic, 0, magic.length, "the .npy magic string");
        if (!Arrays.equals(magic, MAGIC)) {
            throw bin.corrupt(0, "not a .npy file: it does not start with \\x93NUMPY");
        }
        int major = bin.readUnsignedByte("the .npy version");
        int minor = bin.readUnsignedByte("the .npy version");
        if (major < 1 || major > 3 || minor != 0) {
            throw bin.corrupt(6, ".npy format version " + major + "." + minor + " is not supported; 1.0, 2.0 and 3.0 are");
        }
        long headerLength = major == 1
                ? bin.readUnsignedShort(ByteOrder.LITTLE_ENDIAN, "the .npy header length")
                : Integer.toUnsignedLong(bin.readInt(ByteOrder.LITTLE_ENDIAN, "the .npy header length"));
        long headerStart = bin.position();
        if (headerLength > MAX_HEADER) {
            throw bin.corrupt(8, ".npy header length " + headerLength + " is implausibly large (limit " + MAX_HEADER + ")");
        }
        byte[] headerBytes = new byte[(int) headerLength];
        bin.readFully(headerBytes, 0, headerBytes.length, "the .npy header (" + headerLength + " bytes)");
        String text = new String(headerBytes, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Header h = Header.parse(text, headerStart, bin);

        int[] dims = h.shape.length == 0 ? new int[] {1} : h.shape;
        int size = Shape.of(dims).size();
        String what = "the array data (" + size + " elements of " + h.descr + ")";
        float[] data = bin.readFloatArray(size, h.width == 4 ? ByteInput.Encoding.F32 : ByteInput.Encoding.F64, h.order, headerStart, what);
        bin.requireEnd(what);
        return Tensor.of(data, dims);
    }

    /** The validated header: element width and byte order, and the shape (empty for a 0-d array). */
    private record Header(String descr, int width, ByteOrder order, int[] shape) {
        static Header parse(String text, long start, ByteInput bin) throws CorruptFileException {
            Parser p = new Parser(text, start, bin);
            Object value = p.value();
            p.skipSpace();
            if (p.pos < text.length()) {
                throw p.error("unexpected text after the header dict");
            }
            if (!(value instanceof Map<?, ?> dict)) {
                throw bin.corrupt(start, "the .npy header is not a dict");
            }
            for (String key : List.of("descr", "fortran_order", "shape")) {
                if (!dict.containsKey(key)) {
                    throw bin.corrupt(start, "the .npy header has no '" + key + "' key: " + excerpt(text));
                }
            }
            if (dict.size() != 3) {
                throw bin.corrupt(start, "the .npy header has keys other than 'descr', 'fortran_order' and 'shape': " + excerpt(text));
            }
            if (!(dict.get("descr") instanceof String descr)) {
                throw bin.corrupt(start, "unsupported dtype " + excerpt(String.valueOf(dict.get("descr")))
                        + " (structured dtypes are not supported); only float32 and float64 ('<f4', '>f4', '<f8', '>f8') are");
            }
            int width;
            ByteOrder order;
            switch (descr) {
                case "<f4" -> { width = 4; order = ByteOrder.LITTLE_ENDIAN; }
                case ">f4" -> { width = 4; order = ByteOrder.BIG_ENDIAN; }
                case "<f8" -> { width = 8; order = ByteOrder.LITTLE_ENDIAN; }
                case ">f8" -> { width = 8; order = ByteOrder.BIG_ENDIAN; }
                default -> throw bin.corrupt(start, "unsupported dtype '" + excerpt(descr)
                        + "'; only float32 and float64 ('<f4', '>f4', '<f8', '>f8') are read");
            }
            if (!(dict.get("shape") instanceof List<?> shapeList)) {
                throw bin.corrupt(start, "the .npy shape is not a tuple: " + excerpt(String.valueOf(dict.get("shape"))));
            }
            if (shapeList.size() > Shape.MAX_RANK) {
                throw bin.corrupt(start, "the array has rank " + shapeList.size() + " (shape " + excerpt(tuple(shapeList))
                        + "); ranks 0 to " + Shape.MAX_RANK + " are supported");
            }
            int[] shape = new int[shapeList.size()];
            long size = 1;
            int large = 0;
            for (int i = 0; i < shape.length; i++) {
                if (!(shapeList.get(i) instanceof Long d) || d < 0) {
                    throw bin.corrupt(start, "the .npy shape " + excerpt(tuple(shapeList)) + " has an entry that is not a non-negative integer");
                }
                if (d > Integer.MAX_VALUE) {
                    throw bin.corrupt(start, "the .npy shape " + excerpt(tuple(shapeList)) + " has more elements than a Java array can hold");
                }
                shape[i] = (int) (long) d;
                size *= shape[i];
                if (size > Integer.MAX_VALUE - 8) {
                    throw bin.corrupt(start, "the .npy shape " + excerpt(tuple(shapeList)) + " has more elements than a Java array can hold");
                }
                large += shape[i] > 1 ? 1 : 0;
            }
            if (!(dict.get("fortran_order") instanceof Boolean fortran)) {
                throw bin.corrupt(start, "the .npy fortran_order is not True or False: " + excerpt(String.valueOf(dict.get("fortran_order"))));
            }
            if (fortran && large > 1) {
                throw bin.corrupt(start, "the array is stored in Fortran (column-major) order, which is not supported;"
                        + " save it in C order (e.g. np.save(f, np.ascontiguousarray(a)))");
            }
            return new Header(descr, width, order, shape);
        }

        private static String tuple(List<?> l) {
            StringBuilder s = new StringBuilder("(");
            for (int i = 0; i < l.size(); i++) {
                s.append(i > 0 ? ", " : "").append(l.get(i));
            }
            return s.append(l.size() == 1 ? ",)" : ")").toString();
        }
    }

    /** A header quoted in a message: at most 200 characters, so a huge or binary header cannot flood a log. */
    private static String excerpt(String header) {
        String h = header.strip();
        return h.length() <= 200 ? h : h.substring(0, 200) + "... (" + h.length() + " characters)";
    }

    /**
     * A parser for the Python literal subset NumPy writes in headers: dicts, tuples, lists, quoted
     * strings, integers (with Python 2's optional {@code L} suffix), True, False and None.
     */
    private static final class Parser {
        private static final int MAX_DEPTH = 16;
        private final String s;
        private final long start;
        private final ByteInput bin;
        private int pos;
        private int depth;

        Parser(String s, long start, ByteInput bin) {
            this.s = s;
            this.start = start;
            this.bin = bin;
        }

        CorruptFileException error(String what) {
            return bin.corrupt(start + pos, "cannot parse the .npy header: " + what + " in " + excerpt(s));
        }

        void skipSpace() {
            while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
                pos++;
            }
        }

        Object value() throws CorruptFileException {
            skipSpace();
            if (pos >= s.length()) {
                throw error("unexpected end");
            }
            char c = s.charAt(pos);
            if (c == '{' || c == '(' || c == '[') {
                if (++depth > MAX_DEPTH) {
                    throw error("nesting too deep");
                }
                Object v = c == '{' ? dict() : sequence(c == '(' ? ')' : ']');
                depth--;
                return v;
            }
            if (c == '\'' || c == '"') {
                return string(c);
            }
            if (c == '-' || (c >= '0' && c <= '9')) {
                return integer();
            }
            for (var word : Map.of("True", Boolean.TRUE, "False", Boolean.FALSE, "None", "None").entrySet()) {
                if (s.startsWith(word.getKey(), pos)) {
                    pos += word.getKey().length();
                    return word.getValue();
                }
            }
            throw error("unexpected character '" + c + "'");
        }

        private Map<Object, Object> dict() throws CorruptFileException {
            pos++;
            Map<Object, Object> map = new LinkedHashMap<>();
            while (true) {
                skipSpace();
                if (pos < s.length() && s.charAt(pos) == '}') {
                    pos++;
                    return map;
                }
                int keyAt = pos;
                Object key = value();
                skipSpace();
                expect(':');
                Object v = value();
                if (map.put(key, v) != null) {
                    pos = keyAt;
                    throw error("duplicate key " + excerpt(String.valueOf(key)));
                }
                if (!separator('}')) {
                    return map;
                }
            }
        }

        private List<Object> sequence(char close) throws CorruptFileException {
            pos++;
            List<Object> list = new ArrayList<>();
            while (true) {
                skipSpace();
                if (pos < s.length() && s.charAt(pos) == close) {
                    pos++;
                    return list;
                }
                list.add(value());
                if (!separator(close)) {
                    return list;
                }
            }
        }

        /** After an item: true if a comma follows (more may come), false if the closing bracket ended the container. */
        private boolean separator(char close) throws CorruptFileException {
            skipSpace();
            if (pos < s.length() && s.charAt(pos) == ',') {
                pos++;
                return true;
            }
            expect(close);
            return false;
        }

        private void expect(char c) throws CorruptFileException {
            if (pos >= s.length() || s.charAt(pos) != c) {
                throw error("expected '" + c + "'");
            }
            pos++;
        }

        private String string(char quote) throws CorruptFileException {
            pos++;
            StringBuilder b = new StringBuilder();
            while (pos < s.length() && s.charAt(pos) != quote) {
                char c = s.charAt(pos++);
                if (c == '\\' && pos < s.length()) {
                    c = s.charAt(pos++);
                }
                b.append(c);
            }
            expect(quote);
            return b.toString();
        }

        private Long integer() throws CorruptFileException {
            int begin = pos;
            if (s.charAt(pos) == '-') {
                pos++;
            }
            int digits = pos;
            while (pos < s.length() && s.charAt(pos) >= '0' && s.charAt(pos) <= '9') {
                pos++;
            }
            if (pos == digits || pos - digits > 18) {
                String what = pos == digits ? "a '-' without digits" : "an integer too large";
                pos = begin;
                throw error(what);
            }
            long v = Long.parseLong(s, begin, pos, 10);
            if (pos < s.length() && s.charAt(pos) == 'L') {
                pos++;
            }
            return v;
        }
    }
}
