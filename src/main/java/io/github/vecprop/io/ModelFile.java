package io.github.vecprop.io;

import io.github.vecprop.tensor.Shape;
import io.github.vecprop.tensor.Tensor;

import java.io.BufferedInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import java.util.zip.CheckedOutputStream;

/**
 * vecprop's binary model format: an architecture description and an ordered set of named float32
 * parameter tensors, protected by a CRC32C checksum.
 *
 * <p>Layout, version 2 (version 1 is the same bytes with version 1 and the architecture
 * {@code "TwoLayerNet"}; both are read). Every integer is a big-endian int32, every float an IEEE 754 binary32 in
 * big-endian byte order, every string UTF-8 preceded by its length in bytes:
 * <pre>
 * offset  size      field
 * 0       8         magic: the bytes 56 45 43 50 52 4F 50 00 ("VECPROP\0")
 * 8       4         format version: 2 (or 1)
 * 12      4         A: architecture length in bytes, 0 to 1,048,576
 * 16      A         architecture, UTF-8 (opaque here; {@link NetFiles} stores a net's text form there)
 * 16+A    4         T: number of tensors, 0 to 1,048,576
 *         then T times:
 *         4         L: name length in bytes, 1 to 65,535
 *         L         name, UTF-8, unique within the file
 *         4         R: rank, 1 to 4
 *         4R        dimensions, each at least 0, product at most 2^31 - 9
 *         4*size    elements, row-major
 * end-4   4         CRC32C of every byte before it, as an unsigned int32
 * </pre>
 *
 * <p>{@link #read} validates all of it (magic, version, every count and length against the bytes
 * left in the file before allocating, UTF-8, the checksum, no trailing bytes) and returns nothing
 * unless the whole file is good. {@link #write} replaces the target atomically. Both are static and
 * thread-safe (a tensor must not be written to while it is being saved).
 */
public final class ModelFile {
    /** The format version written. */
    public static final int VERSION = 2;
    /** The first format version, still read: written when the only architecture was {@code "TwoLayerNet"}. */
    public static final int VERSION_1 = 1;
    static final byte[] MAGIC = {'V', 'E', 'C', 'P', 'R', 'O', 'P', 0};
    static final int MAX_ARCHITECTURE_BYTES = 1 << 20;
    static final int MAX_TENSORS = 1 << 20;
    static final int MAX_NAME_BYTES = 65_535;

    private ModelFile() {
    }

    /**
     * A model file's contents: its format version, architecture string and parameters in file order.
     *
     * @param version the format version read (1 or 2)
     * @param architecture the architecture description, as written
     * @param params the parameters by name, in order; an unmodifiable map of tensors the holder owns
     */
    public record Contents(int version, String architecture, Map<String, Tensor> params) {
        /** Copies {@code params} (not the tensors) into an unmodifiable ordered map. */
        public Contents {
            Shape.requireNonNull("architecture", architecture);
            Shape.requireNonNull("params", params);
            params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
        }
    }

    /**
     * Writes {@code architecture} and {@code params} (in the map's iteration order) to {@code file},
     * replacing it atomically: the bytes go to a temporary file in the same directory which is then
     * renamed over {@code file}, so a failure at any point leaves the previous file as it was.
     *
     * @throws IllegalArgumentException if an argument is null, a name is empty or not valid UTF-16,
     *     a string is longer than the format allows, or a tensor is null
     */
    public static void write(Path file, String architecture, Map<String, Tensor> params) throws IOException {
        Shape.requireNonNull("file", file);
        byte[] arch = utf8("architecture", architecture);
        if (arch.length > MAX_ARCHITECTURE_BYTES) {
            throw new IllegalArgumentException("architecture is " + arch.length + " bytes of UTF-8; at most "
                    + MAX_ARCHITECTURE_BYTES + " are allowed");
        }
        Shape.requireNonNull("params", params);
        // Snapshot and validate everything before the first byte is written.
        List<byte[]> names = new ArrayList<>();
        List<Tensor> tensors = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : params.entrySet()) {
            byte[] name = utf8("parameter name", e.getKey());
            if (name.length == 0 || name.length > MAX_NAME_BYTES) {
                throw new IllegalArgumentException("parameter name \"" + e.getKey() + "\" is " + name.length
                        + " bytes of UTF-8; 1 to " + MAX_NAME_BYTES + " are allowed");
            }
            Shape.requireNonNull("parameter '" + e.getKey() + "'", e.getValue());
            names.add(name);
            tensors.add(e.getValue());
        }
        if (tensors.size() > MAX_TENSORS) {
            throw new IllegalArgumentException(tensors.size() + " parameters; at most " + MAX_TENSORS + " are allowed");
        }
        AtomicWrite.write(file, raw -> {
            CRC32C crc = new CRC32C();
            DataOutputStream out = new DataOutputStream(new CheckedOutputStream(raw, crc));
            out.write(MAGIC);
            out.writeInt(VERSION);
            out.writeInt(arch.length);
            out.write(arch);
            out.writeInt(tensors.size());
            ByteBuffer chunk = ByteBuffer.allocate(1 << 16).order(ByteOrder.BIG_ENDIAN);
            for (int i = 0; i < tensors.size(); i++) {
                Tensor t = tensors.get(i);
                out.writeInt(names.get(i).length);
                out.write(names.get(i));
                out.writeInt(t.rank());
                for (int d : t.shape().dims()) {
                    out.writeInt(d);
                }
                float[] data = t.data();
                int perChunk = chunk.capacity() / 4;
                for (int j = 0; j < data.length; j += perChunk) {
                    int n = Math.min(perChunk, data.length - j);
                    chunk.clear();
                    chunk.asFloatBuffer().put(data, j, n);
                    out.write(chunk.array(), 0, 4 * n);
                }
            }
            out.flush();
            // The checksum itself goes around the CRC stream: it covers everything before it.
            new DataOutputStream(raw).writeInt((int) crc.getValue());
        });
    }

    /**
     * Reads a model file.
     *
     * @throws CorruptFileException if anything about the file is wrong: magic, version (the message
     *     names an unknown version), counts, lengths, dimensions, UTF-8, duplicate names, truncation (at
     *     the offset where the data ran out), checksum (at the offset of the stored checksum), or bytes
     *     after the checksum
     * @throws IOException if the file cannot be read
     */
    public static Contents read(Path file) throws IOException {
        Shape.requireNonNull("file", file);
        long fileSize = ByteInput.lengthOf(file);
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            CRC32C crc = new CRC32C();
            Reader r = new Reader(new ByteInput(in, file, file.toString(), crc, fileSize, new ByteInput.Budget()));
            ByteInput bin = r.bin;

            byte[] magic = new byte[MAGIC.length];
            bin.readFully(magic, 0, magic.length, "the magic number");
            if (!Arrays.equals(magic, MAGIC)) {
                throw bin.corrupt(0, "not a vecprop model file: it does not start with \"VECPROP\\0\"");
            }
            int version = r.readInt("the format version");
            if (version != VERSION && version != VERSION_1) {
                throw bin.corrupt(8, "unsupported model file version " + Integer.toUnsignedString(version)
                        + "; this reader knows versions " + VERSION_1 + " and " + VERSION);
            }
            String architecture = r.readString("the architecture", 0, MAX_ARCHITECTURE_BYTES);
            long countAt = bin.position();
            int count = r.readInt("the tensor count");
            if (count < 0 || count > MAX_TENSORS) {
                throw bin.corrupt(countAt, "tensor count " + Integer.toUnsignedString(count) + " is not in 0 to " + MAX_TENSORS);
            }
            Map<String, Tensor> params = new LinkedHashMap<>();
            for (int i = 0; i < count; i++) {
                long nameAt = bin.position();
                String name = r.readString("the name of tensor " + i, 1, MAX_NAME_BYTES);
                if (params.containsKey(name)) {
                    throw bin.corrupt(nameAt, "tensor name \"" + name + "\" appears twice");
                }
                long rankAt = bin.position();
                int rank = r.readInt("the rank of tensor '" + name + "'");
                if (rank < 1 || rank > Shape.MAX_RANK) {
                    throw bin.corrupt(rankAt, "tensor '" + name + "' has rank " + Integer.toUnsignedString(rank)
                            + "; ranks 1 to " + Shape.MAX_RANK + " are supported");
                }
                int[] dims = new int[rank];
                long size = 1;
                for (int k = 0; k < rank; k++) {
                    long dimAt = bin.position();
                    dims[k] = r.readInt("the dimensions of tensor '" + name + "'");
                    size *= Math.max(dims[k], 0);
                    if (dims[k] < 0 || size > Integer.MAX_VALUE - 8) {
                        throw bin.corrupt(dimAt, "tensor '" + name + "' has dimension " + Integer.toUnsignedString(dims[k])
                                + (dims[k] < 0 ? ", more than 2^31 - 1" : ", more elements in all than a Java array can hold"));
                    }
                }
                String what = "the data of tensor '" + name + "' " + Arrays.toString(dims);
                float[] data = bin.readFloatArray((int) size, ByteInput.Encoding.F32, ByteOrder.BIG_ENDIAN, rankAt, what);
                params.put(name, Tensor.of(data, dims));
            }
            long computed = crc.getValue();
            long crcAt = bin.position();
            long stored = Integer.toUnsignedLong(r.readInt("the CRC32C checksum"));
            if (stored != computed) {
                throw bin.corrupt(crcAt, String.format("checksum mismatch: the file says CRC32C %08x but its contents give %08x",
                        stored, computed));
            }
            bin.requireEnd("the checksum");
            return new Contents(version, architecture, params);
        }
    }

    /** Big-endian ints and length-prefixed UTF-8 strings (each length checked against the bytes left before allocating). */
    private record Reader(ByteInput bin) {
        int readInt(String what) throws IOException {
            return bin.readInt(ByteOrder.BIG_ENDIAN, what);
        }

        String readString(String what, int minBytes, int maxBytes) throws IOException {
            long at = bin.position();
            int length = readInt("the length of " + what);
            if (length < minBytes || length > maxBytes) {
                throw bin.corrupt(at, "the length of " + what + " is " + Integer.toUnsignedString(length)
                        + "; " + minBytes + " to " + maxBytes + " bytes are allowed");
            }
            long textAt = bin.position();
            byte[] bytes = bin.readByteArray(length, at, what);
            try {
                return ByteInput.utf8(ByteBuffer.wrap(bytes));
            } catch (CharacterCodingException e) {
                throw bin.corrupt(textAt, what + " is not valid UTF-8");
            }
        }
    }

    private static byte[] utf8(String what, String s) {
        Shape.requireNonNull(what, s);
        try {
            ByteBuffer b = StandardCharsets.UTF_8.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(s));
            return Arrays.copyOf(b.array(), b.limit());
        } catch (CharacterCodingException e) {
            // An unpaired surrogate: String.getBytes would silently write '?', changing the name.
            throw new IllegalArgumentException(what + " \"" + s + "\" is not valid UTF-16 (unpaired surrogate)", e);
        }
    }
}
