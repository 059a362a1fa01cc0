package io.github.vecprop.io;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;

/**
 * A strict reader of zip archives, driven by the central directory, for {@code .npz} files: the JDK's
 * {@code ZipFile} checks no CRC and {@code ZipInputStream} stops silently at a damaged local header,
 * so a damaged archive could load with a member changed or missing. Here every member's local header
 * must agree with its central directory entry (name, method), members may not overlap or run into the
 * directory, the directory must fill exactly the space the end record gives it, and the caller checks
 * each member's CRC-32 and size against the directory as it reads (see {@link Member}). Stored and
 * deflated members, and zip64 sizes and offsets, are read; encrypted members, other compression methods
 * and multi-disk archives are rejected. Offsets in errors count from the start of the archive.
 */
final class ZipArchive {
    /** Random access to the archive's bytes: a file, or a stream buffered in memory. */
    interface Source {
        long size();

        /** Reads {@code len} bytes at {@code pos}, which the caller has checked lie within {@link #size()}. */
        void read(long pos, byte[] b, int off, int len) throws IOException;
    }

    /** A member as the central directory describes it; {@code dataOffset} is where its (compressed) data starts. */
    record Member(String name, boolean deflated, long crc, long compressedSize, long size, long localOffset, long dataOffset) {
    }

    private static final int END = 0x06054b50;
    private static final int CENTRAL = 0x02014b50;
    private static final int LOCAL = 0x04034b50;
    private static final int ZIP64_LOCATOR = 0x07064b50;
    private static final int ZIP64_END = 0x06064b50;
    private static final long MASK32 = 0xFFFF_FFFFL;

    private final Source source;
    private final Path file;
    private final String name;
    private final ByteInput.Budget budget;

    /** An archive read from {@code source}; its central directory is charged to {@code budget}. */
    ZipArchive(Source source, Path file, String name, ByteInput.Budget budget) {
        this.source = source;
        this.file = file;
        this.name = name;
        this.budget = budget;
    }

    static Source of(FileChannel channel) throws IOException {
        long size = channel.size();
        return new Source() {
            @Override
            public long size() {
                return size;
            }

            @Override
            public void read(long pos, byte[] b, int off, int len) throws IOException {
                ByteBuffer buf = ByteBuffer.wrap(b, off, len);
                while (buf.hasRemaining()) {
                    if (channel.read(buf, pos + buf.position() - off) < 0) {
                        throw new EOFException("the file shrank while it was read");
                    }
                }
            }
        };
    }

    static Source of(byte[] bytes) {
        return new Source() {
            @Override
            public long size() {
                return bytes.length;
            }

            @Override
            public void read(long pos, byte[] b, int off, int len) {
                System.arraycopy(bytes, (int) pos, b, off, len);
            }
        };
    }

    private CorruptFileException corrupt(long offset, String what) {
        return new CorruptFileException(file, name, offset, what, null);
    }

    private ByteBuffer read(long pos, int len, String what) throws IOException {
        if (pos < 0 || len < 0 || pos > source.size() - len) {
            throw corrupt(Math.max(pos, 0), what + " (" + len + " bytes) does not fit in the " + source.size() + "-byte archive");
        }
        byte[] b = new byte[len];
        source.read(pos, b, 0, len);
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The members, in directory order, after checking the archive's structure as described above. */
    List<Member> members() throws IOException {
        long size = source.size();
        if (size < 22) {
            throw corrupt(0, "not a zip archive: " + size + " bytes, fewer than an empty archive's 22");
        }
        // The end record is the last 22 bytes plus its comment (at most 65,535 bytes).
        int tailLength = (int) Math.min(size, 22 + 65_535);
        ByteBuffer tail = read(size - tailLength, tailLength, "the end of the archive");
        int at = -1;
        for (int i = tailLength - 22; i >= 0; i--) {
            if (tail.getInt(i) == END && i + 22 + (tail.getShort(i + 20) & 0xFFFF) == tailLength) {
                at = i;
                break;
            }
        }
        if (at < 0) {
            throw corrupt(size, "not a zip archive: no end of central directory record at its end");
        }
        long endOffset = size - tailLength + at;
        if (tail.getShort(at + 4) != 0 || tail.getShort(at + 6) != 0) {
            throw corrupt(endOffset + 4, "a multi-disk (split) zip archive, which is not supported");
        }
        long entries = tail.getShort(at + 10) & 0xFFFF;
        if (entries != (tail.getShort(at + 8) & 0xFFFF)) {
            throw corrupt(endOffset + 8, "the end record's two entry counts differ");
        }
        long dirSize = tail.getInt(at + 12) & MASK32;
        long dirOffset = tail.getInt(at + 16) & MASK32;
        long dirEnd = endOffset;
        long sizeAt = endOffset + 12;
        long countAt = endOffset + 10;
        boolean saturated = entries == 0xFFFF || dirSize == MASK32 || dirOffset == MASK32;
        // Python's zipfile writes a zip64 end record whenever the directory lies past 2 GiB, even with
        // exact 32-bit values in the end record: look for its locator always, need it only when saturated.
        boolean zip64 = false;
        if (endOffset >= 20) {
            ByteBuffer locator = read(endOffset - 20, 20, "the zip64 end locator");
            if (locator.getInt(0) == ZIP64_LOCATOR) {
                zip64 = true;
                long recordAt = locator.getLong(8);
                ByteBuffer record = read(recordAt, 56, "the zip64 end record");
                if (record.getInt(0) != ZIP64_END) {
                    throw corrupt(recordAt, "no zip64 end record where the locator points");
                }
                entries = record.getLong(32);
                dirSize = record.getLong(40);
                dirOffset = record.getLong(48);
                dirEnd = recordAt;
                sizeAt = recordAt + 40;
                countAt = recordAt + 32;
                if (entries < 0) {
                    throw corrupt(countAt, "the zip64 end record's entry count is negative");
                }
            }
        }
        if (saturated && !zip64 && entries != 0xFFFF) {
            throw corrupt(endOffset - 20, "the end record says zip64, but there is no zip64 end locator before it");
        }
        if (dirOffset < 0 || dirSize < 0 || dirOffset > dirEnd || dirSize != dirEnd - dirOffset) {
            throw corrupt(sizeAt, "the central directory (" + dirSize + " bytes at " + dirOffset
                    + ") does not end where the end record starts (" + dirEnd + ")");
        }
        if (dirSize > Integer.MAX_VALUE - 8 || entries > dirSize / 46) {
            throw corrupt(countAt, entries + " entries cannot fit in a " + dirSize + "-byte central directory");
        }
        budget.charge(dirSize, file, name, sizeAt, "the central directory");
        ByteBuffer dir = read(dirOffset, (int) dirSize, "the central directory");
        List<Member> members = new ArrayList<>();
        long p = 0;
        for (long n = 0; n < entries; n++) {
            long entryAt = dirOffset + p;
            if (p + 46 > dir.limit() || dir.getInt((int) p) != CENTRAL) {
                throw corrupt(entryAt, "central directory entry " + n + " of " + entries + " is missing or damaged");
            }
            int q0 = (int) p;
            int flags = dir.getShort(q0 + 8) & 0xFFFF;
            int method = dir.getShort(q0 + 10) & 0xFFFF;
            long crc = dir.getInt(q0 + 16) & MASK32;
            long compressed = dir.getInt(q0 + 20) & MASK32;
            long uncompressed = dir.getInt(q0 + 24) & MASK32;
            int nameLength = dir.getShort(q0 + 28) & 0xFFFF;
            int extraLength = dir.getShort(q0 + 30) & 0xFFFF;
            int commentLength = dir.getShort(q0 + 32) & 0xFFFF;
            long localOffset = dir.getInt(q0 + 42) & MASK32;
            long next = p + 46 + nameLength + extraLength + commentLength;
            if (next > dir.limit()) {
                throw corrupt(entryAt, "central directory entry " + n + " runs past the directory's end");
            }
            String memberName = decode(dir, q0 + 46, nameLength, (flags & 0x800) != 0, entryAt);
            // zip64 extra field: the 8-byte values of the fields that say 0xFFFFFFFF, in this order.
            int extraEnd = q0 + 46 + nameLength + extraLength;
            for (int e = q0 + 46 + nameLength; e + 4 <= extraEnd; ) {
                int id = dir.getShort(e) & 0xFFFF;
                int len = dir.getShort(e + 2) & 0xFFFF;
                if (e + 4 + len > extraEnd) {
                    throw corrupt(dirOffset + e, "an extra field of member '" + memberName + "' runs past its entry");
                }
                if (id == 1) {
                    int q = e + 4;
                    if (uncompressed == MASK32 && q + 8 <= e + 4 + len) {
                        uncompressed = dir.getLong(q);
                        q += 8;
                    }
                    if (compressed == MASK32 && q + 8 <= e + 4 + len) {
                        compressed = dir.getLong(q);
                        q += 8;
                    }
                    if (localOffset == MASK32 && q + 8 <= e + 4 + len) {
                        localOffset = dir.getLong(q);
                    }
                }
                e += 4 + len;
            }
            if ((flags & 1) != 0) {
                throw corrupt(entryAt, "member '" + memberName + "' is encrypted, which is not supported");
            }
            if (method != 0 && method != 8) {
                throw corrupt(entryAt + 10, "member '" + memberName + "' uses compression method " + method
                        + "; only stored (0) and deflated (8) are supported");
            }
            if (compressed < 0 || uncompressed < 0 || (method == 0 && compressed != uncompressed)) {
                throw corrupt(entryAt + 20, "member '" + memberName + "' has impossible sizes: " + compressed
                        + " compressed, " + uncompressed + " uncompressed");
            }
            members.add(new Member(memberName, method == 8, crc, compressed, uncompressed, localOffset,
                    local(localOffset, memberName, method, compressed, dirOffset)));
            p = next;
        }
        if (p != dir.limit()) {
            throw corrupt(dirOffset + p, "the central directory has " + (dir.limit() - p) + " bytes after its "
                    + entries + " entries");
        }
        List<Member> byOffset = new ArrayList<>(members);
        byOffset.sort(Comparator.comparingLong(Member::localOffset));
        for (int i = 1; i < byOffset.size(); i++) {
            Member a = byOffset.get(i - 1);
            if (a.dataOffset + a.compressedSize > byOffset.get(i).localOffset) {
                throw corrupt(byOffset.get(i).localOffset, "members '" + a.name + "' and '" + byOffset.get(i).name + "' overlap");
            }
        }
        return members;
    }

    /** Checks a member's local header against its directory entry; returns where its data starts. */
    private long local(long offset, String memberName, int method, long compressed, long dirOffset) throws IOException {
        ByteBuffer h = read(offset, 30, "the local header of member '" + memberName + "'");
        if (h.getInt(0) != LOCAL) {
            throw corrupt(offset, "no local header for member '" + memberName + "' where the central directory points");
        }
        if ((h.getShort(8) & 0xFFFF) != method) {
            throw corrupt(offset + 8, "member '" + memberName + "': the local header's compression method "
                    + (h.getShort(8) & 0xFFFF) + " differs from the central directory's " + method);
        }
        int nameLength = h.getShort(26) & 0xFFFF;
        int extraLength = h.getShort(28) & 0xFFFF;
        ByteBuffer localName = read(offset + 30, nameLength, "the local name of member '" + memberName + "'");
        String n = decode(localName, 0, nameLength, (h.getShort(6) & 0x800) != 0, offset + 30);
        if (!n.equals(memberName)) {
            throw corrupt(offset + 30, "the local header names member '" + n + "' but the central directory '" + memberName + "'");
        }
        long data = offset + 30 + nameLength + extraLength;
        if (compressed > dirOffset - data) {
            throw corrupt(data, "member '" + memberName + "' (" + compressed + " bytes from byte " + data
                    + ") runs into the central directory at " + dirOffset);
        }
        return data;
    }

    private String decode(ByteBuffer b, int at, int length, boolean utf8, long offset) throws CorruptFileException {
        ByteBuffer slice = b.duplicate().position(at).limit(at + length);
        if (!utf8) {
            // Without the UTF-8 flag, names are CP437; NumPy's are ASCII, which both agree on.
            return StandardCharsets.ISO_8859_1.decode(slice).toString();
        }
        try {
            return ByteInput.utf8(slice);
        } catch (CharacterCodingException e) {
            throw corrupt(offset, "a member name is not valid UTF-8");
        }
    }

    /** The member's uncompressed bytes (close the stream); the caller checks their CRC-32 and count against the {@link Member}. */
    InputStream open(Member m) {
        InputStream raw = new InputStream() {
            private long pos = m.dataOffset;
            private final long end = m.dataOffset + m.compressedSize;
            private boolean padded;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (pos >= end) {
                    if (m.deflated && !padded && len > 0) {
                        // A nowrap Inflater may need one byte past the deflate stream to see its end.
                        padded = true;
                        b[off] = 0;
                        return 1;
                    }
                    return -1;
                }
                int n = (int) Math.min(len, end - pos);
                source.read(pos, b, off, n);
                pos += n;
                return n;
            }
        };
        if (!m.deflated) {
            return raw;
        }
        // nowrap: zip members are raw deflate streams, without zlib's header and checksum.
        Inflater inflater = new Inflater(true);
        return new InflaterInputStream(raw, inflater, 1 << 16) {
            @Override
            public void close() throws IOException {
                super.close();
                inflater.end();
            }
        };
    }
}
