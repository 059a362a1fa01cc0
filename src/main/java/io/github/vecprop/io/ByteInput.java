package io.github.vecprop.io;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.zip.Checksum;
import java.util.zip.ZipException;

/**
 * Reads a stream while counting bytes, so every error can name the offset where it happened, and
 * turns running out of data (or a damaged compressed stream underneath) into a
 * {@link CorruptFileException}. Optionally feeds every byte read into a checksum. Not thread-safe.
 */
final class ByteInput {
    private static final int CHUNK = 1 << 16;

    private final InputStream in;
    private final Path file;
    private final String source;
    private final Checksum checksum;
    private final byte[] scratch = new byte[8];
    private byte[] chunk;
    private long position;

    ByteInput(InputStream in, Path file, String source, Checksum checksum) {
        this.in = in;
        this.file = file;
        this.source = source;
        this.checksum = checksum;
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
                throw corrupt(position + done, "data ends here, " + (len - done) + " bytes short of the end of " + what);
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
     * Fills {@code dst} with {@code dst.length} elements of {@code bytesPerElement} (4: float32, 8:
     * float64, narrowed to float32 by rounding to nearest) in the given byte order.
     */
    void readFloats(float[] dst, int bytesPerElement, ByteOrder order, String what) throws IOException {
        if (chunk == null) {
            chunk = new byte[CHUNK];
        }
        int perChunk = CHUNK / bytesPerElement;
        for (int i = 0; i < dst.length; i += perChunk) {
            int n = Math.min(perChunk, dst.length - i);
            readFully(chunk, 0, n * bytesPerElement, what);
            ByteBuffer bb = ByteBuffer.wrap(chunk, 0, n * bytesPerElement).order(order);
            if (bytesPerElement == 4) {
                bb.asFloatBuffer().get(dst, i, n);
            } else {
                for (int j = 0; j < n; j++) {
                    dst[i + j] = (float) bb.getDouble();
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
