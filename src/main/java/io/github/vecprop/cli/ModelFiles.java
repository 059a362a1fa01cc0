package io.github.vecprop.cli;

import io.github.vecprop.io.ModelFile;
import io.github.vecprop.io.Npz;
import io.github.vecprop.net.TwoLayerNet;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Saving and loading a {@link TwoLayerNet} by file name: {@code .npz} means NumPy (parameters W1 b1
 * W2 b2, as the origin notes' code names them); anything else is vecprop's own model file.
 */
final class ModelFiles {
    /** The architecture tag vecprop's model file records for a TwoLayerNet. */
    static final String TWO_LAYER_NET = "TwoLayerNet";

    private ModelFiles() {
    }

    static void save(TwoLayerNet net, Path file) throws IOException {
        if (isNpz(file)) {
            Npz.write(file, net.params());
        } else {
            ModelFile.write(file, TWO_LAYER_NET, net.params());
        }
    }

    static TwoLayerNet load(Path file) throws IOException {
        if (isNpz(file)) {
            return TwoLayerNet.fromParams(Npz.read(file));
        }
        ModelFile.Model model = ModelFile.read(file);
        if (!TWO_LAYER_NET.equals(model.architecture())) {
            throw new IllegalArgumentException(file + " holds a '" + model.architecture() + "' model; this vecprop reads "
                    + TWO_LAYER_NET + " models");
        }
        return TwoLayerNet.fromParams(model.params());
    }

    private static boolean isNpz(Path file) {
        return file.getFileName() != null && file.getFileName().toString().endsWith(".npz");
    }
}
