package io.github.vecprop.cli;

import io.github.vecprop.io.Idx;
import io.github.vecprop.kernel.KernelProvider;
import io.github.vecprop.net.TwoLayerNet;
import io.github.vecprop.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;

/** {@code vecprop predict}: the predicted class of each image in an IDX file, one per line. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = "Prints '<index> <class>' for each image of an IDX image file (gzip or raw).")
final class PredictCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "FILE", description = "model saved by 'train --save'")
    Path model;
    @Option(names = "--images", required = true, paramLabel = "FILE", description = "IDX image file, e.g. t10k-images-idx3-ubyte.gz")
    Path images;
    @Option(names = "--limit", description = "predict only the first N images")
    Integer limit;

    @Override
    public Integer call() throws Exception {
        TwoLayerNet net = ModelFiles.load(model);
        Tensor x = Idx.readImages(images);
        if (x.dim(1) != net.inputSize()) {
            throw new IllegalArgumentException(images + " has images of " + x.dim(1) + " pixels but the model takes "
                    + net.inputSize());
        }
        if (limit != null && limit < 0) {
            throw new IllegalArgumentException("--limit must be non-negative, got " + limit);
        }
        int n = limit == null ? x.dim(0) : Math.min(limit, x.dim(0));
        if (n == 0) {
            return 0;
        }
        Tensor batch = Tensor.of(Arrays.copyOf(x.data(), n * x.dim(1)), n, x.dim(1));
        Tensor scores = net.predict(batch);
        int[] classes = new int[n];
        KernelProvider.get().argmaxRows(scores.data(), 0, n, scores.dim(1), classes, 0);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < n; i++) {
            out.append(i).append(' ').append(classes[i]).append('\n');
        }
        System.out.print(out);
        return 0;
    }
}
