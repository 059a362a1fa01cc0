package io.github.vecprop.check;

import java.lang.management.ManagementFactory;

/**
 * Steady-state allocation, by the thread allocation counter. Until C2 compiles a path, vector code
 * allocates, so rounds repeat until one allocates less than the limit (or 60 s pass).
 */
public final class Allocations {
    private Allocations() {
    }

    /** The bytes the last round of {@code round} allocated: the first below {@code limit}, or the one at the 60 s deadline. */
    public static long onceSteady(Runnable round, long limit) {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long deadline = System.nanoTime() + 60_000_000_000L;
        long allocated;
        do {
            long before = mx.getCurrentThreadAllocatedBytes();
            round.run();
            allocated = mx.getCurrentThreadAllocatedBytes() - before;
        } while (allocated >= limit && System.nanoTime() < deadline);
        return allocated;
    }
}
