package io.github.vecprop.io;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.Checksum;
import java.util.zip.ZipException;

/**
 * Reads a stream while counting bytes, so every error can name the offset where it happened, and
 * turns running out of data (or a damaged compressed stream underneath) into a
 * {@link CorruptFileException}. Optionally feeds every byte read into a checksum. Not thread-safe.
 *
 * <p>Arrays of declared size are allocated in bounded memory: the size is first charged to a
 * {@link Budget} (the {@link ReadLimit}), then, if the input's length is known (a raw file, a stored
 * zip member), checked against the bytes left before one allocation; if it is not (compressed
 * input), the data is read in chunks as it arrives, so a header that lies costs only what the
 * input really holds.
 */
final class ByteInput {
    private static final int CHUNK = 1 << 16;
    /** Elements per chunk when the input's length is unknown: 1 MiB of floats. */
    private static final int GROW = 1 << 18;

    private final InputStream in;
    private final Path file;
    private final String source;
    private final Checksum checksum;
    private final long length;
    private final Budget budget;
    private final byte[] scratch = new byte[8];
    private byte[] chunk;
    private long position;

    /** How a float element is stored: its width in bytes, and how it widens or narrows to float32. */
    enum Encoding {
        /** IEEE 754 binary16, widened exactly. */
        F16(2),
        /** bfloat16 (the top half of a binary32), widened exactly. */
        BF16(2),
        F32(4),
        /** binary64, narrowed to float32 by rounding to nearest. */
        F64(8);

        final int width;

        Encoding(int width) {
            this.width = width;
        }
    }

    /**
     * What one read may still allocate, shared by every {@link ByteInput} of that read (the members of
     * an archive): starts at {@link ReadLimit#maxBytes()}.
     */
    static final class Budget {
        private final long limit = ReadLimit.maxBytes();
        private long used;

        /** Charges {@code bytes}, or throws naming {@code source} and {@code sizeAt} (the offset of the size field). */
        void charge(long bytes, Path file, String source, long sizeAt, String what) throws FileTooLargeException {
            if (bytes > limit - used) {
                throw new FileTooLargeException(file, source, sizeAt, what + " needs " + bytes + " bytes in memory"
                        + (used > 0 ? " after " + used + " already read" : "") + ", over the read limit of "
                        + limit + " bytes (io.github.vecprop.io.ReadLimit, -D" + ReadLimit.PROPERTY + ")");
            }
            used += bytes;
        }
    }

    /**
     * @param length the input's total length in bytes if known (e.g. a file's size), else -1
     * @param budget the read's allocation budget, shared with the other inputs of the same read
     */
    ByteInput(InputStream in, Path file, String source, Checksum checksum, long length, Budget budget) {
        this.in = in;
        this.file = file;
        this.source = source;
        this.checksum = checksum;
        this.length = length;
        this.budget = budget;
    }

    /** Bytes consumed so far: the offset of the next byte. */
    long position() {
        return position;
    }

    CorruptFileException corrupt(long offset, String what) {
        return new CorruptFileException(file, source, offset, what, null);
    }

    /** Reads exactly {@code len} bytes of {@code what} (named in the error if the data runs out). */
    void readFully(byte[] b, int off, int len, String what) throws IOException {
        readFully(b, off, len, what, 0);
    }

    /** As {@link #readFully(byte[], int, int, String)}, where {@code after} more bytes of {@code what} follow these. */
    private void readFully(byte[] b, int off, int len, String what, long after) throws IOException {
        int done = 0;
        while (done < len) {
            int n;
            try {
                n = in.read(b, off + done, len - done);
            } catch (EOFException | ZipException e) {
                // GZIPInputStream and InflaterInputStream report a cut or damaged compressed stream this way.
                throw new CorruptFileException(file, source, position + done,
                        "compressed data is truncated or corrupt while reading " + what + " (" + e.getMessage() + ")", e);
            }
            if (n < 0) {
                throw corrupt(position + done, "data ends here, " + (len - done + after) + " bytes short of the end of " + what);
            }
            done += n;
        }
        if (checksum != null) {
            checksum.update(b, off, len);
        }
        position += len;
    }

    int readUnsignedByte(String what) throws IOException {
        readFully(scratch, 0, 1, what);
        return scratch[0] & 0xFF;
    }

    int readInt(ByteOrder order, String what) throws IOException {
        readFully(scratch, 0, 4, what);
        return ByteBuffer.wrap(scratch, 0, 4).order(order).getInt();
    }

    int readUnsignedShort(ByteOrder order, String what) throws IOException {
        readFully(scratch, 0, 2, what);
        return ByteBuffer.wrap(scratch, 0, 2).order(order).getShort() & 0xFFFF;
    }

    /**
     * Throws unless {@code bytes} more bytes can follow: always true for input of unknown length.
     * The error points where the input ends, as an actual read would, but nothing has been allocated.
     */
    void requireAvailable(long bytes, String what) throws CorruptFileException {
        if (length >= 0 && bytes > length - position) {
            throw corrupt(length, "the data ends here, but " + what + " needs " + bytes + " bytes from byte " + position);
        }
    }

    /**
     * Charges {@code bytes} (what the caller is about to hold in memory) to the read's budget.
     *
     * @throws FileTooLargeException at {@code sizeAt} (the offset of the size field) if the read would exceed the limit
     */
    void reserve(long bytes, long sizeAt, String what) throws FileTooLargeException {
        budget.charge(bytes, file, source, sizeAt, what);
    }

    /**
     * Reads {@code count} elements of {@code encoding} as floats (see {@link #readFloats}),
     * in bounded memory (see the class comment); {@code sizeAt} is the offset of the field that declared
     * the count, named if the read limit rejects it.
     */
    float[] readFloatArray(int count, Encoding encoding, ByteOrder order, long sizeAt, String what) throws IOException {
        int bytesPerElement = encoding.width;
        // A header that claims more than the file holds is corrupt, whatever the limit.
        requireAvailable((long) bytesPerElement * count, what);
        reserve(4L * count, sizeAt, what);
        if (length >= 0 || count <= GROW) {
            float[] dst = allocateFloats(count, sizeAt, what);
            readFloats(dst, encoding, order, what);
            return dst;
        }
        java.util.List<float[]> chunks = new java.util.ArrayList<>();
        for (int done = 0; done < count; done += GROW) {
            float[] c = allocateFloats(Math.min(GROW, count - done), sizeAt, what);
            readFloats(c, encoding, order, what, (long) (count - done - c.length) * bytesPerElement);
            chunks.add(c);
        }
        float[] dst = allocateFloats(count, sizeAt, what);
        int at = 0;
        for (int i = 0; i < chunks.size(); i++) {
            float[] c = chunks.set(i, null);
            System.arraycopy(c, 0, dst, at, c.length);
            at += c.length;
        }
        return dst;
    }

    /** As {@link #readFloatArray}, for {@code count} raw bytes. */
    byte[] readByteArray(int count, long sizeAt, String what) throws IOException {
        requireAvailable(count, what);
        reserve(count, sizeAt, what);
        int first = length >= 0 ? count : Math.min(count, 4 * GROW);
        byte[] dst = allocate(first, sizeAt, what);
        readFully(dst, 0, first, what, count - first);
        int done = first;
        while (done < count) {
            // Unknown length: grow geometrically as data keeps arriving.
            int next = (int) Math.min(count, 2L * done);
            byte[] bigger = allocate(next, sizeAt, what);
            System.arraycopy(dst, 0, bigger, 0, done);
            dst = bigger;
            readFully(dst, done, next - done, what, count - next);
            done = next;
        }
        return dst;
    }

    /**
     * Reads everything left, as it arrives, charging it to the budget: for formats read from their end
     * (zip), whose streams must be held whole.
     */
    byte[] readRest(String what) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        byte[] buf = new byte[CHUNK];
        while (true) {
            int n;
            try {
                n = in.read(buf);
            } catch (EOFException | ZipException e) {
                throw new CorruptFileException(file, source, position, "compressed data is truncated or corrupt while reading "
                        + what + " (" + e.getMessage() + ")", e);
            }
            if (n < 0) {
                return out.toByteArray();
            }
            reserve(n, position, what);
            out.write(buf, 0, n);
            position += n;
        }
    }

    /** A new array, or a clean error where the heap cannot hold one within the limit (other threads hold memory too). */
    float[] allocateFloats(int count, long sizeAt, String what) throws FileTooLargeException {
        return newFloats(count, file, source, sizeAt, what);
    }

    /** As {@link #allocateFloats}, for a caller without a {@link ByteInput}. */
    static float[] newFloats(int count, Path file, String source, long sizeAt, String what) throws FileTooLargeException {
        try {
            return new float[count];
        } catch (OutOfMemoryError e) {
            throw heapFull(file, source, 4L * count, sizeAt, what);
        }
    }

    /** A file's length if it is a regular file; -1 (unknown, so read as it arrives) for a pipe or device. */
    static long lengthOf(Path file) throws IOException {
        return Files.isRegularFile(file) ? Files.size(file) : -1;
    }

    private byte[] allocate(int count, long sizeAt, String what) throws FileTooLargeException {
        try {
            return new byte[count];
        } catch (OutOfMemoryError e) {
            throw heapFull(file, source, count, sizeAt, what);
        }
    }

    private static FileTooLargeException heapFull(Path file, String source, long bytes, long sizeAt, String what) {
        return new FileTooLargeException(file, source, sizeAt, what + " needs " + bytes
                + " bytes in memory, more than the Java heap has free (" + Runtime.getRuntime().maxMemory() + " bytes at most)");
    }

    /**
     * {@code bytes} as UTF-8, refusing malformed input ({@code new String} would silently put U+FFFD in
     * a name): every text field of every format decodes here.
     */
    static String utf8(ByteBuffer bytes) throws CharacterCodingException {
        return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).decode(bytes).toString();
    }

    /**
     * Fills {@code dst} with {@code dst.length} elements of {@code bytesPerElement} (4: float32, 8:
     * float64, narrowed to float32 by rounding to nearest) in the given byte order.
     */
    void readFloats(float[] dst, Encoding encoding, ByteOrder order, String what) throws IOException {
        readFloats(dst, encoding, order, what, 0);
    }

    private void readFloats(float[] dst, Encoding encoding, ByteOrder order, String what, long after) throws IOException {
        int bytesPerElement = encoding.width;
        if (chunk == null) {
            chunk = new byte[CHUNK];
        }
        int perChunk = CHUNK / bytesPerElement;
        for (int i = 0; i < dst.length; i += perChunk) {
            int n = Math.min(perChunk, dst.length - i);
            readFully(chunk, 0, n * bytesPerElement, what, (long) (dst.length - i - n) * bytesPerElement + after);
            ByteBuffer bb = ByteBuffer.wrap(chunk, 0, n * bytesPerElement).order(order);
            switch (encoding) {
                case F32 -> bb.asFloatBuffer().get(dst, i, n);
                case F64 -> {
                    for (int j = 0; j < n; j++) {
                        dst[i + j] = (float) bb.getDouble();
                    }
                }
                case F16 -> {
                    for (int j = 0; j < n; j++) {
                        dst[i + j] = Float.float16ToFloat(bb.getShort());
                    }
                }
                case BF16 -> {
                    for (int j = 0; j < n; j++) {
                        dst[i + j] = Float.intBitsToFloat((bb.getShort() & 0xFFFF) << 16);
                    }
                }
            }
        }
    }

    /** Throws unless the input is exhausted: a reader that stops early would silently ignore appended data. */
    void requireEnd(String after) throws IOException {
        int b;
        try {
            b = in.read();
        } catch (EOFException | ZipException e) {
            throw new CorruptFileException(file, source, position,
                    "compressed data is truncated or corrupt after " + after + " (" + e.getMessage() + ")", e);
        }
        if (b >= 0) {
            throw corrupt(position, "unexpected trailing bytes after " + after);
        }
    }
}
