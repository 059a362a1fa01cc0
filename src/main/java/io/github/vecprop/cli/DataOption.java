package io.github.vecprop.cli;

import io.github.vecprop.io.Dataset;
import io.github.vecprop.io.FashionMnist;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The {@code --data} option shared by the commands that read a data set. Without it, the full
 * Fashion-MNIST from the Debian package is used when installed, otherwise the small subset
 * embedded in vecprop; {@code --data subset} forces the subset.
 */
final class DataOption {
    @Option(names = "--data", paramLabel = "DIR",
            description = "directory with the four MNIST-format files, or 'subset' for the embedded Fashion-MNIST subset "
                    + "(default: /usr/share/datasets/fashion-mnist if installed, else the subset)")
    String data;

    /** The data set's name in messages: its directory, or the embedded subset's. */
    String name() {
        boolean subset = "subset".equals(data) || (data == null && !FashionMnist.isInstalled(FashionMnist.DEBIAN_DIR));
        return subset ? "the embedded Fashion-MNIST subset" : (data == null ? FashionMnist.DEBIAN_DIR.toString() : data);
    }

    /** Loads the chosen data set and says which on {@code err}. */
    Dataset load(PrintStream err) throws IOException {
        Dataset d;
        String source;
        if ("subset".equals(data) || (data == null && !FashionMnist.isInstalled(FashionMnist.DEBIAN_DIR))) {
            d = FashionMnist.loadEmbeddedSubset();
            source = "the embedded Fashion-MNIST subset";
        } else {
            Path dir = data == null ? FashionMnist.DEBIAN_DIR : Path.of(data);
            if (!Files.isDirectory(dir)) {
                throw new NoSuchFileException(dir.toString(), null, "--data names no directory");
            }
            d = FashionMnist.load(dir);
            source = dir.toString();
        }
        err.printf("data: %s (%d train, %d test images of %d pixels, %d classes)%n", source, d.trainImages().dim(0),
                d.testImages().dim(0), d.trainImages().dim(1), d.classes());
        return d;
    }
}
