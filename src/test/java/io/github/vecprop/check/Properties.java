package io.github.vecprop.check;

import org.quicktheories.QuickTheory;

/**
 * The settings every property test shares: a fixed seed, so a failure (QuickTheories prints the
 * shrunk falsifying values and the seed) reproduces on every run, and {@link #EXAMPLES} examples.
 */
public final class Properties {
    /** The seed of every property test. */
    public static final long SEED = 0x5EED_2026L;
    /**
     * Examples requested per property. QuickTheories skips an example whose values it has already
     * tried, so a property over few distinct values runs somewhat fewer; 110 keeps every property in
     * this suite at 100 or more (checked by PropertiesTest).
     */
    public static final int EXAMPLES = 110;

    private Properties() {
    }

    /** A QuickTheories runner with the shared seed and example count. */
    public static QuickTheory qt() {
        return QuickTheory.qt().withFixedSeed(SEED).withExamples(EXAMPLES);
    }
}
