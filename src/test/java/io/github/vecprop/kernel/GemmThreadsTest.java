package io.github.vecprop.kernel;

import io.github.vecprop.check.TestData;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pool under contention: several caller threads run many back-to-back parallel products (each
 * caller reuses one job object), and every result must equal the single-threaded one bit for bit.
 * {@code beta = 1} makes a task that ran twice, or not at all, visible in C.
 */
class GemmThreadsTest {

    private static float[] product(int m, int n, int k, float[] a, float[] b, float[] c0, int parallelism) {
        float[] c = c0.clone();
        PanamaGemm.gemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 1f, c, 0, n, parallelism, 0);
        return c;
    }

    /** Idle work of {@code total} pieces that records where they ran. */
    private static final class CountedWork implements GemmThreads.IdleWork {
        final java.util.concurrent.atomic.AtomicInteger pieces = new java.util.concurrent.atomic.AtomicInteger();
        final java.util.concurrent.atomic.AtomicReference<Thread> ranOn = new java.util.concurrent.atomic.AtomicReference<>();
        final java.util.concurrent.atomic.AtomicBoolean onHelper = new java.util.concurrent.atomic.AtomicBoolean();
        volatile int total;

        CountedWork(int total) {
            this.total = total;
        }

        @Override
        public boolean runPiece() {
            // Several helpers may call at once: claim a piece atomically.
            // Only helpers take pieces here (the owner's share is the next test's), so the check below cannot lose
            // every piece to the waiting caller.
            if (!Thread.currentThread().getName().startsWith("vecprop-gemm-")
                    || pieces.getAndUpdate(p -> p < total ? p + 1 : p) >= total) {
                return false;
            }
            ranOn.set(Thread.currentThread());
            if (Thread.currentThread().getName().startsWith("vecprop-gemm-")) {
                onHelper.set(true);
            }
            return true;
        }

        @Override
        public boolean hasPendingWork() {
            return pieces.get() < total;
        }
    }

    /**
     * Idle work runs on a helper between products (and on its owner, the caller here, while it waits for a helper),
     * products stay exact meanwhile, a second offer is refused while one is installed, and after removal at most a
     * straggler per helper runs.
     */
    @Test
    void idleWorkRunsOnHelpersBetweenProducts() throws Exception {
        int helpers = Runtime.getRuntime().availableProcessors() - 1;
        org.junit.jupiter.api.Assumptions.assumeTrue(helpers > 0, "the pool has no helpers on one processor");
        int before = GemmThreads.defaultParallelism();
        CountedWork work = new CountedWork(1000);
        CountedWork second = new CountedWork(0);
        try {
            GemmThreads.setDefaultParallelism(1);
            assertTrue(!GemmThreads.offerIdleWork(work), "taken with parallelism 1");
            GemmThreads.setDefaultParallelism(2);
            assertTrue(GemmThreads.offerIdleWork(work));
            assertTrue(!GemmThreads.offerIdleWork(second), "a second idle work was taken");
            float[] a = TestData.uniform(1, 64 * 96, -1f, 1f);
            float[] b = TestData.uniform(2, 96 * 80, -1f, 1f);
            float[] c0 = TestData.uniform(3, 64 * 80, -1f, 1f);
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (work.pieces.get() < 1000 && System.nanoTime() < deadline) {
                assertArrayEquals(product(64, 80, 96, a, b, c0, 1), product(64, 80, 96, a, b, c0, 2));
            }
            assertEquals(1000, work.pieces.get(), "pieces run within 10 s");
            assertTrue(work.onHelper.get(), "no piece ran on a helper; the last ran on " + work.ranOn.get());
        } finally {
            GemmThreads.removeIdleWork(work);
            GemmThreads.removeIdleWork(second);
            GemmThreads.setDefaultParallelism(before);
        }
        work.total = 2000; // pieces again, but the work is removed: only a helper that fetched it before may run one
        GemmThreads.idleWorkArrived();
        Thread.sleep(100);
        assertTrue(work.pieces.get() - 1000 <= helpers, (work.pieces.get() - 1000) + " pieces ran after removal");
    }

    /**
     * The thread that installed idle work runs its pieces while it waits for a helper's task: here the helper's
     * task waits for such a piece, which only the waiting owner can run. Another thread's parallel call does not
     * run them.
     */
    @Test
    void theOwnerRunsIdleWorkWhileItWaitsForAHelper() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Runtime.getRuntime().availableProcessors() > 1,
                "the pool has no helpers on one processor");
        int before = GemmThreads.defaultParallelism();
        Thread owner = Thread.currentThread();
        java.util.concurrent.atomic.AtomicBoolean helperStarted = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicBoolean ownerRan = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.Set<Thread> ranOn = java.util.concurrent.ConcurrentHashMap.newKeySet();
        GemmThreads.IdleWork work = new GemmThreads.IdleWork() {
            @Override
            public boolean runPiece() {
                ranOn.add(Thread.currentThread());
                if (Thread.currentThread() != owner) {
                    return false;
                }
                ownerRan.set(true);
                return true;
            }

            @Override
            public boolean hasPendingWork() {
                return false;
            }
        };
        try {
            GemmThreads.setDefaultParallelism(2);
            assertTrue(GemmThreads.offerIdleWork(work));
            GemmThreads.run(2, 2, t -> {
                if (t == 0) { // the caller's task: let a helper take the other before returning to wait
                    awaitFlag(helperStarted);
                } else {
                    helperStarted.set(true);
                    awaitFlag(ownerRan);
                }
            });
            assertTrue(helperStarted.get(), "no helper took task 1");
            assertTrue(ownerRan.get(), "the owner ran no piece while it waited");
            // Another caller that waits for a helper the same way: it must spin, not run the owner's pieces.
            java.util.concurrent.atomic.AtomicBoolean otherHelperStarted = new java.util.concurrent.atomic.AtomicBoolean();
            java.util.concurrent.atomic.AtomicReference<Thread> otherTask1 = new java.util.concurrent.atomic.AtomicReference<>();
            Thread other = new Thread(() -> GemmThreads.run(2, 2, t -> {
                if (t == 0) {
                    awaitFlag(otherHelperStarted);
                } else {
                    otherTask1.set(Thread.currentThread());
                    otherHelperStarted.set(true);
                    sleepMillis(50);
                }
            }), "another-caller");
            other.start();
            other.join();
            assertTrue(otherTask1.get().getName().startsWith("vecprop-gemm-"), "task 1 ran on " + otherTask1.get());
            assertFalse(ranOn.contains(other), "another caller ran the owner's idle work");
        } finally {
            GemmThreads.removeIdleWork(work);
            GemmThreads.setDefaultParallelism(before);
        }
    }

    private static void awaitFlag(java.util.concurrent.atomic.AtomicBoolean flag) {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!flag.get() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
    }

    private static void sleepMillis(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void concurrentCallersGetExactResults() throws Exception {
        int callers = 4;
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int caller = 0; caller < callers; caller++) {
                long seed = caller;
                Callable<Integer> work = () -> {
                    for (int rep = 0; rep < 200; rep++) {
                        int m = 9 + rep % 23;
                        int n = 33 + (rep * 7) % 97;
                        int k = 5 + rep % 41;
                        float[] a = TestData.uniform(seed * 1000 + rep, m * k, -1f, 1f);
                        float[] b = TestData.uniform(seed * 1000 + rep + 1, k * n, -1f, 1f);
                        float[] c0 = TestData.uniform(seed * 1000 + rep + 2, m * n, -1f, 1f);
                        assertArrayEquals(product(m, n, k, a, b, c0, 1), product(m, n, k, a, b, c0, 2),
                                "caller " + seed + ", call " + rep + ": " + m + "x" + n + "x" + k);
                    }
                    return 200;
                };
                results.add(pool.submit(work));
            }
            for (Future<Integer> f : results) {
                assertEquals(200, f.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aFailingTaskIsRethrownAndThePoolKeepsWorking() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> GemmThreads.run(8, 2, t -> {
            if (t == 5) {
                throw new IllegalStateException("task 5");
            }
        }));
        assertEquals("task 5", e.getMessage());
        int[] ran = new int[16];
        GemmThreads.run(16, 2, t -> ran[t]++);
        assertArrayEquals(new int[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, ran);
    }

    /** forEachSlice covers [0, n) once, in slices that start on 16-float lines, the first on the caller. */
    @Test
    void slicesCoverEveryIndexOnceTheFirstOnTheCaller() {
        int saved = GemmThreads.defaultParallelism();
        GemmThreads.setDefaultParallelism(2);
        try {
            for (int n : new int[] {0, 1, 100, 16383, 16384, 39200, 100_003}) {
                int[] hits = new int[n];
                List<int[]> slices = java.util.Collections.synchronizedList(new ArrayList<>());
                java.util.concurrent.atomic.AtomicReference<Thread> first = new java.util.concurrent.atomic.AtomicReference<>();
                GemmThreads.forEachSlice(n, 8192, (from, to) -> {
                    slices.add(new int[] {from, to});
                    if (from == 0) {
                        first.set(Thread.currentThread());
                    }
                    for (int i = from; i < to; i++) {
                        hits[i]++;
                    }
                });
                for (int i = 0; i < n; i++) {
                    assertEquals(1, hits[i], "index " + i + " of " + n);
                }
                int expected = Runtime.getRuntime().availableProcessors() > 1 ? Math.min(2, Math.max(1, n / 8192)) : 1;
                assertEquals(expected, slices.size(), "slices of " + n);
                for (int[] sl : slices) {
                    assertEquals(0, sl[0] % 16, "slice start " + sl[0] + " of " + n);
                }
                assertEquals(Thread.currentThread(), first.get(), "the first slice of " + n + " runs on the caller");
            }
        } finally {
            GemmThreads.setDefaultParallelism(saved);
        }
    }

    @Test
    void parallelProductsAllocateNothingInSteadyState() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        float[] a = new float[100 * 784];
        float[] b = new float[784 * 50];
        float[] c = new float[100 * 50];
        // Until steady as the library's warm-up judges it: a fixed 3,000 calls (150 ms) once ended before C2 had
        // compiled the micro-kernel in CI (3.1 MB in the 1,000 calls below), when this class ran early.
        assertTrue(WarmUp.until(() -> {
            for (int i = 0; i < 100; i++) {
                PanamaGemm.gemm(false, false, 100, 50, 784, 1f, a, 0, 784, b, 0, 50, 0f, c, 0, 50, 2, 0);
            }
        }, 60_000), "parallel products still allocating or compiling after 60 s");
        long before = mx.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 1000; i++) {
            PanamaGemm.gemm(false, false, 100, 50, 784, 1f, a, 0, 784, b, 0, 50, 0f, c, 0, 50, 2, 0);
        }
        long allocated = mx.getCurrentThreadAllocatedBytes() - before;
        assertTrue(allocated < 1024, allocated + " bytes in 1,000 parallel products");
    }
}
