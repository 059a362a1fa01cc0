package io.github.vecprop.io;

import io.github.vecprop.tensor.Shape;
import io.github.vecprop.tensor.Tensor;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PushbackInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Reads and writes the IDX format of MNIST and Fashion-MNIST, unsigned-byte arrays only.
 *
 * <p>Layout (big-endian): two zero bytes, the element type ({@code 0x08}, unsigned byte, is the only
 * one supported), the rank (1 to 4), one int32 per dimension, then the elements in row-major order,
 * and nothing after them. Input that starts with the gzip magic bytes {@code 1f 8b} is decompressed
 * first, whatever the file is called; error offsets then count decompressed bytes.
 *
 * <p>All methods are static and thread-safe. Readers never close a stream the caller passed in;
 * writers replace the target atomically (see {@link #write(Path, byte[], int...)}).
 */
public final class Idx {
    /** The element type code for unsigned bytes, the only one supported. */
    public static final int UNSIGNED_BYTE = 0x08;

    private static final int MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    private Idx() {
    }

    /** The dimensions and raw elements of an unsigned-byte IDX file. */
    private record Raw(int[] dims, byte[] data) {
    }

    /**
     * Reads an image file (rank 2 to 4; MNIST's is {@code N x rows x cols}) as a float tensor of shape
     * {@code [N, rows*cols]} (all dimensions after the first flattened), each byte {@code b} becoming
     * {@code b / 255f}, so values lie in [0, 1].
     *
     * @throws CorruptFileException if the file is not a well-formed unsigned-byte IDX file of rank 2 to 4
     * @throws IOException if the file cannot be read
     */
    public static Tensor readImages(Path file) throws IOException {
        requireFile(file);
        return readImages(file, new ByteInput.Budget());
    }

    /** As {@link #readImages(Path)}, charging the data to {@code budget} (one shared by the files of a data set). */
    static Tensor readImages(Path file, ByteInput.Budget budget) throws IOException {
        requireFile(file);
        try (InputStream in = Files.newInputStream(file)) {
            return toImages(read(in, file, file.toString(), ByteInput.lengthOf(file), budget), file, file.toString());
        }
    }

    /**
     * As {@link #readImages(Path)}, from a stream (not closed) named {@code name} in error messages,
     * e.g. a classpath resource.
     */
    public static Tensor readImages(InputStream in, String name) throws IOException {
        requireStream(in, name);
        return toImages(read(in, null, name, -1, new ByteInput.Budget()), null, name);
    }

    /**
     * Reads a label file (rank 1) as one int (0 to 255) per label.
     *
     * @throws CorruptFileException if the file is not a well-formed unsigned-byte IDX file of rank 1
     * @throws IOException if the file cannot be read
     */
    public static int[] readLabels(Path file) throws IOException {
        requireFile(file);
        return readLabels(file, new ByteInput.Budget());
    }

    /** As {@link #readLabels(Path)}, charging the data to {@code budget}. */
    static int[] readLabels(Path file, ByteInput.Budget budget) throws IOException {
        requireFile(file);
        try (InputStream in = Files.newInputStream(file)) {
            return toLabels(read(in, file, file.toString(), ByteInput.lengthOf(file), budget), file, file.toString());
        }
    }

    /** As {@link #readLabels(Path)}, from a stream (not closed) named {@code name} in error messages. */
    public static int[] readLabels(InputStream in, String name) throws IOException {
        requireStream(in, name);
        return toLabels(read(in, null, name, -1, new ByteInput.Budget()), null, name);
    }

    /**
     * Writes {@code n} images of {@code rows x cols} unsigned bytes ({@code pixels}, row-major, length
     * {@code n*rows*cols}) as a rank-3 IDX file. See {@link #write(Path, byte[], int...)}.
     */
    public static void writeImages(Path file, byte[] pixels, int n, int rows, int cols) throws IOException {
        write(file, pixels, n, rows, cols);
    }

    /**
     * Writes labels (each 0 to 255) as a rank-1 IDX file. See {@link #write(Path, byte[], int...)}.
     *
     * @throws IllegalArgumentException if a label does not fit in an unsigned byte
     */
    public static void writeLabels(Path file, int[] labels) throws IOException {
        Shape.requireNonNull("labels", labels);
        byte[] data = new byte[labels.length];
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] > 255) {
                throw new IllegalArgumentException("label " + labels[i] + " at index " + i + " does not fit in an unsigned byte");
            }
            data[i] = (byte) labels[i];
        }
        write(file, data, labels.length);
    }

    /**
     * Writes {@code data} (unsigned bytes, row-major) as an IDX file of the given dimensions,
     * gzip-compressed if the file name ends with {@code .gz}. The file is replaced atomically: it is
     * written to a temporary file in the same directory and renamed over {@code file}, so readers
     * never see a partial file and a failed write leaves any previous file untouched.
     *
     * @throws IllegalArgumentException if the rank is not 1 to 4, a dimension is negative, or
     *     {@code data.length} is not the product of the dimensions
     */
    public static void write(Path file, byte[] data, int... dims) throws IOException {
        Shape.requireNonNull("file", file);
        Shape.requireNonNull("data", data);
        Shape shape = Shape.of(dims);
        if (shape.size() != data.length) {
            throw new IllegalArgumentException("data has " + data.length + " bytes but IDX dimensions " + shape
                    + " need " + shape.size());
        }
        int[] d = shape.dims();
        boolean gzip = String.valueOf(file.getFileName()).endsWith(".gz");
        AtomicWrite.write(file, raw -> {
            OutputStream out = gzip ? new GZIPOutputStream(raw, 1 << 16) : raw;
            ByteBuffer header = ByteBuffer.allocate(4 + 4 * d.length).order(ByteOrder.BIG_ENDIAN);
            header.put((byte) 0).put((byte) 0).put((byte) UNSIGNED_BYTE).put((byte) d.length);
            for (int x : d) {
                header.putInt(x);
            }
            out.write(header.array());
            out.write(data);
            if (out instanceof GZIPOutputStream g) {
                g.finish();
            }
        });
    }

    /** {@code fileLength} is the raw input's length in bytes, or -1 if unknown. */
    private static Raw read(InputStream stream, Path file, String name, long fileLength, ByteInput.Budget budget) throws IOException {
        PushbackInputStream pushback = new PushbackInputStream(new BufferedInputStream(stream, 1 << 16), 2);
        byte[] magic = new byte[2];
        int got = pushback.readNBytes(magic, 0, 2);
        pushback.unread(magic, 0, got);
        boolean gzip = got == 2 && (magic[0] & 0xFF) == 0x1f && (magic[1] & 0xFF) == 0x8b;
        InputStream in = pushback;
        if (gzip) {
            try {
                in = new GZIPInputStream(pushback, 1 << 16);
            } catch (IOException e) {
                // Thrown while parsing the gzip header: the stream starts like gzip but is not.
                throw new CorruptFileException(file, name, 0, "bad gzip header (" + e.getMessage() + ")", e);
            }
        }
        // Decompressed input has no known length: its arrays grow as the data arrives.
        ByteInput bin = new ByteInput(in, file, name, null, gzip ? -1 : fileLength, budget);
        String format = gzip ? "decompressed IDX data" : "IDX header";
        int zero0 = bin.readUnsignedByte("the IDX magic number");
        int zero1 = bin.readUnsignedByte("the IDX magic number");
        int type = bin.readUnsignedByte("the IDX magic number");
        int rank = bin.readUnsignedByte("the IDX magic number");
        if (zero0 != 0 || zero1 != 0) {
            throw bin.corrupt(0, "not an IDX file: " + format + " starts with "
                    + String.format("%02x %02x", zero0, zero1) + ", expected 00 00");
        }
        if (type != UNSIGNED_BYTE) {
            throw bin.corrupt(2, "IDX element type 0x" + String.format("%02x", type) + " (" + typeName(type)
                    + ") is not supported; only unsigned byte (0x08) is");
        }
        if (rank < 1 || rank > Shape.MAX_RANK) {
            throw bin.corrupt(3, "IDX rank " + rank + " is not supported; ranks 1 to " + Shape.MAX_RANK + " are");
        }
        int[] dims = new int[rank];
        long size = 1;
        for (int i = 0; i < rank; i++) {
            long at = bin.position();
            dims[i] = bin.readInt(ByteOrder.BIG_ENDIAN, "the IDX dimensions");
            if (dims[i] < 0) {
                throw bin.corrupt(at, "IDX dimension " + i + " is " + Integer.toUnsignedString(dims[i])
                        + ", too large (at most " + Integer.MAX_VALUE + ")");
            }
            size *= dims[i];
            if (size > MAX_ELEMENTS) {
                throw bin.corrupt(at, "IDX dimensions " + Arrays.toString(Arrays.copyOf(dims, i + 1))
                        + " give more elements than a Java array can hold");
            }
        }
        String what = "the IDX data (" + size + " bytes for dimensions " + Arrays.toString(dims) + ")";
        // The floats or labels the bytes become are charged up front, so the limit covers the whole read.
        bin.requireAvailable(size, what);
        bin.reserve(4 * size, 4, what + " as 4-byte values");
        byte[] data = bin.readByteArray((int) size, 4, what);
        bin.requireEnd(what);
        return new Raw(dims, data);
    }

    private static Tensor toImages(Raw raw, Path file, String name) throws CorruptFileException {
        if (raw.dims.length < 2) {
            throw new CorruptFileException(file, name, 3, "an image file needs rank 2 to 4 (N x rows x cols), got dimensions "
                    + Arrays.toString(raw.dims), null);
        }
        long features = 1;
        for (int i = 1; i < raw.dims.length; i++) {
            features *= raw.dims[i];
            if (features > MAX_ELEMENTS) {
                // Only possible when N is 0, so the total fitted but one image would not.
                throw new CorruptFileException(file, name, 4, "images of dimensions " + Arrays.toString(raw.dims)
                        + " have more pixels than a Java array can hold", null);
            }
        }
        // Already charged to the read's budget; the heap may still be short of it.
        float[] x = ByteInput.newFloats(raw.data.length, file, name, 4, "the images as floats");
        for (int i = 0; i < x.length; i++) {
            x[i] = (raw.data[i] & 0xFF) / 255f;
        }
        return Tensor.of(x, raw.dims[0], (int) features);
    }

    private static int[] toLabels(Raw raw, Path file, String name) throws CorruptFileException {
        if (raw.dims.length != 1) {
            throw new CorruptFileException(file, name, 3, "a label file needs rank 1, got dimensions "
                    + Arrays.toString(raw.dims), null);
        }
        int[] labels;
        try {
            labels = new int[raw.data.length];
        } catch (OutOfMemoryError e) {
            throw new FileTooLargeException(file, name, 4, raw.data.length + " labels need more memory than the Java heap has free");
        }
        for (int i = 0; i < labels.length; i++) {
            labels[i] = raw.data[i] & 0xFF;
        }
        return labels;
    }

    private static String typeName(int type) {
        return switch (type) {
            case 0x09 -> "signed byte";
            case 0x0B -> "int16";
            case 0x0C -> "int32";
            case 0x0D -> "float32";
            case 0x0E -> "float64";
            default -> "unknown type";
        };
    }

    private static void requireFile(Path file) {
        Shape.requireNonNull("file", file);
    }

    private static void requireStream(InputStream in, String name) {
        Shape.requireNonNull("input stream", in);
        Shape.requireNonNull("stream name", name);
    }
}
