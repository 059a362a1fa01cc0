package io.github.vecprop.kernel;

/** The reference matmul: a plain (i, j, p) triple loop, one float accumulator per element of C. */
final class ScalarGemm {
    private ScalarGemm() {
    }

    static void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
                     float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        GemmArgs.check(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float s = 0f;
                for (int p = 0; p < k; p++) {
                    float aip = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    float bpj = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    s += aip * bpj;
                }
                int ij = cOff + i * ldc + j;
                c[ij] = alpha * s + (beta == 0f ? 0f : beta * c[ij]);
            }
        }
    }
}
