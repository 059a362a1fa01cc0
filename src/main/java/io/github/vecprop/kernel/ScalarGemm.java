package io.github.vecprop.kernel;

/**
 * Plain-Java GEMM: the test oracle for {@link PanamaGemm} and the fallback when the Vector API is not
 * available. Clarity first, but cache-friendly enough to be usable.
 *
 * <p>Semantics are those of {@link Kernels#gemm}: {@code C = alpha * op(A) * op(B) + beta * C}, row-major,
 * {@code beta == 0} means C is not read. The order of operations:
 * <ol>
 *   <li>C is first scaled: {@code C = beta * C} (or filled with zeros when {@code beta == 0});</li>
 *   <li>then {@code alpha * op(A) * op(B)} is accumulated into it.</li>
 * </ol>
 *
 * <p>When B is not transposed, the loops run i-p-j over blocks of B, so the innermost loop
 * {@code C[i, j] += a * B[p, j]} walks a row of B and a row of C contiguously and C2 auto-vectorises it.
 * When B is transposed (stored {@code n x k}), a row of stored B is a column of {@code op(B)}, so each
 * {@code C[i, j]} is a dot product over contiguous memory (when A is not transposed as well).
 */
final class ScalarGemm {

    /** Columns of C / B per block: a row block of B of this width stays in cache while i runs. */
    private static final int NB = 512;
    /** Rows of op(B) per block. */
    private static final int KB = 128;

    private ScalarGemm() {
    }

    /** {@code C = alpha * op(A) * op(B) + beta * C}; see {@link Kernels#gemm}. */
    static void gemm(boolean transA, boolean transB, int m, int n, int k,
                     float alpha, float[] a, int aOff, int lda,
                     float[] b, int bOff, int ldb,
                     float beta, float[] c, int cOff, int ldc) {
        GemmArgs.check(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        if (m == 0 || n == 0) {
            return;
        }
        scale(m, n, beta, c, cOff, ldc);
        if (k == 0) {
            return;
        }
        // Element (i, p) of op(A) is a[aOff + i * aRow + p * aCol].
        int aRow = transA ? 1 : lda;
        int aCol = transA ? lda : 1;
        if (!transB) {
            accumulateRowsOfB(m, n, k, alpha, a, aOff, aRow, aCol, b, bOff, ldb, c, cOff, ldc);
        } else {
            accumulateDots(m, n, k, alpha, a, aOff, aRow, aCol, b, bOff, ldb, c, cOff, ldc);
        }
    }

    /** {@code C = beta * C}, writing zeros without reading C when {@code beta == 0}. */
    private static void scale(int m, int n, float beta, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            int row = cOff + i * ldc;
            if (beta == 0f) {
                java.util.Arrays.fill(c, row, row + n, 0f);
            } else if (beta != 1f) {
                for (int j = 0; j < n; j++) {
                    c[row + j] *= beta;
                }
            }
        }
    }

    /** {@code C += alpha * op(A) * B} with B stored {@code k x n}: blocked i-p-j, contiguous inner loop. */
    private static void accumulateRowsOfB(int m, int n, int k, float alpha,
                                          float[] a, int aOff, int aRow, int aCol,
                                          float[] b, int bOff, int ldb,
                                          float[] c, int cOff, int ldc) {
        for (int j0 = 0; j0 < n; j0 += NB) {
            int j1 = Math.min(n, j0 + NB);
            for (int p0 = 0; p0 < k; p0 += KB) {
                int p1 = Math.min(k, p0 + KB);
                for (int i = 0; i < m; i++) {
                    int cRow = cOff + i * ldc;
                    for (int p = p0; p < p1; p++) {
                        float aip = alpha * a[aOff + i * aRow + p * aCol];
                        int bRow = bOff + p * ldb;
                        for (int j = j0; j < j1; j++) {
                            c[cRow + j] += aip * b[bRow + j];
                        }
                    }
                }
            }
        }
    }

    /** {@code C += alpha * op(A) * Bᵀ} with B stored {@code n x k}: each element is a dot product. */
    private static void accumulateDots(int m, int n, int k, float alpha,
                                       float[] a, int aOff, int aRow, int aCol,
                                       float[] b, int bOff, int ldb,
                                       float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            int aBase = aOff + i * aRow;
            int cRow = cOff + i * ldc;
            for (int j = 0; j < n; j++) {
                int bBase = bOff + j * ldb;
                // Four independent partial sums: shorter dependency chains, and a slightly better error bound.
                float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
                int p = 0;
                for (; p + 3 < k; p += 4) {
                    s0 += a[aBase + p * aCol] * b[bBase + p];
                    s1 += a[aBase + (p + 1) * aCol] * b[bBase + p + 1];
                    s2 += a[aBase + (p + 2) * aCol] * b[bBase + p + 2];
                    s3 += a[aBase + (p + 3) * aCol] * b[bBase + p + 3];
                }
                for (; p < k; p++) {
                    s0 += a[aBase + p * aCol] * b[bBase + p];
                }
                c[cRow + j] += alpha * ((s0 + s1) + (s2 + s3));
            }
        }
    }
}
