package io.github.vecprop.io;

import io.github.vecprop.tensor.Tensor;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * The child process of {@link AtomicWriteKillTest}: saves a large model file to {@code args[0]} over
 * and over, version 1, 2, 3, ..., each tensor filled with its version number, until it is killed.
 */
public final class SaveLoop {
    /** Elements per save: 24 MB of floats, so a kill at a random moment usually lands mid-write. */
    static final int ELEMENTS = 6 << 20;

    private SaveLoop() {
    }

    public static void main(String[] args) throws Exception {
        Path target = Path.of(args[0]);
        float[] data = new float[ELEMENTS];
        for (int version = 1; ; version++) {
            Arrays.fill(data, version);
            ModelFile.write(target, "version " + version, Map.of("W", Tensor.of(data, ELEMENTS)));
            System.out.println("saved " + version);
        }
    }
}
