package io.github.vecprop.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import org.junit.jupiter.api.Test;

/** {@link WarmUp#untilCompiled}'s rounds, on a clock the test moves: when it stops, and what it returns. */
class WarmUpRoundsTest {
    /** A JIT clock that moves by 1 ms during each of the first {@code compilingRounds} rounds, then stands still. */
    private static final class FakeJit {
        final AtomicLong millis = new AtomicLong();
        int rounds;

        Runnable round(int compilingRounds) {
            return () -> {
                rounds++;
                if (rounds <= compilingRounds) {
                    millis.incrementAndGet();
                }
            };
        }

        LongSupplier clock() {
            return millis::get;
        }
    }

    @Test
    void roundsRepeatUntilOneCompilesNothing() {
        FakeJit jit = new FakeJit();
        assertTrue(WarmUp.untilCompiled(jit.round(3), 60_000, jit.clock()));
        assertEquals(4, jit.rounds, "three rounds that compiled, then the quiet one");
    }

    @Test
    void aQuietFirstRoundIsTheOnlyOne() {
        FakeJit jit = new FakeJit();
        assertTrue(WarmUp.untilCompiled(jit.round(0), 60_000, jit.clock()));
        assertEquals(1, jit.rounds);
    }

    @Test
    void theBudgetEndsRoundsThatKeepCompiling() {
        FakeJit jit = new FakeJit();
        Runnable slowRound = () -> {
            jit.round(Integer.MAX_VALUE).run();
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        boolean quiet = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> WarmUp.untilCompiled(slowRound, 50, jit.clock()));
        assertFalse(quiet);
        assertTrue(jit.rounds >= 2 && jit.rounds <= 12, jit.rounds + " rounds of 5 ms in a budget of 50 ms");
    }

    @Test
    void withoutAClockOneRound() {
        FakeJit jit = new FakeJit();
        assertFalse(WarmUp.untilCompiled(jit.round(5), 60_000, null));
        assertEquals(1, jit.rounds);
    }

    @Test
    void noBudgetNoRound() {
        FakeJit jit = new FakeJit();
        assertFalse(WarmUp.untilCompiled(jit.round(5), 0, jit.clock()));
        assertFalse(KernelProvider.warmUpUntilCompiled(jit.round(5), -1));
        assertEquals(0, jit.rounds);
    }

    @Test
    void aNullRoundIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> KernelProvider.warmUpUntilCompiled(null, 1_000));
    }
}
