package io.github.vecprop.io;

import io.github.vecprop.tensor.Tensor;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A seeded mutation fuzzer for the file readers: it takes a valid file, applies random truncations,
 * byte and bit flips, insertions, deletions, rewrites of header fields (dimensions, counts, lengths,
 * zip records, with values chosen to hurt) and text edits of a {@code .npy} header (dtype, shape,
 * order), and reads every mutant. An outcome is acceptable if the read either throws a
 * {@link CorruptFileException} (or its {@link FileTooLargeException}), or returns data that the
 * mutant really holds (see {@link #acceptable}); any other exception type, an allocation beyond a
 * bound proportional to the input, or wrong data counts as a failure.
 */
final class Fuzz {
    /** What a read returned, reduced to comparable arrays in file order. */
    record Arr(String key, int[] shape, float[] data) {
        boolean sameData(Arr o) {
            return Arrays.equals(shape, o.shape) && Arrays.equals(bits(data), bits(o.data));
        }
    }

    /** A reader under test: reads {@code file} (whose bytes are {@code bytes}) and reduces the result. */
    @FunctionalInterface
    interface Reader {
        List<Arr> read(Path file, byte[] bytes) throws Exception;
    }

    /** A field of the valid file that mutants rewrite: {@code size} bytes at {@code offset}. */
    record Field(int offset, int size, ByteOrder order) {
    }

    /**
     * A format under test. {@code checksummed} formats must return exactly the original (or, for
     * archives, the same arrays under renamed members). Unchecked ones with one array (npy, raw IDX)
     * must return the mutant's own payload (from {@code dataStart}, elements of {@code width} bytes, 1
     * meaning IDX's bytes / 255) in either byte order, under any shape; unchecked ones with several
     * (ONNX, safetensors) must keep the original's shapes and architecture.
     */
    record Format(String name, String fileName, byte[] valid, Reader reader, List<Field> fields, boolean checksummed,
                  boolean archive, boolean npyText, int dataStart, int width) {
    }

    record Report(int mutants, int rejected, int loaded, List<String> failures) {
    }

    private static final int MAX_FAILURES = 8;

    private Fuzz() {
    }

    static List<Arr> arrays(Map<String, Tensor> m) {
        List<Arr> out = new ArrayList<>();
        m.forEach((k, t) -> out.add(of(k, t)));
        return out;
    }

    static Arr of(String key, Tensor t) {
        return new Arr(key, t.shape().dims(), t.data());
    }

    /** Labels as IDX images' values are (byte / 255), so one payload decode checks both. */
    static Arr labels(int[] labels) {
        float[] f = new float[labels.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = labels[i] / 255f;
        }
        return new Arr("labels", new int[] {labels.length}, f);
    }

    /** Runs {@code mutants} mutants of {@code f}, written to {@code scratch} in turn. */
    static Report run(Format f, long seed, int mutants, Path scratch) throws IOException {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Path file = scratch.resolve(f.fileName);
        List<Arr> expected;
        long baseline;
        try {
            Files.write(file, f.valid);
            f.reader.read(file, f.valid);
            long before = mx.getCurrentThreadAllocatedBytes();
            expected = f.reader.read(file, f.valid);
            baseline = mx.getCurrentThreadAllocatedBytes() - before;
        } catch (Exception e) {
            throw new AssertionError(f.name + ": the valid file does not read: " + e, e);
        }
        Random rnd = new Random(seed);
        List<String> failures = new ArrayList<>();
        int rejected = 0;
        int loaded = 0;
        for (int i = 0; i < mutants; i++) {
            StringBuilder how = new StringBuilder();
            byte[] m = mutate(f, rnd, how);
            Files.write(file, m);
            long bound = (2 << 20) + 2 * baseline + 64L * m.length;
            long before = mx.getCurrentThreadAllocatedBytes();
            String failure = null;
            try {
                List<Arr> got = f.reader.read(file, m);
                loaded++;
                if (!acceptable(f, m, expected, got)) {
                    failure = "loaded data the file does not hold: " + describe(got);
                }
            } catch (CorruptFileException e) {
                rejected++;
                if (e.getMessage() == null || !e.getMessage().contains(e.source())) {
                    failure = "a message that does not name the input: " + e.getMessage();
                }
            } catch (Throwable e) {
                failure = "threw " + e;
            }
            long allocated = mx.getCurrentThreadAllocatedBytes() - before;
            if (failure == null && allocated > bound) {
                failure = "allocated " + allocated + " bytes for a " + m.length + "-byte file (bound " + bound + ")";
            }
            if (failure != null && failures.size() < MAX_FAILURES) {
                failures.add(f.name + " mutant " + i + " of seed " + seed + " (" + how + "): " + failure);
            }
        }
        return new Report(mutants, rejected, loaded, failures);
    }

    /** See {@link Format}: whether a successful read of {@code m} returned data {@code m} really holds. */
    static boolean acceptable(Format f, byte[] m, List<Arr> expected, List<Arr> got) {
        if (same(expected, got, true) || (f.archive && same(expected, got, false))) {
            return true;
        }
        if (!f.checksummed && expected.size() > 1) {
            // Several arrays and no checksum (ONNX, safetensors): a changed value, or a renamed tensor, is the
            // file's data, but the shapes and the architecture (an entry of no shape) must be the original's.
            return sameShapes(expected, got);
        }
        if (f.checksummed || expected.size() != 1 || got.size() != 1) {
            return false;
        }
        // One array, no checksum (npy, raw IDX), same length: the result must be the mutant's own payload,
        // read in either byte order, under any shape of that many elements (a header edit may reshape it).
        Arr g = got.get(0);
        int n = (f.valid.length - f.dataStart) / f.width;
        if (m.length != f.valid.length || g.data.length != n) {
            return false;
        }
        int[] bits = bits(g.data);
        return Arrays.equals(bits(decode(m, f.dataStart, n, f.width, ByteOrder.LITTLE_ENDIAN)), bits)
                || Arrays.equals(bits(decode(m, f.dataStart, n, f.width, ByteOrder.BIG_ENDIAN)), bits);
    }

    private static float[] decode(byte[] b, int start, int n, int width, ByteOrder order) {
        ByteBuffer bb = ByteBuffer.wrap(b, start, n * width).order(order);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = switch (width) {
                case 1 -> (bb.get() & 0xFF) / 255f;
                case 4 -> bb.getFloat();
                default -> (float) bb.getDouble();
            };
        }
        return out;
    }

    private static boolean sameShapes(List<Arr> a, List<Arr> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            boolean architecture = a.get(i).shape.length == 0;
            if ((architecture && !a.get(i).key.equals(b.get(i).key)) || !Arrays.equals(a.get(i).shape, b.get(i).shape)) {
                return false;
            }
        }
        return true;
    }

    private static boolean same(List<Arr> a, List<Arr> b, boolean keys) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if ((keys && !a.get(i).key.equals(b.get(i).key)) || !a.get(i).sameData(b.get(i))) {
                return false;
            }
        }
        return true;
    }

    private static int[] bits(float[] d) {
        int[] b = new int[d.length];
        for (int i = 0; i < d.length; i++) {
            b[i] = Float.floatToRawIntBits(d[i]);
        }
        return b;
    }

    private static String describe(List<Arr> got) {
        StringBuilder s = new StringBuilder();
        for (Arr a : got) {
            s.append(a.key).append(Arrays.toString(a.shape)).append(' ');
        }
        return s.toString().trim();
    }

    static byte[] mutate(Format f, Random rnd, StringBuilder how) {
        byte[] v = f.valid;
        int kind = rnd.nextInt(f.npyText ? 10 : 9);
        switch (kind) {
            case 0 -> {
                int n = rnd.nextInt(v.length);
                how.append("truncated to ").append(n).append(" bytes");
                return Arrays.copyOf(v, n);
            }
            case 1, 2 -> {
                byte[] m = v.clone();
                int flips = 1 + rnd.nextInt(3);
                // Half the flips land in the first 64 bytes, where the headers are.
                for (int k = 0; k < flips; k++) {
                    int at = rnd.nextBoolean() ? rnd.nextInt(Math.min(64, v.length)) : rnd.nextInt(v.length);
                    int bit = rnd.nextInt(8);
                    m[at] ^= (byte) (1 << bit);
                    how.append("bit ").append(bit).append(" of byte ").append(at).append(" flipped; ");
                }
                return m;
            }
            case 3 -> {
                byte[] m = v.clone();
                int at = rnd.nextInt(v.length);
                m[at] = (byte) rnd.nextInt(256);
                how.append("byte ").append(at).append(" set to ").append(m[at] & 0xFF);
                return m;
            }
            case 4, 5, 6 -> {
                if (f.fields.isEmpty()) {
                    return mutate(f, rnd, how);
                }
                Field field = f.fields.get(rnd.nextInt(f.fields.size()));
                return rewrite(v, field, rnd, how);
            }
            case 7 -> {
                int at = rnd.nextInt(v.length + 1);
                byte[] extra = new byte[1 + rnd.nextInt(16)];
                rnd.nextBytes(extra);
                how.append(extra.length).append(" random bytes inserted at ").append(at);
                byte[] m = new byte[v.length + extra.length];
                System.arraycopy(v, 0, m, 0, at);
                System.arraycopy(extra, 0, m, at, extra.length);
                System.arraycopy(v, at, m, at + extra.length, v.length - at);
                return m;
            }
            case 8 -> {
                int at = rnd.nextInt(v.length);
                int len = 1 + rnd.nextInt(Math.min(32, v.length - at));
                how.append(len).append(" bytes deleted at ").append(at);
                byte[] m = new byte[v.length - len];
                System.arraycopy(v, 0, m, 0, at);
                System.arraycopy(v, at + len, m, at, v.length - at - len);
                return m;
            }
            default -> {
                return editNpyHeader(v, rnd, how);
            }
        }
    }

    private static byte[] rewrite(byte[] v, Field field, Random rnd, StringBuilder how) {
        ByteBuffer b = ByteBuffer.wrap(v.clone()).order(field.order);
        long old = switch (field.size) {
            case 1 -> b.get(field.offset) & 0xFF;
            case 2 -> b.getShort(field.offset) & 0xFFFF;
            default -> b.getInt(field.offset) & 0xFFFF_FFFFL;
        };
        long[] candidates = {0, 1, 2, 3, 8, 0xFF, 0xFFFF, 0x7FFF_FFFFL, 0x8000_0000L, 0xFFFF_FFFFL, 1 << 28, 2_000_000_000,
                old + 1, old - 1, old * 2, old / 2, old + v.length, rnd.nextLong()};
        long value = candidates[rnd.nextInt(candidates.length)];
        how.append(field.size).append("-byte field at ").append(field.offset).append(" rewritten from ").append(old)
                .append(" to ").append(value & (field.size == 4 ? 0xFFFF_FFFFL : (1L << (8 * field.size)) - 1));
        switch (field.size) {
            case 1 -> b.put(field.offset, (byte) value);
            case 2 -> b.putShort(field.offset, (short) value);
            default -> b.putInt(field.offset, (int) value);
        }
        return b.array();
    }

    /** Replaces part of a version 1.0 {@code .npy} header's text, keeping its length (the padding absorbs the change). */
    private static byte[] editNpyHeader(byte[] v, Random rnd, StringBuilder how) {
        int len = ByteBuffer.wrap(v, 8, 2).order(ByteOrder.LITTLE_ENDIAN).getShort() & 0xFFFF;
        String header = new String(v, 10, len, StandardCharsets.ISO_8859_1);
        String[][] edits = {
                {"'<f4'", "'<i4'"}, {"'<f4'", "'>f4'"}, {"'<f4'", "'<f8'"}, {"'<f4'", "'|u1'"}, {"'<f4'", "'<f2'"},
                {"'<f8'", "'<f4'"}, {"'<f8'", "'>f8'"}, {"'>f4'", "'<f4'"}, {"False", "True"}, {"'descr'", "'dtype'"},
                {"'shape': (", "'shape': (2000000000, "}, {"'shape': (", "'shape': (-1, "}, {"'shape': (", "'shape': (0, "},
                {"'shape': (", "'shape': (99999999999999999999, "}, {"'shape': (", "'shape': ([1], "}, {"), }", ", 7), }"},
                {"), }", ", 1, 1, 1), }"}, {"'shape': (", "'shape': ((((((((((((((((((("}, {"{", "{'extra': 1, "},
                {"}", ""}, {"'", "\""}, {": ", ":: "},
        };
        String[] e = edits[rnd.nextInt(edits.length)];
        int at = header.indexOf(e[0]);
        if (at < 0) {
            how.append("header edit ").append(e[0]).append(" -> ").append(e[1]).append(" (not applicable, so truncated) ");
            return Arrays.copyOf(v, rnd.nextInt(v.length));
        }
        String edited = header.substring(0, at) + e[1] + header.substring(at + e[0].length());
        String body = edited.stripTrailing();
        if (body.length() + 1 > len) {
            body = body.substring(0, len - 1);
        }
        String padded = body + " ".repeat(len - 1 - body.length()) + "\n";
        how.append("header edit ").append(e[0]).append(" -> ").append(e[1]);
        byte[] m = v.clone();
        System.arraycopy(padded.getBytes(StandardCharsets.ISO_8859_1), 0, m, 10, len);
        return m;
    }

    /** The rewritable fields of every zip record in {@code zip}: local headers, central directory entries, end record. */
    static List<Field> zipFields(byte[] zip) {
        List<Field> fields = new ArrayList<>();
        ByteOrder le = ByteOrder.LITTLE_ENDIAN;
        for (int i = 0; i + 4 <= zip.length; i++) {
            if (zip[i] != 'P' || zip[i + 1] != 'K') {
                continue;
            }
            int[][] layout = null;
            if (zip[i + 2] == 3 && zip[i + 3] == 4) {
                // version, flags, method, time, date, crc, csize, usize, name length, extra length
                layout = new int[][] {{4, 2}, {6, 2}, {8, 2}, {10, 2}, {12, 2}, {14, 4}, {18, 4}, {22, 4}, {26, 2}, {28, 2}, {30, 1}};
            } else if (zip[i + 2] == 1 && zip[i + 3] == 2) {
                layout = new int[][] {{6, 2}, {8, 2}, {10, 2}, {16, 4}, {20, 4}, {24, 4}, {28, 2}, {30, 2}, {32, 2}, {42, 4}, {46, 1}};
            } else if (zip[i + 2] == 5 && zip[i + 3] == 6) {
                layout = new int[][] {{4, 2}, {6, 2}, {8, 2}, {10, 2}, {12, 4}, {16, 4}, {20, 2}};
            }
            if (layout != null) {
                for (int[] l : layout) {
                    if (i + l[0] + l[1] <= zip.length) {
                        fields.add(new Field(i + l[0], l[1], le));
                    }
                }
            }
        }
        return fields;
    }
}
