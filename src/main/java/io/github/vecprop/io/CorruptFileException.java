package io.github.vecprop.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A file (or stream) that cannot be read as the format the reader expects: malformed, truncated,
 * failing its checksum, using a feature of the format that vecprop does not read (an IDX element
 * type other than unsigned byte, a Fortran-order or integer {@code .npy}, an unknown model file
 * version), well-formed but unsuitable for what it is read as (a model file whose tensors do not fit
 * its architecture, test images of another size than the training images), or, as the subclass
 * {@link FileTooLargeException}, larger than a read may allocate. The message reads
 * {@code "<source>: at byte <offset>: <what>"}, one line, at most about 2,000 characters (text quoted
 * from the file is cut short).
 *
 * <p>Offsets count bytes from the start of the file; for gzip-compressed input they count
 * decompressed bytes, and for a member of a {@code .npz} archive they count from the start of that
 * member's decompressed data. An offset of -1 means the error has no single position (e.g. a zip
 * archive whose directory cannot be parsed).
 */
public class CorruptFileException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final String source;
    private final long offset;

    /** The file at {@code file} is corrupt at byte {@code offset} (-1 if unknown) because of {@code what}. */
    public CorruptFileException(Path file, long offset, String what) {
        this(file, String.valueOf(file), offset, what, null);
    }

    /**
     * Input known only by a name (a stream, e.g. a classpath resource) is corrupt at byte {@code offset}
     * (-1 if unknown) because of {@code what}.
     */
    public CorruptFileException(String source, long offset, String what) {
        this(null, source, offset, what, null);
    }

    /** The general form: {@code file} may be null when the input is a stream; {@code source} names the input in the message. */
    CorruptFileException(Path file, String source, long offset, String what, Throwable cause) {
        super(oneLine(source, 500) + (offset >= 0 ? ": at byte " + offset : "") + ": " + oneLine(what, 2000), cause);
        this.file = file;
        this.source = source;
        this.offset = offset;
    }

    /** Text from a hostile file can be huge or hold line breaks; a message stays one readable line. */
    private static String oneLine(String text, int max) {
        // Names and text from a file (a zip member's name) may hold any character: no line breaks or escapes reach a log.
        String s = text.replaceAll("[\\r\\n]+", " ").replaceAll("[\\p{Cntrl}&&[^\\t]]", "?");
        return s.length() <= max ? s : s.substring(0, max) + "... (" + s.length() + " characters)";
    }

    /** The file, or empty if the input was a stream known only by its {@link #source() name}. */
    public Optional<Path> file() {
        return Optional.ofNullable(file);
    }

    /**
     * The name of the input as it appears in the message: the file's path, a stream's name, or for an
     * archive member the archive's path and the member's name.
     */
    public String source() {
        return source;
    }

    /** The byte offset of the problem (see the class comment for what it counts), or -1 if it has none. */
    public long offset() {
        return offset;
    }
}
