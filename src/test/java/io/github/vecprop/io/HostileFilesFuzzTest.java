package io.github.vecprop.io;

import io.github.vecprop.io.Fuzz.Arr;
import io.github.vecprop.io.Fuzz.Field;
import io.github.vecprop.io.Fuzz.Format;
import io.github.vecprop.net.Sequential;
import io.github.vecprop.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every reader under {@link Fuzz}: IDX (raw, gzip, stream), {@code .npy} (file, stream, the NumPy-made
 * fixtures), {@code .npz} (stored and deflated, file and stream, NumPy's own), vecprop model files
 * (version 1 and 2) and whole nets through {@link NetFiles}. The seed is {@code -Dvecprop.fuzz.seed}
 * or a fixed one, and every failure names it with the mutant and how it was made.
 */
class HostileFilesFuzzTest {
    private static final long SEED = Long.getLong("vecprop.fuzz.seed", 20_261_201L);
    private static final int MUTANTS = Integer.getInteger("vecprop.fuzz.mutants", 400);

    @TempDir
    Path dir;

    @Test
    void everyReaderRejectsEveryDamagedFileCleanlyInBoundedMemory() throws Exception {
        List<Format> formats = formats(dir);
        int total = 0;
        List<String> failures = new ArrayList<>();
        StringBuilder summary = new StringBuilder();
        for (int i = 0; i < formats.size(); i++) {
            Format f = formats.get(i);
            long seed = SEED + i;
            Fuzz.Report r = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> Fuzz.run(f, seed, MUTANTS, dir),
                    f.name() + " did not finish its mutants in 60 s: a reader hangs (seed " + seed + ")");
            total += r.mutants();
            failures.addAll(r.failures());
            summary.append(String.format("%-26s %4d rejected, %4d loaded%n", f.name(), r.rejected(), r.loaded()));
        }
        System.out.printf("fuzz: %d mutants of %d formats, seed %d%n%s", total, formats.size(), SEED, summary);
        assertTrue(failures.isEmpty(), failures.size() + " failures (rerun with -Dvecprop.fuzz.seed=" + SEED + "):\n"
                + String.join("\n", failures));
    }

    /**
     * The planted bug of the issue: the {@code .npz} reader as it was before CRC checks (the JDK's
     * {@link ZipFile}, whose streams check nothing, feeding {@link Npy}). The fuzzer must find the
     * stored archive whose flipped data byte loads as data.
     */
    @Test
    void theFuzzerCatchesAnNpzReaderThatSkipsTheCrcCheck() throws Exception {
        Format real = formats(dir).stream().filter(f -> f.name().equals("npz stored, file")).findFirst().orElseThrow();
        Format planted = new Format("npz without CRC check", real.fileName(), real.valid(), (file, bytes) -> {
            List<Arr> out = new ArrayList<>();
            try (ZipFile zip = new ZipFile(file.toFile())) {
                for (ZipEntry e : java.util.Collections.list(zip.entries())) {
                    try (InputStream in = zip.getInputStream(e)) {
                        out.add(Fuzz.of(e.getName().replace(".npy", ""), Npy.read(in, e.getName())));
                    }
                }
            } catch (java.util.zip.ZipException e) {
                throw new CorruptFileException(file, -1, e.getMessage());
            }
            return out;
        }, real.fields(), true, true, false, 0, 4);
        Fuzz.Report r = Fuzz.run(planted, SEED, MUTANTS, dir);
        assertFalse(r.failures().isEmpty(), "the fuzzer missed the planted bug");
        assertTrue(r.failures().stream().anyMatch(s -> s.contains("loaded data the file does not hold")), r.failures().toString());
    }

    /**
     * A second planted bug: an IDX reader that allocates what the header declares before checking it
     * against the file (capped at 256 MB so the test JVM survives). The allocation bound must catch it.
     */
    @Test
    void theFuzzerCatchesAReaderThatAllocatesTheDeclaredSize() throws Exception {
        Format real = formats(dir).stream().filter(f -> f.name().equals("idx images, raw")).findFirst().orElseThrow();
        Format planted = new Format("idx allocating first", real.fileName(), real.valid(), (file, bytes) -> {
            if (bytes.length >= 8) {
                long declared = 1;
                int rank = bytes[3] & 0xFF;
                for (int k = 0; k < rank && 8 + 4 * k <= bytes.length; k++) {
                    declared *= Math.max(1, ByteBuffer.wrap(bytes, 4 + 4 * k, 4).getInt() & 0x7FFF_FFFFL);
                }
                byte[] eager = new byte[(int) Math.min(declared, 256L << 20)];
                eager[0] = 1;
            }
            return List.of(Fuzz.of("images", Idx.readImages(file)));
        }, real.fields(), false, false, false, real.dataStart(), real.width());
        Fuzz.Report r = Fuzz.run(planted, SEED, MUTANTS, dir);
        assertTrue(r.failures().stream().anyMatch(s -> s.contains("allocated")), r.failures().toString());
    }

    static List<Format> formats(Path dir) throws IOException {
        List<Format> formats = new ArrayList<>();
        Random rnd = new Random(7);

        // IDX: 6 images of 4 x 5 pixels and their labels.
        byte[] pixels = new byte[6 * 20];
        rnd.nextBytes(pixels);
        Path idx = dir.resolve("src-images.idx");
        Idx.writeImages(idx, pixels, 6, 4, 5);
        List<Field> idxFields = idxFields(3);
        formats.add(new Format("idx images, raw", "m.idx", Files.readAllBytes(idx),
                (file, bytes) -> List.of(Fuzz.of("images", Idx.readImages(file))), idxFields, false, false, false, 16, 1));
        Path idxGz = dir.resolve("src-images.idx.gz");
        Idx.writeImages(idxGz, pixels, 6, 4, 5);
        byte[] gz = Files.readAllBytes(idxGz);
        formats.add(new Format("idx images, gzip", "m.idx.gz", gz,
                (file, bytes) -> List.of(Fuzz.of("images", Idx.readImages(file))), gzipFields(gz.length), true, false, false, 0, 1));
        formats.add(new Format("idx images, gzip stream", "m.idx.gz", gz,
                (file, bytes) -> List.of(Fuzz.of("images", Idx.readImages(new ByteArrayInputStream(bytes), "stream"))),
                gzipFields(gz.length), true, false, false, 0, 1));
        Path labels = dir.resolve("src-labels.idx");
        Idx.writeLabels(labels, new int[] {3, 1, 4, 1, 5, 9, 2, 6});
        formats.add(new Format("idx labels, raw", "m-labels.idx", Files.readAllBytes(labels),
                (file, bytes) -> List.of(Fuzz.labels(Idx.readLabels(file))), idxFields(1), false, false, false, 8, 1));

        // .npy: ours and NumPy's.
        Path npy = dir.resolve("src.npy");
        Npy.write(npy, Tensor.of(ramp(15), 3, 5));
        List<String> npys = List.of("ours 3x5", "f4-2x3.npy", "f8-3x2.npy", "f4-be-4.npy", "f4-2x3x2.npy", "f4-scalar.npy");
        for (String name : npys) {
            byte[] valid = name.startsWith("ours") ? Files.readAllBytes(npy) : fixture("numpy/" + name);
            int dataStart = 10 + (ByteBuffer.wrap(valid, 8, 2).order(ByteOrder.LITTLE_ENDIAN).getShort() & 0xFFFF);
            int width = name.startsWith("f8") ? 8 : 4;
            List<Field> fields = List.of(new Field(6, 1, ByteOrder.LITTLE_ENDIAN), new Field(7, 1, ByteOrder.LITTLE_ENDIAN),
                    new Field(8, 2, ByteOrder.LITTLE_ENDIAN));
            formats.add(new Format("npy " + name + ", file", "m.npy", valid,
                    (file, bytes) -> List.of(Fuzz.of("a", Npy.read(file))), fields, false, false, true, dataStart, width));
            if (name.startsWith("ours") || name.startsWith("f8")) {
                formats.add(new Format("npy " + name + ", stream", "m.npy", valid,
                        (file, bytes) -> List.of(Fuzz.of("a", Npy.read(new ByteArrayInputStream(bytes), "stream"))), fields,
                        false, false, true, dataStart, width));
            }
        }

        // .npz: stored and deflated, ours and NumPy's, as files and as streams.
        Map<String, Tensor> params = new LinkedHashMap<>();
        params.put("W1", Tensor.of(ramp(12), 4, 3));
        params.put("b1", Tensor.of(ramp(3), 3));
        Path stored = dir.resolve("src-stored.npz");
        Npz.write(stored, params);
        Path deflated = dir.resolve("src-deflated.npz");
        Npz.writeCompressed(deflated, params);
        Map<String, byte[]> npzs = new LinkedHashMap<>();
        npzs.put("stored", Files.readAllBytes(stored));
        npzs.put("deflated", Files.readAllBytes(deflated));
        npzs.put("numpy savez", fixture("numpy/params.npz"));
        npzs.put("numpy savez_compressed", fixture("numpy/params-compressed.npz"));
        for (Map.Entry<String, byte[]> e : npzs.entrySet()) {
            List<Field> fields = Fuzz.zipFields(e.getValue());
            formats.add(new Format("npz " + e.getKey() + ", file", "m.npz", e.getValue(),
                    (file, bytes) -> Fuzz.arrays(Npz.read(file)), fields, true, true, false, 0, 4));
            formats.add(new Format("npz " + e.getKey() + ", stream", "m.npz", e.getValue(),
                    (file, bytes) -> Fuzz.arrays(Npz.read(new ByteArrayInputStream(bytes), "stream")), fields, true, true, false, 0, 4));
        }

        // vecprop model files, version 2 (ours, with BatchNorm state) and the version 1 fixture, and whole nets.
        Sequential net = Sequential.mlp(6, 4, 3).batchNorm().dropout(0.25f).seed(3).build();
        Path model = dir.resolve("src.vpm");
        NetFiles.save(net, model);
        byte[] v2 = Files.readAllBytes(model);
        byte[] v1 = fixture("v1-twolayernet.vpm");
        for (Map.Entry<String, byte[]> e : Map.of("v2", v2, "v1", v1).entrySet()) {
            formats.add(new Format("model file " + e.getKey(), "m.vpm", e.getValue(), (file, bytes) -> {
                ModelFile.Contents c = ModelFile.read(file);
                List<Arr> out = new ArrayList<>(Fuzz.arrays(c.params()));
                out.add(new Arr("architecture " + c.version() + " " + c.architecture(), new int[0], new float[0]));
                return out;
            }, modelFields(e.getValue()), true, false, false, 0, 4));
            formats.add(new Format("net from model file " + e.getKey(), "m.vpm", e.getValue(),
                    (file, bytes) -> netArrays(NetFiles.load(file)), modelFields(e.getValue()), true, false, false, 0, 4));
        }
        Sequential mlp = Sequential.mlp(5, 4, 3).seed(5).build();
        Path mlpNpz = dir.resolve("src-mlp.npz");
        NetFiles.save(mlp, mlpNpz);
        byte[] mlpBytes = Files.readAllBytes(mlpNpz);
        formats.add(new Format("net from npz", "m.npz", mlpBytes, (file, bytes) -> netArrays(NetFiles.load(file)),
                Fuzz.zipFields(mlpBytes), true, false, false, 0, 4));

        // ONNX (ours, with BatchNorm and Dropout; PyTorch's with float_data, Constant and Reshape) and
        // safetensors (ours with metadata; PyTorch's F16 state dict). Neither format has a checksum.
        Path onnx = dir.resolve("src.onnx");
        NetFiles.save(net, onnx);
        Map<String, byte[]> onnxs = new LinkedHashMap<>();
        onnxs.put("ours", Files.readAllBytes(onnx));
        onnxs.put("matmul-add", fixture("onnx/matmul-add.onnx"));
        for (Map.Entry<String, byte[]> e : onnxs.entrySet()) {
            formats.add(new Format("onnx " + e.getKey(), "m.onnx", e.getValue(), (file, bytes) -> netArrays(Onnx.read(file)),
                    List.of(), false, false, false, 0, 4));
        }
        formats.add(new Format("onnx stream", "m.onnx", onnxs.get("ours"),
                (file, bytes) -> netArrays(Onnx.read(new ByteArrayInputStream(bytes), "stream")), List.of(), false, false, false, 0, 4));
        Path st = dir.resolve("src.safetensors");
        NetFiles.save(net, st);
        Map<String, byte[]> sts = new LinkedHashMap<>();
        sts.put("ours", Files.readAllBytes(st));
        sts.put("f16 state dict", fixture("onnx/mlp-784-50-10-f16.safetensors"));
        for (Map.Entry<String, byte[]> e : sts.entrySet()) {
            formats.add(new Format("safetensors " + e.getKey(), "m.safetensors", e.getValue(),
                    (file, bytes) -> Fuzz.arrays(Safetensors.read(file).tensors()), safetensorsFields(e.getValue()), false, false, false, 0, 4));
        }
        formats.add(new Format("net from safetensors", "m.safetensors", sts.get("ours"), (file, bytes) -> netArrays(NetFiles.load(file)),
                safetensorsFields(sts.get("ours")), false, false, false, 0, 4));
        return formats;
    }

    /**
     * A net's tensors and its architecture's layers and sizes; the values of eps, momentum, ratio and seed
     * are data like the weights (ONNX holds them unchecked), so they are left out.
     */
    private static List<Arr> netArrays(Sequential net) {
        List<Arr> out = new ArrayList<>(Fuzz.arrays(net.tensors()));
        String layers = net.architecture().toText().replaceAll("(eps|momentum|ratio|seed)=\\S+", "$1=*");
        out.add(new Arr("architecture " + layers, new int[0], new float[0]));
        return out;
    }

    private static float[] ramp(int n) {
        return NumpyFixturesTest.ramp(n);
    }

    private static byte[] fixture(String name) throws IOException {
        try (InputStream in = HostileFilesFuzzTest.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("missing test resource " + name);
            }
            return in.readAllBytes();
        }
    }

    /** The magic's four bytes (zeros, type, rank) and the {@code rank} dimensions. */
    private static List<Field> idxFields(int rank) {
        List<Field> fields = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            fields.add(new Field(i, 1, ByteOrder.BIG_ENDIAN));
        }
        for (int k = 0; k < rank; k++) {
            fields.add(new Field(4 + 4 * k, 4, ByteOrder.BIG_ENDIAN));
        }
        return fields;
    }

    /** The gzip header's flags, mtime and OS bytes, and the trailer's CRC-32 and size. */
    private static List<Field> gzipFields(int length) {
        return List.of(new Field(2, 1, ByteOrder.LITTLE_ENDIAN), new Field(3, 1, ByteOrder.LITTLE_ENDIAN),
                new Field(4, 4, ByteOrder.LITTLE_ENDIAN), new Field(9, 1, ByteOrder.LITTLE_ENDIAN),
                new Field(length - 8, 4, ByteOrder.LITTLE_ENDIAN), new Field(length - 4, 4, ByteOrder.LITTLE_ENDIAN));
    }

    /** The header length's two halves, and every digit of the JSON header (shapes, offsets). */
    private static List<Field> safetensorsFields(byte[] file) {
        List<Field> fields = new ArrayList<>(List.of(new Field(0, 4, ByteOrder.LITTLE_ENDIAN), new Field(4, 4, ByteOrder.LITTLE_ENDIAN)));
        int n = (int) ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        for (int i = 8; i < 8 + n; i++) {
            if (Character.isDigit(file[i])) {
                fields.add(new Field(i, 1, ByteOrder.LITTLE_ENDIAN));
            }
        }
        return fields;
    }

    /** Version, architecture length, tensor count, every name length, rank and dimension, and the checksum. */
    private static List<Field> modelFields(byte[] file) {
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.BIG_ENDIAN);
        List<Field> fields = new ArrayList<>();
        fields.add(new Field(8, 4, ByteOrder.BIG_ENDIAN));
        fields.add(new Field(12, 4, ByteOrder.BIG_ENDIAN));
        int at = 16 + b.getInt(12);
        fields.add(new Field(at, 4, ByteOrder.BIG_ENDIAN));
        int count = b.getInt(at);
        at += 4;
        for (int t = 0; t < count; t++) {
            fields.add(new Field(at, 4, ByteOrder.BIG_ENDIAN));
            at += 4 + b.getInt(at);
            fields.add(new Field(at, 4, ByteOrder.BIG_ENDIAN));
            int rank = b.getInt(at);
            at += 4;
            long size = 1;
            for (int k = 0; k < rank; k++) {
                fields.add(new Field(at, 4, ByteOrder.BIG_ENDIAN));
                size *= b.getInt(at);
                at += 4;
            }
            at += 4 * (int) size;
        }
        fields.add(new Field(at, 4, ByteOrder.BIG_ENDIAN));
        // Also the architecture text: a digit rewritten makes a layer of another size.
        String text = new String(file, 16, b.getInt(12), java.nio.charset.StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("\\d").matcher(text);
        while (m.find()) {
            fields.add(new Field(16 + m.start(), 1, ByteOrder.BIG_ENDIAN));
        }
        return fields;
    }
}
