package io.github.vecprop.kernel;

/** Argument checks for gemm. */
final class GemmArgs {
    private GemmArgs() {
    }

    static void check(boolean transA, boolean transB, int m, int n, int k, float[] a, int aOff, int lda,
                      float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("negative gemm dimensions: m=" + m + ", n=" + n + ", k=" + k);
        }
        if (c == a || c == b) {
            throw new IllegalArgumentException("C aliases " + (c == a ? "A" : "B") + ": gemm output must not share its array with an input");
        }
        matrix("A", a, aOff, lda, transA ? k : m, transA ? m : k);
        matrix("B", b, bOff, ldb, transB ? n : k, transB ? k : n);
        matrix("C", c, cOff, ldc, m, n);
    }

    private static void matrix(String name, float[] x, int off, int ld, int rows, int cols) {
        if (ld < cols) {
            throw new IllegalArgumentException("leading dimension of " + name + " is " + ld + " but its stored rows have " + cols + " columns");
        }
        if (rows > 0 && cols > 0) {
            Checks.range(name, x, off, (long) (rows - 1) * ld + cols);
        }
    }
}
