package io.github.vecprop.io;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The protocol buffers wire format, as much of it as ONNX needs and no more: varints, fixed32,
 * fixed64 and length-delimited fields (groups, deprecated since proto2, are refused). A
 * {@link Reader} reads one message of a byte array, bounds-checked at every step, so a damaged file
 * fails with a {@link CorruptFileException} at the byte it went wrong and can never make it read
 * past a message's end, loop or allocate more than the bytes it holds. Unknown fields are skipped.
 */
final class Protobuf {
    static final int VARINT = 0;
    static final int FIXED64 = 1;
    static final int LEN = 2;
    static final int FIXED32 = 5;

    private Protobuf() {
    }

    /** Reads the fields of one message, {@code b[start, end)}; offsets in errors count from the start of {@code b}. */
    static final class Reader {
        private final byte[] b;
        private final int end;
        private final Path file;
        private final String source;
        private int pos;
        private int field;
        private int wire;

        Reader(byte[] b, int start, int end, Path file, String source) {
            this.b = b;
            this.pos = start;
            this.end = end;
            this.file = file;
            this.source = source;
        }

        CorruptFileException corrupt(long at, String what) {
            return new CorruptFileException(file, source, at, what, null);
        }

        /** The offset of the next byte. */
        int position() {
            return pos;
        }

        /** Advances to the next field; false at the message's end. Then {@link #field()} and {@link #wire()} describe it. */
        boolean next() throws CorruptFileException {
            if (pos >= end) {
                return false;
            }
            int at = pos;
            long key = varint();
            field = (int) (key >>> 3);
            wire = (int) (key & 7);
            if (key >>> 3 > 0x1FFF_FFFF || field == 0) {
                throw corrupt(at, "a protobuf field number of " + (key >>> 3) + ", not 1 to 536870911");
            }
            if (wire != VARINT && wire != FIXED64 && wire != LEN && wire != FIXED32) {
                throw corrupt(at, "protobuf wire type " + wire + " of field " + field
                        + (wire == 3 || wire == 4 ? " (a group, which ONNX never uses)" : ", which does not exist"));
            }
            return true;
        }

        int field() {
            return field;
        }

        int wire() {
            return wire;
        }

        private void expect(int expected, String what) throws CorruptFileException {
            if (wire != expected) {
                throw corrupt(pos, what + " (field " + field + ") has wire type " + wire + ", expected " + expected);
            }
        }

        long varint() throws CorruptFileException {
            int at = pos;
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (pos >= end) {
                    throw corrupt(at, "a varint runs past the end of its message (byte " + end + ")");
                }
                int x = b[pos++] & 0xFF;
                v |= (long) (x & 0x7F) << shift;
                if (x < 0x80) {
                    if (shift == 63 && x > 1) {
                        break;
                    }
                    return v;
                }
            }
            throw corrupt(at, "a varint longer than 10 bytes");
        }

        /** A varint field's value as an int64 (what ONNX's {@code int64} and {@code int32} fields hold). */
        long int64(String what) throws CorruptFileException {
            expect(VARINT, what);
            return varint();
        }

        float fixed32Float(String what) throws CorruptFileException {
            expect(FIXED32, what);
            return Float.intBitsToFloat(readFixed32());
        }

        private int readFixed32() throws CorruptFileException {
            if (end - pos < 4) {
                throw corrupt(pos, "a fixed32 runs past the end of its message");
            }
            int v = ByteBuffer.wrap(b, pos, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
            pos += 4;
            return v;
        }

        /** The bounds {@code [from, to)} of a length-delimited field's bytes, after checking they lie in this message. */
        int[] span(String what) throws CorruptFileException {
            expect(LEN, what);
            int at = pos;
            long length = varint();
            if (length < 0 || length > end - pos) {
                throw corrupt(at, what + " (field " + field + ") declares " + length + " bytes, but its message has only "
                        + (end - pos) + " left");
            }
            int from = pos;
            pos += (int) length;
            return new int[] {from, pos};
        }

        Reader message(String what) throws CorruptFileException {
            int[] s = span(what);
            return new Reader(b, s[0], s[1], file, source);
        }

        byte[] bytes(String what) throws CorruptFileException {
            int[] s = span(what);
            return java.util.Arrays.copyOfRange(b, s[0], s[1]);
        }

        String string(String what) throws CorruptFileException {
            int[] s = span(what);
            try {
                return ByteInput.utf8(ByteBuffer.wrap(b, s[0], s[1] - s[0]));
            } catch (CharacterCodingException e) {
                throw corrupt(s[0], what + " is not valid UTF-8");
            }
        }

        /** Appends a repeated varint field's values, packed (one length-delimited run) or not (one per field). */
        void int64s(LongList into, String what) throws CorruptFileException {
            if (wire == VARINT) {
                into.add(varint());
                return;
            }
            int[] s = span(what);
            Reader packed = new Reader(b, s[0], s[1], file, source);
            while (packed.pos < packed.end) {
                into.add(packed.varint());
            }
        }

        /**
         * A repeated float field's values, packed or not: a packed run is returned whole, an unpacked
         * value as an array of one.
         */
        float[] floats(String what) throws CorruptFileException {
            if (wire == FIXED32) {
                return new float[] {Float.intBitsToFloat(readFixed32())};
            }
            int[] s = span(what);
            if ((s[1] - s[0]) % 4 != 0) {
                throw corrupt(s[0], what + " is " + (s[1] - s[0]) + " bytes, not a whole number of floats");
            }
            float[] f = new float[(s[1] - s[0]) / 4];
            ByteBuffer.wrap(b, s[0], s[1] - s[0]).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
            return f;
        }

        /** Skips the current field's value. */
        void skip() throws CorruptFileException {
            switch (wire) {
                case VARINT -> varint();
                case FIXED64 -> {
                    if (end - pos < 8) {
                        throw corrupt(pos, "a fixed64 runs past the end of its message");
                    }
                    pos += 8;
                }
                case FIXED32 -> readFixed32();
                default -> span("field " + field);
            }
        }
    }

    /** A growable list of longs (dims, ints), so repeated fields cost no boxing. */
    static final class LongList {
        private long[] v = new long[4];
        private int n;

        void add(long x) {
            if (n == v.length) {
                v = java.util.Arrays.copyOf(v, 2 * n);
            }
            v[n++] = x;
        }

        int size() {
            return n;
        }

        long get(int i) {
            return v[i];
        }

        long[] toArray() {
            return java.util.Arrays.copyOf(v, n);
        }
    }

    /** Writes one message's fields; nest a message by writing it to its own Writer and adding {@link #message}. */
    static final class Writer {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        private void key(int field, int wire) {
            varint(((long) field << 3) | wire);
        }

        private void varint(long v) {
            while ((v & ~0x7FL) != 0) {
                out.write((int) ((v & 0x7F) | 0x80));
                v >>>= 7;
            }
            out.write((int) v);
        }

        Writer int64(int field, long v) {
            key(field, VARINT);
            varint(v);
            return this;
        }

        Writer float32(int field, float f) {
            key(field, FIXED32);
            int bits = Float.floatToRawIntBits(f);
            for (int i = 0; i < 4; i++) {
                out.write(bits >>> (8 * i));
            }
            return this;
        }

        Writer bytes(int field, byte[] b) {
            key(field, LEN);
            varint(b.length);
            out.writeBytes(b);
            return this;
        }

        Writer string(int field, String s) {
            return bytes(field, s.getBytes(StandardCharsets.UTF_8));
        }

        Writer message(int field, Writer m) {
            return bytes(field, m.toByteArray());
        }

        byte[] toByteArray() {
            return out.toByteArray();
        }
    }
}
