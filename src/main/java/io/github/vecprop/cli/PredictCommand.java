package io.github.vecprop.cli;

import io.github.vecprop.io.Idx;
import io.github.vecprop.net.Model;
import io.github.vecprop.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code vecprop predict}: the predicted class of each image in an IDX file, one per line. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = "Prints '<index> <class>' for each image of an IDX image file (gzip or raw).")
final class PredictCommand implements Callable<Integer> {
    private static final int CHUNK = 1000;

    @Mixin
    ModelOption model;
    @Option(names = "--images", required = true, paramLabel = "FILE", description = "IDX image file, e.g. t10k-images-idx3-ubyte.gz")
    Path images;
    @Option(names = "--limit", description = "predict only the first N images")
    Integer limit;

    @Override
    public Integer call() throws Exception {
        if (limit != null && limit < 0) {
            throw new IllegalArgumentException("--limit must be non-negative, got " + limit);
        }
        Model served = model.load().freeze();
        Tensor x = Idx.readImages(images);
        ModelOption.requireInputs(model.file, served.inputSize(), images.toString(), x.dim(1));
        int n = limit == null ? x.dim(0) : Math.min(limit, x.dim(0));
        int[] classes = new int[n];
        Model.Context ctx = served.newContext(CHUNK);
        for (int start = 0; start < n; start += CHUNK) {
            served.predictClasses(ctx, x.data(), start * x.dim(1), Math.min(CHUNK, n - start), classes, start);
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < n; i++) {
            out.append(i).append(' ').append(classes[i]).append('\n');
        }
        System.out.print(out);
        return 0;
    }
}
