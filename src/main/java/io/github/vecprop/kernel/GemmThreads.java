package io.github.vecprop.kernel;

/** The parallelism gemm may use. */
public final class GemmThreads {
    private static volatile int parallelism = Runtime.getRuntime().availableProcessors();

    private GemmThreads() {
    }

    /** The number of threads a gemm call may use (default: available processors). */
    public static int defaultParallelism() {
        return parallelism;
    }

    /** Sets the number of threads a gemm call may use; 1 keeps every call on the caller's thread. */
    public static void setDefaultParallelism(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("parallelism must be at least 1, got " + threads);
        }
        parallelism = threads;
    }
}
