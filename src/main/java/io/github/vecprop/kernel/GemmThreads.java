package io.github.vecprop.kernel;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * The worker pool behind multi-threaded GEMM, and the process-wide default degree of parallelism.
 *
 * <p>Large matrix products split their block loops into independent tasks on the kernel's tile grid; the
 * calling thread runs tasks itself and a bounded pool of daemon threads ({@code vecprop-gemm-1},
 * {@code vecprop-gemm-2}, ...; {@link Runtime#availableProcessors()} minus one of them, because the caller
 * is the remaining worker; created lazily on first parallel use) helps. Tasks are claimed dynamically, so a helper that is slow to wake simply takes fewer
 * (or none) and the caller never waits for a task nobody has started. Results do not depend on how many
 * threads ran: every element of C is computed by the same sequence of floating-point operations.
 *
 * <p>To keep the hand-off cheap for the back-to-back products of a training step, an idle helper spins
 * for a short while (about {@value #SPIN_NANOS} ns) before parking, and the caller spins while waiting for
 * the last task. A helper that parks costs one wake-up on the next parallel call.
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

    /** One parallel call: tasks {@code [0, tasks)} claimed through {@code next}, counted in {@code done}. */
    private static final class Job {
        final IntConsumer body;
        final int tasks;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger done = new AtomicInteger();
        final AtomicReference<Throwable> failure = new AtomicReference<>();

        Job(IntConsumer body, int tasks) {
            this.body = body;
            this.tasks = tasks;
        }

        /** Claims and runs tasks until none are left. */
        void work() {
            int t;
            while ((t = next.getAndIncrement()) < tasks) {
                try {
                    body.accept(t);
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                } finally {
                    done.incrementAndGet();
                }
            }
        }
    }

    /** The most recently published job (a helper runs each job at most once). */
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
            while (true) {
                Job job = current;
                if (job != null && job != seen) {
                    seen = job;
                    job.work();
                    continue;
                }
                long start = System.nanoTime();
                while ((job = current) == null || job == seen) {
                    if (System.nanoTime() - start < SPIN_NANOS) {
                        Thread.onSpinWait();
                        continue;
                    }
                    parked = true;
                    job = current;
                    if (job == null || job == seen) {
                        LockSupport.park(this);
                    }
                    parked = false;
                    start = System.nanoTime();
                }
            }
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
     * Runs {@code body.accept(t)} for every {@code t} in {@code [0, tasks)} on the calling thread and, when
     * {@code threads > 1}, the pool; returns when all have finished. The first exception thrown by a task is
     * rethrown here after all tasks have finished.
     */
    static void run(int tasks, int threads, IntConsumer body) {
        if (tasks <= 0) {
            return;
        }
        if (usableThreads(threads) <= 1 || tasks == 1) {
            for (int t = 0; t < tasks; t++) {
                body.accept(t);
            }
            return;
        }
        Job job = new Job(body, tasks);
        current = job;
        for (Helper h : Pool.HELPERS) {
            if (h.parked) {
                LockSupport.unpark(h);
            }
        }
        job.work();
        // Wait for tasks that helpers claimed and are still running: spin briefly, then yield.
        long spins = 0;
        while (job.done.get() < tasks) {
            if (++spins < 100_000) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
        if (current == job) {
            current = null; // let the job's arrays be collected; a helper that missed it has nothing to do
        }
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
