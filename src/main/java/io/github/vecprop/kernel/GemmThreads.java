package io.github.vecprop.kernel;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * The worker pool behind multi-threaded GEMM, and the process-wide default degree of parallelism.
 *
 * <p>Large matrix products split their block loops into independent tasks on the kernel's tile grid; the
 * calling thread runs tasks itself and a bounded pool of daemon threads ({@code vecprop-gemm-1},
 * {@code vecprop-gemm-2}, ...; {@link Runtime#availableProcessors()} minus one of them, because the caller
 * is the remaining worker; created lazily on first parallel use) helps. The caller always runs the first task (so a
 * core keeps computing the same part of every product, which stays in its cache); the others are claimed
 * dynamically, so a helper that is slow to wake simply takes fewer
 * (or none) and the caller never waits for a task nobody has started. Results do not depend on how many
 * threads ran: every element of C is computed by the same sequence of floating-point operations.
 *
 * <p>To keep the hand-off cheap for the back-to-back products of a training step, an idle helper spins
 * for a short while (about {@value #SPIN_NANOS} ns) before parking, and the caller spins while waiting for
 * the last task. A helper that parks costs one wake-up on the next parallel call. While idle work is
 * installed ({@link #offerIdleWork}: the trainer's batch gather) helpers run its pieces between products, and
 * park only when it has none pending; the thread that installed it runs its pieces too, while it waits for the
 * helpers' tasks of its own parallel calls.
 *
 * <p><b>Latency-sensitive callers</b> (a server answering one small inference at a time, or an application
 * that already runs one model per core) should call {@code setDefaultParallelism(1)}: every product then
 * runs entirely on the calling thread, with no hand-off and no cross-thread wake-up latency. Small products
 * never use the pool anyway.
 */
public final class GemmThreads {

    private static final int PROCESSORS = Math.max(1, Runtime.getRuntime().availableProcessors());
    /** How long an idle helper spins looking for the next job before it parks. */
    static final long SPIN_NANOS = 200_000L;

    private static volatile int defaultParallelism = PROCESSORS;

    private GemmThreads() {
    }

    /**
     * Sets the number of threads (the caller included) a large matrix product may use by default.
     *
     * @param parallelism at least 1; 1 keeps every product on the calling thread. Values above
     *                    {@link Runtime#availableProcessors()} are accepted but capped at use.
     * @throws IllegalArgumentException if {@code parallelism < 1}
     */
    public static void setDefaultParallelism(int parallelism) {
        if (parallelism < 1) {
            throw new IllegalArgumentException("parallelism=" + parallelism + " must be >= 1");
        }
        defaultParallelism = parallelism;
    }

    /** The default number of threads (the caller included) for a large matrix product; initially {@link Runtime#availableProcessors()}. */
    public static int defaultParallelism() {
        return defaultParallelism;
    }

    /** The most threads (caller included) one product will use: the requested value capped at the processor count. */
    static int usableThreads(int requested) {
        return Math.max(1, Math.min(requested, PROCESSORS));
    }

    /**
     * Work the pool's helpers do in short pieces while no product needs them, and the thread that installed it
     * while it waits for them (the trainer's batch gather, so that with two gemm threads the second core is not
     * shared between a spinning helper and another thread).
     */
    public interface IdleWork {
        /**
         * Does one piece of the work, a few microseconds long, on a pool helper or on the thread that installed
         * it (while that thread waits for helpers in a parallel call); returns false if there is none to do now.
         * May be called by several threads at once (an implementation serialises itself), and even just after
         * {@link #removeIdleWork} by a thread that fetched the work before; what it throws is dropped.
         */
        boolean runPiece();

        /** True if pieces are waiting; a helper parks only when this is false (then {@link #idleWorkArrived} wakes it). */
        boolean hasPendingWork();
    }

    /** The installed idle work with the thread that installed it, which runs pieces of it while it waits for helpers. */
    private record Installed(IdleWork work, Thread owner) {
    }

    private static final AtomicReference<Installed> IDLE_WORK = new AtomicReference<>();

    /**
     * Hands {@code work} to the pool's helpers, if the pool has any, the default parallelism is above 1, and
     * no other idle work is installed; returns whether it was taken. Starts the pool if need be. Call
     * {@link #idleWorkArrived} when new pieces become available and {@link #removeIdleWork} when done. While it is
     * installed, the calling thread also runs its pieces whenever it waits for helpers in a parallel call: the
     * helpers are the bottleneck when they both gather and share the products. Measured on the 2-core Zen 4
     * (784-50-10, two gemm threads, the trainer's gather alternated epoch by epoch within one run, median step of
     * epochs 5-40): 127.8, 129.0, 122.8, 119.1, 124.0, 132.7 µs against 142.6, 129.6, 127.0, 121.1, 132.4, 143.4
     * with the caller only spinning.
     */
    public static boolean offerIdleWork(IdleWork work) {
        // The pool first (it has no helpers on one processor): if its threads cannot start, nothing is left installed.
        if (defaultParallelism < 2 || Pool.HELPERS.length == 0
                || !IDLE_WORK.compareAndSet(null, new Installed(work, Thread.currentThread()))) {
            return false;
        }
        idleWorkArrived();
        return true;
    }

    /** Wakes parked helpers: call after making new pieces of the installed idle work available. */
    public static void idleWorkArrived() {
        for (Helper h : Pool.HELPERS) {
            if (h.parked) {
                LockSupport.unpark(h);
            }
        }
    }

    /**
     * Removes {@code work} if it is the installed idle work. A piece already running finishes, and a helper
     * that fetched the work just before may still start one: the work must ignore calls after it is done.
     */
    public static void removeIdleWork(IdleWork work) {
        Installed installed = IDLE_WORK.get();
        if (installed != null && installed.work() == work) {
            IDLE_WORK.compareAndSet(installed, null);
        }
    }

    /** A parallel body: runs task {@code t}. */
    interface Task {
        void run(int t);
    }

    /** Elementwise work over a range of indices, for {@link #forEachSlice}. */
    public interface Slice {
        /** Does the work for indices {@code [from, to)}. */
        void run(int from, int to);
    }

    /** Slices start at multiples of this many elements (64 bytes of floats), so two threads share at most one line. */
    static final int SLICE_ALIGN = 16;

    /**
     * Runs {@code slice} over {@code [0, n)} in contiguous slices on the caller and the pool (at most the default
     * parallelism, and no slice shorter than {@code minSlice}), the first slice on the caller, and returns when all
     * are done. For elementwise updates of a weight matrix: the slices of two threads are its first and second
     * halves by rows, as a two-thread weight gradient splits them, so each core updates the rows it computed.
     * Results must not depend on the split: each index's work is its own. A slice must not start parallel work
     * itself (another forEachSlice or a large gemm): the calling thread's job is in use. Allocates nothing after a
     * thread's first call; the first exception of a slice is rethrown.
     *
     * @throws IllegalArgumentException if {@code n < 0} or {@code minSlice < 1}
     */
    public static void forEachSlice(int n, int minSlice, Slice slice) {
        if (n < 0 || minSlice < 1) {
            throw new IllegalArgumentException("n=" + n + " must be >= 0 and minSlice=" + minSlice + " >= 1");
        }
        int tasks = Math.min(usableThreads(defaultParallelism), Math.max(1, n / minSlice));
        if (tasks <= 1) {
            slice.run(0, n);
            return;
        }
        SliceCall call = SLICES.get();
        call.n = n;
        call.tasks = tasks;
        call.slice = slice;
        try {
            run(tasks, tasks, call);
        } finally {
            call.slice = null;
        }
    }

    /** Each calling thread's reusable {@link #forEachSlice} call. */
    private static final ThreadLocal<SliceCall> SLICES = ThreadLocal.withInitial(SliceCall::new);

    private static final class SliceCall implements Task {
        int n;
        int tasks;
        Slice slice;

        @Override
        public void run(int t) {
            slice.run(bound(t), bound(t + 1));
        }

        private int bound(int t) {
            return t == tasks ? n : (int) ((long) n * t / tasks) / SLICE_ALIGN * SLICE_ALIGN;
        }
    }

    /** The claim index of a job whose owner is rewriting it: no task can be claimed. */
    private static final int CLOSED = Integer.MAX_VALUE;

    /**
     * A calling thread's parallel call, reused for every call it makes so a call allocates nothing.
     * {@code ctl} holds the call's generation (high 32 bits) and the next unclaimed task (low 32 bits).
     * A task is claimed by a compare-and-set on {@code ctl}, so a helper still holding the job from an
     * earlier call can never claim a task of a later one: the owner closes {@code ctl} (a new generation,
     * index {@link #CLOSED}) before rewriting the fields and opens it after.
     */
    private static final class Job {
        final AtomicLong ctl = new AtomicLong(CLOSED);
        final AtomicInteger done = new AtomicInteger();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        // Written by the owner only while ctl is closed.
        int tasks;
        Task body;

        /** Claims and runs tasks of the open generation until none are left. */
        void work() {
            while (true) {
                long v = ctl.get();
                int t = (int) v;
                if (t >= tasks) {
                    return;
                }
                Task b = body;
                if (!ctl.compareAndSet(v, v + 1)) {
                    continue;
                }
                try {
                    b.run(t);
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                } finally {
                    done.incrementAndGet();
                }
            }
        }

        /** True if {@code ctl} value {@code v} of this job is an open generation other than {@code seenGeneration} (or this is not {@code seen}). */
        boolean isNewWork(long v, Job seen, long seenGeneration) {
            return (int) v != CLOSED && (this != seen || v >>> 32 != seenGeneration);
        }

        /** True if this job now has an open generation the helper has not worked on. */
        boolean hasNewWork(Job seen, long seenGeneration) {
            return isNewWork(ctl.get(), seen, seenGeneration);
        }
    }

    /** Each calling thread's reusable job. */
    private static final ThreadLocal<Job> JOBS = ThreadLocal.withInitial(Job::new);

    /** The most recently published job. */
    private static volatile Job current;

    private static final class Helper extends Thread {
        volatile boolean parked;

        Helper(int index) {
            super("vecprop-gemm-" + index);
            setDaemon(true);
        }

        @Override
        public void run() {
            Job seen = null;
            long seenGeneration = -1;
            long idleSince = System.nanoTime();
            while (true) {
                Job job = current;
                // One read of ctl decides and records the generation: a second read could already see the
                // next call's closed generation, and the helper would then sit that call out.
                long v = job == null ? CLOSED : job.ctl.get();
                if (job != null && job.isNewWork(v, seen, seenGeneration)) {
                    seen = job;
                    seenGeneration = v >>> 32;
                    job.work();
                    idleSince = System.nanoTime();
                    continue;
                }
                IdleWork idle = idleWork();
                if (idle != null && runPiece(idle)) {
                    idleSince = System.nanoTime();
                    continue;
                }
                if (System.nanoTime() - idleSince < SPIN_NANOS) {
                    Thread.onSpinWait();
                    continue;
                }
                // Announce the park, then look once more: a caller (or the idle work's owner) publishes and then
                // checks parked, so either it sees the flag and unparks, or this check sees its job (or pieces).
                parked = true;
                job = current;
                idle = idleWork();
                if ((job == null || !job.hasNewWork(seen, seenGeneration)) && (idle == null || !idle.hasPendingWork())) {
                    LockSupport.park(this);
                }
                parked = false;
                idleSince = System.nanoTime();
            }
        }
    }

    /** The installed idle work, or null. */
    private static IdleWork idleWork() {
        Installed installed = IDLE_WORK.get();
        return installed == null ? null : installed.work();
    }

    /** Runs one piece of idle work; a throwing one counts as no work, so the helper (or the waiting caller) lives on. */
    private static boolean runPiece(IdleWork idle) {
        try {
            return idle.runPiece();
        } catch (RuntimeException | Error e) {
            return false;
        }
    }

    /** Lazily created helpers: the holder class is initialised on first parallel use. */
    private static final class Pool {
        /** One fewer than the processors: the caller is the remaining worker, and spinning helpers must not oversubscribe. */
        static final Helper[] HELPERS = new Helper[PROCESSORS - 1];

        static {
            for (int i = 0; i < HELPERS.length; i++) {
                HELPERS[i] = new Helper(i + 1);
                HELPERS[i].start();
            }
        }
    }

    /**
     * Runs {@code body.run(t)} for every {@code t} in {@code [0, tasks)} on the calling thread and, when
     * {@code threads > 1}, the pool; returns when all have finished. The first exception thrown by a task is
     * rethrown here after all tasks have finished. Allocates nothing after a thread's first call.
     */
    static void run(int tasks, int threads, Task body) {
        if (tasks <= 0) {
            return;
        }
        if (usableThreads(threads) <= 1 || tasks == 1) {
            for (int t = 0; t < tasks; t++) {
                body.run(t);
            }
            return;
        }
        Job job = JOBS.get();
        long generation = (job.ctl.get() >>> 32) + 1;
        job.ctl.set(generation << 32 | CLOSED);
        job.tasks = tasks;
        job.body = body;
        job.failure.set(null);
        job.done.set(0);
        // Task 0 is the caller's, claimed before the job opens: then the same thread computes the same part of
        // every product (the first K half, the first rows of a weight gradient) and of the update after it, so
        // that part stays in its core's cache. A helper reads another core's lines at about 11 GB/s here.
        job.ctl.set(generation << 32 | 1);
        current = job;
        for (Helper h : Pool.HELPERS) {
            if (h.parked) {
                LockSupport.unpark(h);
            }
        }
        try {
            body.run(0);
        } catch (Throwable e) {
            job.failure.compareAndSet(null, e);
        } finally {
            job.done.incrementAndGet();
        }
        job.work();
        // Wait for tasks that helpers claimed and are still running: the idle work's owner does pieces of it
        // (offerIdleWork says why), anyone else spins briefly, then yields.
        Installed installed = IDLE_WORK.get();
        IdleWork idle = installed != null && installed.owner() == Thread.currentThread() ? installed.work() : null;
        long spins = 0;
        while (job.done.get() < tasks) {
            if (idle != null && runPiece(idle)) {
                continue;
            }
            if (++spins < 100_000) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
        // Close the job and drop the body, so the arrays of this call can be collected.
        job.ctl.set(generation << 32 | CLOSED);
        job.body = null;
        Throwable e = job.failure.get();
        if (e instanceof RuntimeException re) {
            throw re;
        }
        if (e instanceof Error err) {
            throw err;
        }
        if (e != null) {
            throw new IllegalStateException(e);
        }
    }
}
