package io.github.vecprop.check;

import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

import java.util.ArrayList;
import java.util.List;

/**
 * Size generators that hit the edges of vector code: 1, lanes - 1, lanes, lanes + 1 (for 8- and
 * 16-lane vectors) and primes, mixed half and half with uniform sizes.
 */
public final class Sizes {
    private static final int[] INTERESTING = {0, 1, 2, 3, 5, 7, 8, 9, 13, 15, 16, 17, 19, 31, 32, 33, 47, 48, 49, 97, 101, 257};

    private Sizes() {
    }

    /** Sizes in {@code [min, max]}. */
    public static Gen<Integer> between(int min, int max) {
        List<Integer> picks = new ArrayList<>();
        for (int s : INTERESTING) {
            if (s >= min && s <= max) {
                picks.add(s);
            }
        }
        return Generate.pick(picks).mix(Generate.range(min, max));
    }

    /** Any long, for data seeds. */
    public static Gen<Long> seeds() {
        return Generate.longRange(Long.MIN_VALUE, Long.MAX_VALUE);
    }
}
