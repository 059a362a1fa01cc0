package io.github.vecprop.kernel;

/**
 * Argument validation shared by every GEMM implementation ({@link ScalarGemm}, {@link PanamaGemm}).
 *
 * <p>One call checks, in this order: dimensions are non-negative, arrays are non-null, C does not share
 * its array with A or B, offsets are non-negative, leading dimensions are large enough, and the addressed
 * region of each matrix lies inside its array. Every failure is an {@link IllegalArgumentException} whose
 * message names the offending values. All bound arithmetic is done in {@code long}, so huge dimensions
 * cannot overflow into a false pass.
 *
 * <p>Zero-sized problems are legal: with {@code m == 0} or {@code n == 0} nothing is addressed in C;
 * with {@code k == 0} nothing is addressed in A or B (and the kernels compute {@code C = beta * C}).
 */
final class GemmArgs {

    private GemmArgs() {
    }

    /**
     * Validates the arguments of {@code C = alpha * op(A) * op(B) + beta * C}; see
     * {@link Kernels#gemm} for their meaning.
     *
     * @throws IllegalArgumentException naming the offending values if any argument is invalid
     */
    static void check(boolean transA, boolean transB, int m, int n, int k,
                      float[] a, int aOff, int lda,
                      float[] b, int bOff, int ldb,
                      float[] c, int cOff, int ldc) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException(
                    "gemm dimensions must be >= 0: m=" + m + ", n=" + n + ", k=" + k);
        }
        if (a == null || b == null || c == null) {
            throw new IllegalArgumentException("gemm arrays must not be null: a=" + describe(a)
                    + ", b=" + describe(b) + ", c=" + describe(c));
        }
        if (c == a) {
            throw new IllegalArgumentException("C aliases A: gemm output must not share its array with an input");
        }
        if (c == b) {
            throw new IllegalArgumentException("C aliases B: gemm output must not share its array with an input");
        }
        // Stored shapes: A is m x k, or k x m when transposed; B is k x n, or n x k when transposed.
        if (transA) {
            region("A", "a", "aOff", "lda", a, aOff, lda, k, m, "k", "m", "k x m, transposed");
        } else {
            region("A", "a", "aOff", "lda", a, aOff, lda, m, k, "m", "k", "m x k, not transposed");
        }
        if (transB) {
            region("B", "b", "bOff", "ldb", b, bOff, ldb, n, k, "n", "k", "n x k, transposed");
        } else {
            region("B", "b", "bOff", "ldb", b, bOff, ldb, k, n, "k", "n", "k x n, not transposed");
        }
        region("C", "c", "cOff", "ldc", c, cOff, ldc, m, n, "m", "n", "m x n");
    }

    /**
     * Checks one stored {@code rows x cols} row-major matrix at {@code off} with row stride {@code ld}.
     */
    private static void region(String matrix, String arrayName, String offName, String ldName,
                               float[] array, int off, int ld, int rows, int cols,
                               String rowsName, String colsName, String layout) {
        if (off < 0) {
            throw new IllegalArgumentException(offName + "=" + off + " < 0 for " + matrix + " (" + layout + ")");
        }
        if (ld < cols) {
            throw new IllegalArgumentException(ldName + "=" + ld + " < " + colsName + "=" + cols
                    + " for " + matrix + " (" + layout + ")");
        }
        if (rows == 0 || cols == 0) {
            return; // nothing addressed
        }
        long needed = (long) off + (long) (rows - 1) * ld + cols;
        if (needed > array.length) {
            throw new IllegalArgumentException(matrix + " (" + layout + ", " + rowsName + "=" + rows + ", "
                    + colsName + "=" + cols + ") out of bounds: needs " + offName + " + (" + rowsName + "-1)*"
                    + ldName + " + " + colsName + " = " + off + " + " + (rows - 1) + "*" + ld + " + " + cols
                    + " = " + needed + " elements but " + arrayName + ".length=" + array.length);
        }
    }

    private static String describe(float[] x) {
        return x == null ? "null" : "float[" + x.length + "]";
    }
}
