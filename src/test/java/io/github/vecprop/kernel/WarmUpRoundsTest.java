package io.github.vecprop.kernel;

import java.time.Duration;
import java.util.function.LongSupplier;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link WarmUp#untilCompiled}'s rounds on clocks the test moves (the JIT's and the time), so when it stops and
 * what it returns do not depend on this machine's load.
 */
class WarmUpRoundsTest {
    private static final Duration NEVER_THIS_LONG = Duration.ofSeconds(10);

    /**
     * Rounds that each take {@code roundMillis} of the fake time, those whose number (from 1) satisfies
     * {@code compilingRound} moving the fake JIT clock by 1 ms.
     */
    private static final class Fake {
        long jitMillis;
        long nanos;
        int rounds;
        final long roundMillis;
        final java.util.function.IntPredicate compilingRound;

        Fake(long roundMillis, java.util.function.IntPredicate compilingRound) {
            this.roundMillis = roundMillis;
            this.compilingRound = compilingRound;
        }

        Runnable round() {
            return () -> {
                rounds++;
                nanos += roundMillis * 1_000_000L;
                if (compilingRound.test(rounds)) {
                    jitMillis++;
                }
            };
        }

        LongSupplier jit() {
            return () -> jitMillis;
        }

        LongSupplier time() {
            return () -> nanos;
        }

        boolean run(long maxMillis) {
            return assertTimeoutPreemptively(NEVER_THIS_LONG,
                    () -> WarmUp.untilCompiled(round(), maxMillis, jit(), time()));
        }
    }

    @Test
    void roundsRepeatUntilTwoInARowCompileNothing() {
        Fake f = new Fake(10, r -> r <= 3);
        assertTrue(f.run(60_000));
        assertEquals(5, f.rounds, "three rounds that compiled, then two quiet ones");
    }

    @Test
    void oneQuietRoundBetweenCompilationsIsNotTheEnd() {
        Fake f = new Fake(10, r -> r == 1 || r == 3);
        assertTrue(f.run(60_000));
        assertEquals(5, f.rounds, "compiling, quiet, compiling, then two quiet");
    }

    @Test
    void quietFromTheStartTakesTwoRounds() {
        Fake f = new Fake(10, r -> false);
        assertTrue(f.run(60_000));
        assertEquals(2, f.rounds);
    }

    @Test
    void theBudgetEndsRoundsThatKeepCompiling() {
        Fake f = new Fake(5, r -> true);
        assertFalse(f.run(50));
        assertEquals(10, f.rounds, "rounds of 5 ms start at 0, 5, .. 45 ms of a 50 ms budget");
    }

    @Test
    void aRoundLongerThanTheBudgetRunsOnce() {
        Fake f = new Fake(100, r -> true);
        assertFalse(f.run(50));
        assertEquals(1, f.rounds);
    }

    @Test
    void aHugeBudgetDoesNotOverflow() {
        Fake f = new Fake(10, r -> r <= 4);
        assertTrue(f.run(Long.MAX_VALUE));
        assertEquals(6, f.rounds);
    }

    @Test
    void withoutAJitClockOneRound() {
        Fake f = new Fake(10, r -> true);
        assertFalse(assertTimeoutPreemptively(NEVER_THIS_LONG,
                () -> WarmUp.untilCompiled(f.round(), 60_000, null, f.time())));
        assertEquals(1, f.rounds);
    }

    @Test
    void noBudgetNoRound() {
        Fake f = new Fake(10, r -> true);
        assertFalse(f.run(0));
        assertFalse(KernelProvider.warmUpUntilCompiled(f.round(), -1));
        assertEquals(0, f.rounds);
    }

    @Test
    void aNullRoundIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KernelProvider.warmUpUntilCompiled(null, 1_000));
        assertEquals("round is null", e.getMessage());
    }
}
