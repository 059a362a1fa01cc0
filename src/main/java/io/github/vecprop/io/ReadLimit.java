package io.github.vecprop.io;

/**
 * The most memory one read of a file may allocate for the data it returns, in bytes (4 per float
 * element, 4 per label, 1 per IDX byte held before conversion), summed over everything that read
 * returns (all members of a {@code .npz}, all tensors of a model file). A file whose header declares
 * more is rejected with a {@link FileTooLargeException} before anything that size is allocated.
 *
 * <p>The limit guards against a payload that really is that large (a gzip or zip member that inflates
 * to more than the heap); a header that merely claims a large size costs nothing either way, since
 * every reader checks declared sizes against the file's length, or, for compressed input, allocates
 * only as the data arrives (so compressed input briefly holds an array twice, as chunks and assembled).
 *
 * <p>Process-wide. The default is half the JVM's maximum heap ({@link Runtime#maxMemory()}), or
 * the value of the system property {@value #PROPERTY} (bytes) if it is set when this class loads.
 * Thread-safe: a change applies to reads that start after it.
 */
public final class ReadLimit {
    /** System property giving the initial limit in bytes. */
    public static final String PROPERTY = "vecprop.io.maxBytes";

    private static volatile long maxBytes = initial();

    private ReadLimit() {
    }

    /** The current limit in bytes. */
    public static long maxBytes() {
        return maxBytes;
    }

    /**
     * Sets the limit for reads that start from now on.
     *
     * @throws IllegalArgumentException if {@code bytes} is not positive
     */
    public static void setMaxBytes(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("the read limit must be positive, got " + bytes);
        }
        maxBytes = bytes;
    }

    private static long initial() {
        String value = System.getProperty(PROPERTY);
        if (value != null) {
            try {
                long v = Long.parseLong(value.trim());
                if (v > 0) {
                    return v;
                }
            } catch (NumberFormatException ignored) {
                // Falls through to the error below, which names the property.
            }
            throw new IllegalStateException("-D" + PROPERTY + "=" + value + " is not a positive number of bytes");
        }
        return Runtime.getRuntime().maxMemory() / 2;
    }
}
