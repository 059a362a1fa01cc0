package io.github.vecprop.io;

import io.github.vecprop.tensor.Shape;
import io.github.vecprop.tensor.Tensor;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes the safetensors format (Hugging Face's): an unsigned 64-bit little-endian header
 * length N, N bytes of UTF-8 JSON mapping each tensor name to {@code {"dtype", "shape",
 * "data_offsets": [begin, end]}} (offsets into the data that follows) plus an optional
 * {@code "__metadata__"} object of strings, then the tensors' bytes, little-endian.
 *
 * <p>Reading accepts F32, and F16 and BF16 widened exactly to float32; other dtypes are rejected by
 * name, except a scalar integer named {@code *num_batches_tracked} (PyTorch's BatchNorm counter, which
 * every {@code BatchNorm1d} state dict holds), which is checked and skipped. The header is validated in full: strict JSON (no duplicate keys, nothing after it), every
 * entry's shape against its byte range, and the ranges must tile the data exactly (no gaps, no
 * overlaps, nothing after), as the format requires; memory is bounded by the file's length and the
 * {@link ReadLimit}. Tensors are returned in data order. Shapes of rank 0 become {@code [1]}, as in
 * {@link Npy}; ranks above 4 are rejected. Writing produces F32 tensors in the map's order, the header
 * padded with spaces to a multiple of 8 bytes. Static and thread-safe.
 */
public final class Safetensors {
    private static final long MAX_HEADER = 100L << 20;

    private Safetensors() {
    }

    /**
     * A safetensors file's contents.
     *
     * @param tensors the tensors by name, in data order; unmodifiable, tensors owned by the holder
     * @param metadata the {@code __metadata__} strings (empty if none); unmodifiable
     */
    public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {
        /** Copies both maps (not the tensors) into unmodifiable ordered maps. */
        public Contents {
            Shape.requireNonNull("tensors", tensors);
            Shape.requireNonNull("metadata", metadata);
            tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
            metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        }
    }

    /** A header entry; {@code encoding} is null for a skipped integer counter. */
    private record Entry(String name, ByteInput.Encoding encoding, int[] dims, long begin, long end) {
    }

    /**
     * Reads a safetensors file.
     *
     * @throws CorruptFileException if the header or data is malformed, truncated, or uses an unsupported dtype
     * @throws IOException if the file cannot be read
     */
    public static Contents read(Path file) throws IOException {
        Shape.requireNonNull("file", file);
        long size = ByteInput.lengthOf(file);
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            ByteInput bin = new ByteInput(in, file, file.toString(), null, size, new ByteInput.Budget());
            long n = Long.reverseBytes(readLong(bin));
            if (n < 2 || n > MAX_HEADER) {
                throw bin.corrupt(0, "header length " + Long.toUnsignedString(n) + " is not 2 to " + MAX_HEADER + " bytes");
            }
            byte[] headerBytes = bin.readByteArray((int) n, 0, "the JSON header");
            String text;
            try {
                text = ByteInput.utf8(ByteBuffer.wrap(headerBytes));
            } catch (CharacterCodingException e) {
                throw bin.corrupt(8, "the header is not valid UTF-8");
            }
            Object json = new Json(text, bin).document();
            if (!(json instanceof Map<?, ?> top)) {
                throw bin.corrupt(8, "the header is not a JSON object");
            }
            long dataStart = 8 + n;
            // A pipe has no known length: offsets are then checked as the data arrives, and at its end.
            long dataLength = size < 0 ? Long.MAX_VALUE : size - dataStart;
            Map<String, String> metadata = new LinkedHashMap<>();
            List<Entry> entries = new ArrayList<>();
            for (Map.Entry<?, ?> e : top.entrySet()) {
                String name = (String) e.getKey();
                if (name.equals("__metadata__")) {
                    if (!(e.getValue() instanceof Map<?, ?> m)) {
                        throw bin.corrupt(8, "__metadata__ is not an object");
                    }
                    for (Map.Entry<?, ?> kv : m.entrySet()) {
                        if (!(kv.getValue() instanceof String v)) {
                            throw bin.corrupt(8, "__metadata__ value of '" + kv.getKey() + "' is not a string");
                        }
                        metadata.put((String) kv.getKey(), v);
                    }
                    continue;
                }
                entries.add(entry(name, e.getValue(), bin, dataLength));
            }
            entries.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
            long expected = 0;
            for (Entry e : entries) {
                if (e.begin != expected) {
                    throw bin.corrupt(dataStart + Math.min(e.begin, expected), "tensor '" + e.name + "' starts at data offset "
                            + e.begin + ", but the tensors before it end at " + expected + " (a gap or an overlap)");
                }
                expected = e.end;
            }
            if (size >= 0 && expected != dataLength) {
                throw bin.corrupt(dataStart + expected, "the tensors end at data offset " + expected + ", but the file holds "
                        + dataLength + " data bytes");
            }
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (Entry e : entries) {
                if (e.encoding == null) {
                    bin.readByteArray((int) (e.end - e.begin), 8, "tensor '" + e.name + "'");
                    continue;
                }
                int count = (int) ((e.end - e.begin) / e.encoding.width);
                float[] data = bin.readFloatArray(count, e.encoding, ByteOrder.LITTLE_ENDIAN, 8,
                        "tensor '" + e.name + "' " + java.util.Arrays.toString(e.dims));
                tensors.put(e.name, Tensor.of(data, e.dims));
            }
            bin.requireEnd("the last tensor");
            return new Contents(tensors, metadata);
        }
    }

    private static long readLong(ByteInput bin) throws IOException {
        byte[] b = new byte[8];
        bin.readFully(b, 0, 8, "the header length");
        return ByteBuffer.wrap(b).getLong();
    }

    private static Entry entry(String name, Object value, ByteInput bin, long dataLength) throws CorruptFileException {
        String what = "tensor '" + name + "'";
        if (!(value instanceof Map<?, ?> m) || !(m.get("dtype") instanceof String dtype) || !(m.get("shape") instanceof List<?> shape)
                || !(m.get("data_offsets") instanceof List<?> offsets)) {
            throw bin.corrupt(8, what + " needs \"dtype\" (a string), \"shape\" and \"data_offsets\" (arrays)");
        }
        boolean counter = name.endsWith("num_batches_tracked") && (dtype.equals("I64") || dtype.equals("I32")) && shape.isEmpty();
        ByteInput.Encoding encoding = switch (dtype) {
            case "F32" -> ByteInput.Encoding.F32;
            case "F16" -> ByteInput.Encoding.F16;
            case "BF16" -> ByteInput.Encoding.BF16;
            default -> {
                if (!counter) {
                    throw bin.corrupt(8, what + " has dtype " + dtype + "; only F32, F16 and BF16 are read");
                }
                yield null;
            }
        };
        if (shape.size() > Shape.MAX_RANK) {
            throw bin.corrupt(8, what + " has rank " + shape.size() + "; ranks 0 to " + Shape.MAX_RANK + " are supported");
        }
        int[] dims = new int[Math.max(1, shape.size())];
        dims[0] = 1;
        long count = 1;
        for (int i = 0; i < shape.size(); i++) {
            if (!(shape.get(i) instanceof Long d) || d < 0 || d > Integer.MAX_VALUE) {
                throw bin.corrupt(8, what + " has shape entry " + shape.get(i) + ", not a non-negative int32");
            }
            dims[i] = (int) (long) d;
            count *= d;
            if (count > Integer.MAX_VALUE - 8) {
                throw bin.corrupt(8, what + " has more elements than a Java array can hold");
            }
        }
        if (offsets.size() != 2 || !(offsets.get(0) instanceof Long begin) || !(offsets.get(1) instanceof Long end)
                || begin < 0 || end < begin || end > dataLength) {
            throw bin.corrupt(8, what + " has data_offsets " + offsets + ", not [begin, end] within the " + dataLength + " data bytes");
        }
        int width = encoding == null ? (dtype.equals("I64") ? 8 : 4) : encoding.width;
        if (end - begin != count * width) {
            throw bin.corrupt(8, what + " covers " + (end - begin) + " bytes, but " + dtype + " " + shape + " needs " + count * width);
        }
        return new Entry(name, encoding, dims, begin, end);
    }

    /** Writes {@code tensors} (F32, in the map's order) and {@code metadata}, replacing {@code file} atomically. */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        Shape.requireNonNull("file", file);
        Shape.requireNonNull("tensors", tensors);
        Shape.requireNonNull("metadata", metadata);
        StringBuilder json = new StringBuilder("{");
        long at = 0;
        List<Tensor> order = new ArrayList<>();
        if (!metadata.isEmpty()) {
            json.append("\"__metadata__\":{");
            int k = 0;
            for (Map.Entry<String, String> e : metadata.entrySet()) {
                json.append(k++ > 0 ? "," : "").append(quote(e.getKey())).append(':').append(quote(e.getValue()));
            }
            json.append('}');
        }
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            if (e.getKey() == null || e.getKey().isEmpty() || e.getKey().equals("__metadata__")) {
                throw new IllegalArgumentException("tensor name " + (e.getKey() == null ? "null" : "\"" + e.getKey() + "\"") + " is not allowed");
            }
            Tensor t = e.getValue();
            Shape.requireNonNull("tensor '" + e.getKey() + "'", t);
            json.append(json.length() > 1 ? "," : "").append(quote(e.getKey())).append(":{\"dtype\":\"F32\",\"shape\":[");
            int[] dims = t.shape().dims();
            for (int i = 0; i < dims.length; i++) {
                json.append(i > 0 ? "," : "").append(dims[i]);
            }
            json.append("],\"data_offsets\":[").append(at).append(',').append(at + 4L * t.size()).append("]}");
            at += 4L * t.size();
            order.add(t);
        }
        json.append('}');
        byte[] header = json.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (header.length + 7) / 8 * 8;
        AtomicWrite.write(file, out -> {
            ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, padded);
            out.write(b.array());
            out.write(header);
            out.write(" ".repeat(padded - header.length).getBytes(StandardCharsets.US_ASCII));
            ByteBuffer chunk = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (Tensor t : order) {
                float[] d = t.data();
                for (int i = 0; i < t.size(); i += chunk.capacity() / 4) {
                    int n = Math.min(chunk.capacity() / 4, t.size() - i);
                    chunk.clear();
                    chunk.asFloatBuffer().put(d, i, n);
                    out.write(chunk.array(), 0, 4 * n);
                }
            }
        });
    }

    private static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    /** Strict JSON (RFC 8259) for the header: objects (no duplicate keys), arrays, strings, integers, true, false, null. */
    private static final class Json {
        private static final int MAX_DEPTH = 16;
        private final String s;
        private final ByteInput bin;
        private int pos;
        private int depth;

        Json(String s, ByteInput bin) {
            this.s = s;
            this.bin = bin;
        }

        private CorruptFileException error(String what) {
            // The header starts at byte 8; positions are chars, equal to bytes for the ASCII JSON writers produce.
            return bin.corrupt(8 + pos, "invalid JSON header: " + what);
        }

        Object document() throws CorruptFileException {
            Object v = value();
            space();
            if (pos != s.length()) {
                throw error("unexpected text after the header object");
            }
            return v;
        }

        private void space() {
            // Trailing padding is spaces; JSON whitespace is these four.
            while (pos < s.length() && " \t\n\r".indexOf(s.charAt(pos)) >= 0) {
                pos++;
            }
        }

        private Object value() throws CorruptFileException {
            space();
            if (pos >= s.length()) {
                throw error("unexpected end");
            }
            char c = s.charAt(pos);
            if (c == '{' || c == '[') {
                if (++depth > MAX_DEPTH) {
                    throw error("nesting deeper than " + MAX_DEPTH);
                }
                Object v = c == '{' ? object() : array();
                depth--;
                return v;
            }
            if (c == '"') {
                return string();
            }
            if (c == '-' || (c >= '0' && c <= '9')) {
                return number();
            }
            for (String word : new String[] {"true", "false", "null"}) {
                if (s.startsWith(word, pos)) {
                    pos += word.length();
                    return word.equals("null") ? null : Boolean.valueOf(word);
                }
            }
            throw error("unexpected character '" + c + "'");
        }

        private Map<String, Object> object() throws CorruptFileException {
            pos++;
            Map<String, Object> m = new LinkedHashMap<>();
            space();
            if (pos < s.length() && s.charAt(pos) == '}') {
                pos++;
                return m;
            }
            while (true) {
                space();
                if (pos >= s.length() || s.charAt(pos) != '"') {
                    throw error("expected a key");
                }
                String key = string();
                space();
                expect(':');
                Object v = value();
                if (m.containsKey(key)) {
                    throw error("duplicate key \"" + key + "\"");
                }
                m.put(key, v);
                space();
                if (pos < s.length() && s.charAt(pos) == ',') {
                    pos++;
                    continue;
                }
                expect('}');
                return m;
            }
        }

        private List<Object> array() throws CorruptFileException {
            pos++;
            List<Object> l = new ArrayList<>();
            space();
            if (pos < s.length() && s.charAt(pos) == ']') {
                pos++;
                return l;
            }
            while (true) {
                l.add(value());
                space();
                if (pos < s.length() && s.charAt(pos) == ',') {
                    pos++;
                    continue;
                }
                expect(']');
                return l;
            }
        }

        private void expect(char c) throws CorruptFileException {
            if (pos >= s.length() || s.charAt(pos) != c) {
                throw error("expected '" + c + "'");
            }
            pos++;
        }

        private String string() throws CorruptFileException {
            pos++;
            StringBuilder b = new StringBuilder();
            while (true) {
                if (pos >= s.length()) {
                    throw error("unterminated string");
                }
                char c = s.charAt(pos++);
                if (c == '"') {
                    return b.toString();
                }
                if (c < 0x20) {
                    throw error("a control character in a string");
                }
                if (c != '\\') {
                    b.append(c);
                    continue;
                }
                if (pos >= s.length()) {
                    throw error("unterminated escape");
                }
                char e = s.charAt(pos++);
                switch (e) {
                    case '"', '\\', '/' -> b.append(e);
                    case 'b' -> b.append('\b');
                    case 'f' -> b.append('\f');
                    case 'n' -> b.append('\n');
                    case 'r' -> b.append('\r');
                    case 't' -> b.append('\t');
                    case 'u' -> {
                        if (pos + 4 > s.length() || !s.substring(pos, pos + 4).matches("[0-9A-Fa-f]{4}")) {
                            throw error("a short or bad \\u escape");
                        }
                        try {
                            b.append((char) Integer.parseInt(s, pos, pos + 4, 16));
                        } catch (NumberFormatException x) {
                            throw error("a bad \\u escape");
                        }
                        pos += 4;
                    }
                    default -> throw error("unknown escape \\" + e);
                }
            }
        }

        /** Integers as Long; any other number (fraction, exponent) as Double, which no field here accepts. */
        private Object number() throws CorruptFileException {
            int start = pos;
            if (s.charAt(pos) == '-') {
                pos++;
            }
            int digits = pos;
            while (pos < s.length() && Character.isDigit(s.charAt(pos)) && s.charAt(pos) < 128) {
                pos++;
            }
            if (pos == digits || (s.charAt(digits) == '0' && pos - digits > 1)) {
                throw error("a malformed number");
            }
            boolean integer = true;
            while (pos < s.length() && ".eE+-0123456789".indexOf(s.charAt(pos)) >= 0) {
                integer = false;
                pos++;
            }
            String text = s.substring(start, pos);
            try {
                return integer && pos - digits <= 18 ? (Object) Long.parseLong(text) : (Object) Double.parseDouble(text);
            } catch (NumberFormatException e) {
                throw error("a malformed number " + text);
            }
        }
    }
}
