package io.github.vecprop.cli;

import io.github.vecprop.io.CorruptFileException;
import io.github.vecprop.io.NetFiles;
import io.github.vecprop.layer.Activation;
import io.github.vecprop.net.Sequential;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;

/** The {@code --model FILE} option (and, for {@code .npz} files, which do not store it, {@code --activation}). */
final class ModelOption {
    @Option(names = "--model", required = true, paramLabel = "FILE",
            description = "model file: vecprop's (any name), .onnx, .safetensors, or .npz with W1 b1 ... Wn bn")
    Path file;
    @Option(names = "--activation", defaultValue = "relu", paramLabel = "NAME",
            description = "activation between the layers of a .npz or PyTorch-state-dict .safetensors model, which do not store it:"
                    + " relu, sigmoid or tanh (default: ${DEFAULT-VALUE}; the other formats store theirs)")
    String activation;

    Sequential load() throws IOException {
        return load(file, activation);
    }

    /**
     * Throws, naming {@code data} (a file or directory), unless its examples have the {@code inputs}
     * the model in {@code modelFile} takes: the data is then unsuitable for that model, an exit-1 error.
     */
    static void requireInputs(Path modelFile, int inputs, String data, int features) throws CorruptFileException {
        if (features != inputs) {
            throw new CorruptFileException(data, -1, "examples of " + features + " values, but the model " + modelFile
                    + " takes " + inputs + " inputs");
        }
    }

    /** Throws, naming {@code modelFile}, if its model has fewer outputs than the data set has classes. */
    static void requireClasses(Path modelFile, int outputs, String data, int classes) throws CorruptFileException {
        if (outputs < classes) {
            throw new CorruptFileException(modelFile, -1, "the model has " + outputs + " outputs, but " + data + " has " + classes
                    + " classes");
        }
    }

    /** The net in {@code file}; {@code activation} names the one a {@code .npz} file is read with. */
    static Sequential load(Path file, String activation) throws IOException {
        return NetFiles.load(file, Activation.named(activation));
    }
}
