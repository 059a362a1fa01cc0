package io.github.vecprop.cli;

import io.github.vecprop.io.NetFiles;
import io.github.vecprop.net.Sequential;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code vecprop convert}: a saved model in another format, chosen by the output's extension. */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = {"Converts a model between formats, each chosen by its file's extension: .onnx (ONNX), .safetensors,",
                ".npz (NumPy, plain MLPs only) or any other name (vecprop's model file)."})
final class ConvertCommand implements Callable<Integer> {
    @Mixin
    ModelOption model;
    @Option(names = "--out", required = true, paramLabel = "FILE", description = "the file to write, replaced atomically")
    Path out;

    @Override
    public Integer call() throws Exception {
        Sequential net = model.load();
        NetFiles.save(net, out);
        System.err.println("converted " + model.file + " to " + out + ": " + net.architecture());
        return 0;
    }
}
