package io.github.vecprop.jmh;

import io.github.vecprop.kernel.DenseWeights;
import io.github.vecprop.kernel.GemmThreads;
import io.github.vecprop.kernel.KernelProvider;
import io.github.vecprop.kernel.Kernels;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas;
import org.ejml.data.FMatrixRMaj;
import org.ejml.dense.row.CommonOps_FDRM;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * {@code C = op(A) · op(B)} for the shapes backprop uses, vecprop against its scalar kernels, EJML and
 * OpenBLAS (on native buffers, and on {@code float[]} which JavaCPP copies in and out). Shapes are
 * {@code MxKxN[:NN|NT|TN]}: {@code op(A)} is M x K, {@code op(B)} is K x N. GFLOPS = 2MNK / time.
 * {@code threads} is vecprop's gemm parallelism and OpenBLAS's thread count; scalar and EJML are
 * single-threaded whatever it says.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 3, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class GemmBenchmark {
    @Param({"1x784x50", "100x784x50", "100x50x10", "256x256x256", "512x512x512", "1024x1024x1024",
            "784x100x50:TN", "100x50x784:NT"})
    public String shape;

    /**
     * Also {@code vecprop-packed}, not run by default: B packed once as a served layer's weights
     * ({@code Kernels.packDense}, zero bias) and multiplied by {@code Kernels.dense}, the compiled model's path,
     * single-threaded. NN shapes only: {@code -p impl=vecprop-packed -p shape=100x784x50 -p threads=1}.
     */
    @Param({"vecprop", "scalar", "ejml", "openblas", "openblas-float[]"})
    public String impl;

    @Param({"1", "2"})
    public int threads;

    /**
     * A's values: {@code random} in [-1, 1), or {@code images}: images of the embedded Fashion-MNIST subset (about
     * half their pixels zero), for kernels whose speed depends on the data. {@code images} needs op(A) with 784
     * columns (A by rows, one image a row: 100x784x50, the first layer's forward) or 784 rows ({@code :TN}, one
     * image a column of op(A): 784x100x50:TN, its dW); the other side is the number of images.
     */
    @Param({"random"})
    public String data;

    private int m;
    private int n;
    private int k;
    private boolean transA;
    private boolean transB;
    private float[] a;
    private float[] b;
    private float[] c;
    private Kernels kernels;
    private DenseWeights packed;
    private FMatrixRMaj ea;
    private FMatrixRMaj eb;
    private FMatrixRMaj ec;
    private FloatPointer pa;
    private FloatPointer pb;
    private FloatPointer pc;

    @Setup(Level.Trial)
    public void setUp() {
        String[] parts = shape.split(":");
        String[] dims = parts[0].split("x");
        m = Integer.parseInt(dims[0]);
        k = Integer.parseInt(dims[1]);
        n = Integer.parseInt(dims[2]);
        String op = parts.length > 1 ? parts[1] : "NN";
        transA = op.charAt(0) == 'T';
        transB = op.charAt(1) == 'T';
        a = switch (data) {
            case "random" -> random(1, m * k);
            case "images" -> {
                if ((transA ? m : k) != BenchData.PIXELS) {
                    throw new IllegalArgumentException("data=images needs op(A) with 784 columns, or 784 rows with :TN, not "
                            + shape);
                }
                yield BenchData.images(transA ? k : m);
            }
            default -> throw new IllegalArgumentException("data is random or images, not " + data);
        };
        b = random(2, k * n);
        c = new float[m * n];
        switch (impl) {
            case "vecprop" -> {
                kernels = KernelProvider.panama();
                GemmThreads.setDefaultParallelism(threads);
            }
            case "vecprop-packed" -> {
                if (transA || transB) {
                    throw new IllegalArgumentException("vecprop-packed takes NN shapes only, not " + shape);
                }
                kernels = KernelProvider.panama();
                packed = kernels.packDense(b, 0, k, n, new float[n], 0);
            }
            case "scalar" -> kernels = KernelProvider.scalar();
            case "ejml" -> {
                ea = transA ? new FMatrixRMaj(k, m, true, a) : new FMatrixRMaj(m, k, true, a);
                eb = transB ? new FMatrixRMaj(n, k, true, b) : new FMatrixRMaj(k, n, true, b);
                ec = new FMatrixRMaj(m, n);
            }
            case "openblas", "openblas-float[]" -> {
                // The kernel OpenBLAS picked is printed at load time by OPENBLAS_VERBOSE=2 (see the README's command);
                // these bindings do not expose openblas_get_corename.
                openblas.blas_set_num_threads(threads);
                System.err.println("OpenBLAS threads: " + openblas.blas_get_num_threads()
                        + ", OPENBLAS_CORETYPE=" + System.getenv("OPENBLAS_CORETYPE"));
                pa = new FloatPointer(a);
                pb = new FloatPointer(b);
                pc = new FloatPointer(c);
            }
            default -> throw new IllegalArgumentException("unknown impl " + impl);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (pa != null) {
            pa.close();
            pb.close();
            pc.close();
        }
    }

    private static float[] random(long seed, int size) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return x;
    }

    @Benchmark
    public Object gemm() {
        int lda = transA ? m : k;
        int ldb = transB ? k : n;
        switch (impl) {
            case "vecprop", "scalar" -> {
                kernels.gemm(transA, transB, m, n, k, 1f, a, 0, lda, b, 0, ldb, 0f, c, 0, n);
                return c;
            }
            case "vecprop-packed" -> {
                kernels.dense(packed, a, 0, c, 0, m);
                return c;
            }
            case "ejml" -> {
                if (transA) {
                    CommonOps_FDRM.multTransA(ea, eb, ec);
                } else if (transB) {
                    CommonOps_FDRM.multTransB(ea, eb, ec);
                } else {
                    CommonOps_FDRM.mult(ea, eb, ec);
                }
                return ec;
            }
            case "openblas" -> {
                openblas.cblas_sgemm(openblas.CblasRowMajor, transA ? openblas.CblasTrans : openblas.CblasNoTrans,
                        transB ? openblas.CblasTrans : openblas.CblasNoTrans, m, n, k, 1f, pa, lda, pb, ldb, 0f, pc, n);
                return pc;
            }
            default -> {
                openblas.cblas_sgemm(openblas.CblasRowMajor, transA ? openblas.CblasTrans : openblas.CblasNoTrans,
                        transB ? openblas.CblasTrans : openblas.CblasNoTrans, m, n, k, 1f, a, lda, b, ldb, 0f, c, n);
                return c;
            }
        }
    }
}
