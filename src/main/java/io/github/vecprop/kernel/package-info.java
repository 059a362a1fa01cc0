/**
 * The arithmetic behind every layer: {@link io.github.vecprop.kernel.Kernels}, with a scalar implementation
 * ({@link io.github.vecprop.kernel.ScalarKernels}, the test oracle and fallback) and a SIMD one on the JDK
 * Vector API ({@link io.github.vecprop.kernel.PanamaKernels}, with its gemm in {@code PanamaGemm} and the
 * served dense layer, on weights packed once, in {@code PanamaDense}), chosen once per JVM by
 * {@link io.github.vecprop.kernel.KernelProvider}.
 *
 * <h2>Rules for Vector API code here</h2>
 * Vector API code is fast only when C2 turns every vector into a register. When it does not, each vector
 * operation allocates a box, and the kernel runs tens of times slower. That has happened here, in one JVM
 * run of several, with code that passed every test in the others. The rules below come from those cases.
 * <ul>
 *   <li>Species are {@code static final} constants, and there is one: the preferred species (with its int
 *       twin for exp's bit tricks). The Vector API's shared methods ({@code FloatVector.fma}, say) keep one
 *       type profile for every caller in the JVM; once a second shape flows through them, C2 may compile
 *       any kernel with boxed vectors. Seen: a 1.5-vector gemm kernel on a 256-bit species made the
 *       served dense layer allocate 96 KB per four calls, for good, and {@code WarmUpTest}'s softmax 18 KB
 *       per call, in every run of the kernel tests after it (one CI run of several before that).
 *       {@code OneVectorShapeTest} keeps other shapes out of these sources.</li>
 *   <li>No vector or mask crosses a method boundary: helpers take and return arrays, indices and
 *       scalars. A helper that C2 does not inline would receive boxed vectors.</li>
 *   <li>A masked load or store only where its whole vector window fits the array. A window past the end
 *       takes the slow path, and once C2 has profiled it, it may compile the kernel with boxed vectors
 *       (seen: 100x50x10 gemm 60 times slower, kilobytes per call).</li>
 *   <li>Keep kernel methods small enough to inline fully: the Vector API's own methods nest deeply, and a
 *       kernel inlined into a deep caller can hit C2's inlining depth limit (seen in a JMH harness).</li>
 *   <li>Every new vector path gets a property test against the scalar twin, a planted bug that the test
 *       catches, and an allocation check in steady state ({@code WarmUpTest}, {@code ModelTest},
 *       {@code GemmThreadsTest}, {@code DenseProperties}). A vector version of 1xN products with N below a
 *       vector was once reverted because it allocated in one CI run of four; JFR allocation sampling later
 *       showed the mechanism on a helper that took a vector: C2 compiled its caller from a tier without
 *       profiles, judged the call cold and did not inline it. The served 1xN path ({@code PanamaDense.gemvOne})
 *       keeps every vector inside one method.</li>
 *   <li>No {@code reduceLanes(ADD)} on floats where results must repeat: the API leaves the order open and
 *       the interpreter and C2 use different ones. Store the vector and add its lanes in a fixed order
 *       ({@code PanamaGemm.sumLanes}), or, for many vectors at once, reduce them in registers by an explicit
 *       tree of blends, shuffles and adds ({@code PanamaGemm.dots}).</li>
 *   <li>No {@code lanewise(EXP)}, {@code TANH} or {@code LOG} where results must repeat: they compute in Java
 *       until C2 swaps in a native library with other last bits, so a kernel's output changes during a
 *       run. {@code VectorMath} has exp and tanh from IEEE operations only, with
 *       scalar twins of the same bits for the tails. Its vector forms take arrays, never vectors: no vector
 *       crosses a call, because C2's inlining of a vector helper depends on a profile the code cannot control
 *       (an exp helper that inlined on 8 lanes boxed every vector on 16, 12 KB per training step).</li>
 *   <li>Measure with JMH, 3 forks or more: fork-to-fork spread on this machine reaches 20%.</li>
 * </ul>
 */
package io.github.vecprop.kernel;
