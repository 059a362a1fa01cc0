package io.github.vecprop.io;

import java.nio.file.Path;

/**
 * A well-formed file whose data is larger than a read may allocate: its declared size exceeds the
 * {@link ReadLimit}, or the Java heap cannot hold it. The message names the file, the offset of the
 * size field and both sizes. Nothing the file declared was allocated.
 */
public class FileTooLargeException extends CorruptFileException {
    private static final long serialVersionUID = 1L;

    FileTooLargeException(Path file, String source, long offset, String what) {
        super(file, source, offset, what, null);
    }
}
