package io.github.vecprop.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** First SIMD matmul: row axpy for B not transposed, row dot products for B transposed. Unblocked. */
final class PanamaGemm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private PanamaGemm() {
    }

    static void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
                     float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc, int parallelism) {
        GemmArgs.check(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        if (transA && transB) {
            ScalarGemm.gemm(true, true, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            return;
        }
        int bound = S.loopBound(n);
        for (int i = 0; i < m; i++) {
            int ci = cOff + i * ldc;
            for (int j = 0; j < n; j++) {
                c[ci + j] = beta == 0f ? 0f : beta * c[ci + j];
            }
            if (!transB) {
                for (int p = 0; p < k; p++) {
                    float aip = alpha * (transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p]);
                    int bp = bOff + p * ldb;
                    int j = 0;
                    for (; j < bound; j += S.length()) {
                        FloatVector.fromArray(S, b, bp + j).fma(FloatVector.broadcast(S, aip), FloatVector.fromArray(S, c, ci + j)).intoArray(c, ci + j);
                    }
                    for (; j < n; j++) {
                        c[ci + j] += aip * b[bp + j];
                    }
                }
            } else {
                int ai = aOff + i * lda;
                int kb = S.loopBound(k);
                for (int j = 0; j < n; j++) {
                    int bj = bOff + j * ldb;
                    FloatVector acc = FloatVector.zero(S);
                    int p = 0;
                    for (; p < kb; p += S.length()) {
                        acc = FloatVector.fromArray(S, a, ai + p).fma(FloatVector.fromArray(S, b, bj + p), acc);
                    }
                    float s = acc.reduceLanes(VectorOperators.ADD);
                    for (; p < k; p++) {
                        s += a[ai + p] * b[bj + p];
                    }
                    c[ci + j] += alpha * s;
                }
            }
        }
    }
}
