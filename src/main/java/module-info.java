/**
 * vecprop: neural-network layers trained by backpropagation, on JDK Vector API kernels over flat
 * {@code float[]} tensors. The library needs nothing but the JDK; the command line
 * ({@code io.github.vecprop.cli}, not exported) needs picocli, an optional dependency.
 */
module io.github.vecprop {
    requires jdk.incubator.vector;
    // Thread allocation counters (warm-up) and the JIT's configuration (is C2 on?).
    requires java.management;
    requires jdk.management;
    requires static info.picocli;

    exports io.github.vecprop.tensor;
    exports io.github.vecprop.kernel;
    exports io.github.vecprop.layer;
    exports io.github.vecprop.net;
    exports io.github.vecprop.optim;
    exports io.github.vecprop.train;
    exports io.github.vecprop.io;

    // picocli fills the commands' option fields by reflection.
    opens io.github.vecprop.cli to info.picocli;
}
