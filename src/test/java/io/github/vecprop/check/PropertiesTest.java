package io.github.vecprop.check;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shared property settings do what the suite relies on: 100 examples, and a failure surfaces. */
class PropertiesTest {

    @Test
    void everyPropertyRunsAtLeast100Examples() {
        AtomicInteger calls = new AtomicInteger();
        // One generator over a single size is the worst case for repeats; the suite's properties draw tuples.
        Properties.qt().forAll(Sizes.between(0, 300)).checkAssert(n -> calls.incrementAndGet());
        assertTrue(calls.get() >= 100, calls.get() + " examples");
    }

    @Test
    void aFalsifiedPropertyFailsTheTest() {
        AssertionError e = assertThrows(AssertionError.class,
                () -> Properties.qt().forAll(Sizes.between(0, 300)).checkAssert(n -> {
                    if (n > 16) {
                        throw new AssertionError("too big");
                    }
                }));
        // QuickTheories shrinks toward the smallest falsifying value and reports the seed.
        assertTrue(e.getMessage().contains("Seed was"), e.getMessage());
    }
}
