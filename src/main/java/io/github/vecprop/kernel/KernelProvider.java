package io.github.vecprop.kernel;

import java.lang.management.ManagementFactory;
import java.util.List;

/**
 * Chooses the {@link Kernels} implementation once per JVM: {@link PanamaKernels} when the Vector API
 * can be used, otherwise {@link ScalarKernels}, logging one line that says which and why, through
 * {@link System.Logger} (logger {@code io.github.vecprop.kernel}), so an application routes it to its
 * own logging: INFO for the SIMD kernels or a requested choice, WARNING when a missing prerequisite
 * forces the scalar ones.
 *
 * <p>Scalar is chosen when the system property {@code vecprop.kernels} is {@code scalar}, when the
 * module {@code jdk.incubator.vector} is not in the boot layer (start the JVM with
 * {@code --add-modules jdk.incubator.vector} to enable it), or when the C2 compiler is off
 * ({@code -XX:TieredStopAtLevel} below 4 or {@code -Xint}), because interpreted vector code is far
 * slower than scalar loops, or when the preferred vector is too short for the SIMD kernels (fewer than
 * 4 floats, e.g. under {@code -XX:MaxVectorSize=8}). {@code vecprop.kernels=panama} forces the SIMD kernels and fails if the
 * module is missing.
 */
public final class KernelProvider {
    /** System property that overrides the choice: {@code scalar} or {@code panama}. */
    public static final String PROPERTY = "vecprop.kernels";

    private static final System.Logger LOG = System.getLogger("io.github.vecprop.kernel");
    private static final Kernels CHOSEN = choose();

    private KernelProvider() {
    }

    /** The kernels this JVM uses (chosen on first call, then fixed). */
    public static Kernels get() {
        return CHOSEN;
    }

    /** The scalar reference kernels, whatever {@link #get()} chose. */
    public static Kernels scalar() {
        return ScalarKernels.INSTANCE;
    }

    /**
     * The SIMD kernels, whatever {@link #get()} chose.
     *
     * @throws IllegalStateException if {@code jdk.incubator.vector} is not available
     */
    public static Kernels panama() {
        if (!vectorModulePresent()) {
            throw new IllegalStateException("the Vector API is not available: start the JVM with --add-modules jdk.incubator.vector");
        }
        if (!PanamaKernels.supported()) {
            throw new IllegalStateException("the SIMD kernels cannot run: " + vectorsTooShort());
        }
        return PanamaKernels.INSTANCE;
    }

    /**
     * Runs every kernel of {@link #get()} on small inputs until C2 has compiled them, so the first
     * real calls are fast: before compilation, Vector API code allocates on every operation and is
     * orders of magnitude slower (a first 512³ gemm took 1.2 s). Compilation is observed as the point
     * where rounds of calls stop allocating (the thread allocation counter) and the JIT's accumulated
     * compilation time (whole milliseconds, so a very short compilation may pass unseen) stands still, three
     * rounds in a row, within
     * {@code maxMillis}. Other threads compiling code all the while keep that clock moving: warm up before
     * starting them. Call it once at start-up, off the request path; it is thread-safe.
     *
     * @return true if the kernels reached that steady state (no allocation, the JIT clock still) within the time budget
     */
    public static boolean warmUp(long maxMillis) {
        return WarmUp.run(CHOSEN, maxMillis);
    }

    /**
     * Runs {@code round} repeatedly until the steady state of {@link #warmUp(long)} (three rounds in a row with
     * no allocation on this thread and the JIT's clock still) or until {@code maxMillis} have passed: for
     * warming up an application's own calls on the shapes it will run. Not a substitute for
     * {@link #warmUp(long)} first: that compiles every kernel path. Runs {@code round} on the calling thread;
     * thread-safe as far as {@code round} is. A budget of 0 or less runs no round.
     *
     * @return true if that steady state was reached within the budget
     */
    public static boolean warmUp(Runnable round, long maxMillis) {
        if (round == null) {
            throw new IllegalArgumentException("round is null");
        }
        return WarmUp.until(round, maxMillis);
    }

    /**
     * Runs {@code round} at least once, then again until two rounds in a row pass with the JIT's accumulated
     * compilation time still, starting a round only while {@code maxMillis} have not passed (a round, once started,
     * runs to its end): for rounds that allocate, such as a whole training loop, for which
     * {@link #warmUp(Runnable, long)} would run out its budget. Code that a round calls a few hundred times reaches
     * C2's thresholds only after several rounds, so such compilations come round after round before they stop.
     * The clock is the whole JVM's, in whole milliseconds: other threads compiling keep it moving (then the budget
     * ends the rounds), and a very short compilation may pass unseen. Where the runtime does not report compilation
     * time, one round. A budget of 0 or less runs no round. Runs {@code round} on the calling thread; thread-safe as
     * far as {@code round} is.
     *
     * @return true if two rounds in a row left the JIT's clock still within the budget
     */
    public static boolean warmUpUntilCompiled(Runnable round, long maxMillis) {
        if (round == null) {
            throw new IllegalArgumentException("round is null");
        }
        return WarmUp.untilCompiled(round, maxMillis);
    }

    private static Kernels choose() {
        String requested = System.getProperty(PROPERTY, "").trim();
        if (requested.equals("panama")) {
            Kernels k = panama();
            LOG.log(System.Logger.Level.INFO, "vecprop kernels: panama (SIMD, " + PanamaKernels.lanes() + " float lanes), forced by -D" + PROPERTY + "=panama");
            return k;
        }
        if (requested.equals("scalar")) {
            LOG.log(System.Logger.Level.INFO, "vecprop kernels: scalar, as requested by -D" + PROPERTY + "=scalar");
            return ScalarKernels.INSTANCE;
        }
        if (!requested.isEmpty()) {
            throw new IllegalStateException("-D" + PROPERTY + "=" + requested + " is not understood: use scalar or panama");
        }
        if (!vectorModulePresent()) {
            LOG.log(System.Logger.Level.WARNING, "vecprop kernels: scalar, because module jdk.incubator.vector is not loaded;"
                    + " start the JVM with --add-modules jdk.incubator.vector for the SIMD kernels");
            return ScalarKernels.INSTANCE;
        }
        String c2Off = c2Disabled();
        if (c2Off != null) {
            LOG.log(System.Logger.Level.WARNING, "vecprop kernels: scalar, because the C2 compiler is off (" + c2Off
                    + "); interpreted vector code is slower than scalar loops. Remove that flag for the SIMD kernels");
            return ScalarKernels.INSTANCE;
        }
        if (!PanamaKernels.supported()) {
            LOG.log(System.Logger.Level.WARNING, "vecprop kernels: scalar, because " + vectorsTooShort());
            return ScalarKernels.INSTANCE;
        }
        if (fmaOff()) {
            LOG.log(System.Logger.Level.WARNING, "vecprop kernels: scalar, because the JVM does not use FMA instructions (UseFMA is off: no hardware"
                    + " FMA, or -XX:-UseFMA); the SIMD kernels' fused multiply-adds would then run in software");
            return ScalarKernels.INSTANCE;
        }
        LOG.log(System.Logger.Level.INFO, "vecprop kernels: panama (SIMD, " + PanamaKernels.lanes() + " float lanes)");
        return PanamaKernels.INSTANCE;
    }

    private static String vectorsTooShort() {
        return "this JVM's preferred vector holds " + PanamaKernels.lanes()
                + " floats and the SIMD kernels need at least 4 (see -XX:MaxVectorSize)";
    }

    private static boolean vectorModulePresent() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    /** Whether HotSpot reports UseFMA off; false where the flag does not exist or cannot be read. */
    private static boolean fmaOff() {
        try {
            com.sun.management.HotSpotDiagnosticMXBean hs =
                    ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
            return hs != null && "false".equals(hs.getVMOption("UseFMA").getValue());
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    /** The JVM flag that disables C2, or null if C2 is on. */
    private static String c2Disabled() {
        try {
            List<String> args = ManagementFactory.getRuntimeMXBean().getInputArguments();
            for (String a : args) {
                if (a.equals("-Xint")) {
                    return a;
                }
                if (a.startsWith("-XX:TieredStopAtLevel=") && !a.endsWith("=4")) {
                    return a;
                }
            }
        } catch (RuntimeException | LinkageError e) {
            // java.management may be absent in a trimmed runtime; then assume the default (C2 on).
        }
        return null;
    }
}
