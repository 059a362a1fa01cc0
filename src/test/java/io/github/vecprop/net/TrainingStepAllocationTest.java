package io.github.vecprop.net;

import io.github.vecprop.check.Allocations;
import io.github.vecprop.check.TestData;
import io.github.vecprop.layer.Activation;
import io.github.vecprop.optim.Optimizer;
import io.github.vecprop.tensor.Tensor;
import org.junit.jupiter.api.Test;


import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A steady-state training step (forward, backward, update) and the net's own predict allocate
 * nothing, for every activation and a deep net. Seen: a layer name joined into a check's message on
 * every call cost 32 B per layer call.
 */
class TrainingStepAllocationTest {
    @Test
    void stepsAndPredictionsAllocateNothingOnceCompiled() {
        for (Activation a : Activation.values()) {
            Sequential.Builder b = Sequential.mlp(64, 40, 30, 10).activation(a).init(Init.xavier()).seed(5);
            // With ReLU, the book's next chapter too: BatchNorm, Dropout and weight decay in the same step.
            Sequential net = a == Activation.RELU ? b.batchNorm().dropout(0.2f).weightDecay(1e-3f).build() : b.build();
            Optimizer adam = Optimizer.named("adam", 0.001f);
            Tensor x = Tensor.of(TestData.uniform(1, 32 * 64, -1f, 1f), 32, 64);
            int[] t = TestData.labels(2, 32, 10);
            long allocated = Allocations.onceSteady(() -> {
                for (int i = 0; i < 2_000; i++) {
                    adam.update(net.params(), net.gradient(x, t));
                    net.predict(x);
                }
            }, 4096);
            // Any allocation per step would be at least 16 B x 2,000 = 32 kB.
            assertTrue(allocated < 4096, a + ": " + allocated + " bytes in 2,000 steps and predictions");
        }
    }
}
