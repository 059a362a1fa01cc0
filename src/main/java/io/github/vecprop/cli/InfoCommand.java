package io.github.vecprop.cli;

import io.github.vecprop.io.NetFiles;
import io.github.vecprop.net.Sequential;
import io.github.vecprop.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.Map;
import java.util.concurrent.Callable;

/** {@code vecprop info}: a saved model's architecture, parameters and parameter count. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Prints a saved model's architecture, its parameters' shapes and the parameter count.")
final class InfoCommand implements Callable<Integer> {
    @Mixin
    ModelOption model;

    @Override
    public Integer call() throws Exception {
        Sequential net = model.load();
        StringBuilder out = new StringBuilder();
        out.append("model: ").append(model.file).append('\n');
        out.append("architecture:").append(NetFiles.isNpz(model.file)
                ? " (a .npz holds no activation: " + model.activation + " as --activation says)" : "").append('\n');
        for (String line : net.architecture().toText().split("\n")) {
            out.append("  ").append(line).append('\n');
        }
        out.append("parameters:\n");
        for (Map.Entry<String, Tensor> e : net.params().entrySet()) {
            out.append("  ").append(e.getKey()).append(' ').append(e.getValue().shape()).append('\n');
        }
        if (net.tensors().size() > net.params().size()) {
            out.append("state (not learned by gradient):\n");
            for (Map.Entry<String, Tensor> e : net.tensors().entrySet()) {
                if (!net.params().containsKey(e.getKey())) {
                    out.append("  ").append(e.getKey()).append(' ').append(e.getValue().shape()).append('\n');
                }
            }
        }
        out.append("parameter count: ").append(net.parameterCount()).append('\n');
        System.out.print(out);
        return 0;
    }
}
