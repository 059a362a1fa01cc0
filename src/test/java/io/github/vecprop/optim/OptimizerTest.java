package io.github.vecprop.optim;

import io.github.vecprop.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two steps of each optimizer against values computed by hand from the book's formulas. */
class OptimizerTest {
    private static final float TOL = 1e-5f;

    private final Map<String, Tensor> params = new LinkedHashMap<>();
    private final Map<String, Tensor> grads = new LinkedHashMap<>();

    OptimizerTest() {
        params.put("W", Tensor.of(new float[] {1f, -2f}, 2));
        grads.put("W", Tensor.of(new float[] {0.5f, 0.25f}, 2));
    }

    private float[] step(Optimizer o) {
        o.update(params, grads);
        return params.get("W").data().clone();
    }

    @Test
    void sgd() {
        Optimizer o = Optimizer.named("sgd", 0.1f);
        assertArrayEquals(new float[] {0.95f, -2.025f}, step(o), TOL);
        assertArrayEquals(new float[] {0.90f, -2.05f}, step(o), TOL);
    }

    /**
     * A parameter large enough for the gemm threads to share its update (two slices with two threads): every
     * element gets exactly {@code w - lr * g}, the bits of the one-thread loop.
     */
    @Test
    void sgdOnALargeParameterUpdatesEveryElementOnce() {
        int saved = io.github.vecprop.kernel.GemmThreads.defaultParallelism();
        io.github.vecprop.kernel.GemmThreads.setDefaultParallelism(2);
        try {
            Tensor w = Tensor.gaussian(3, 1f, 301, 97);
            Tensor g = Tensor.gaussian(4, 1f, 301, 97);
            float[] expected = w.data().clone();
            for (int i = 0; i < expected.length; i++) {
                expected[i] -= 0.1f * g.data()[i];
            }
            Optimizer.named("sgd", 0.1f).update(Map.of("W1", w), Map.of("W1", g));
            assertArrayEquals(expected, w.data());
        } finally {
            io.github.vecprop.kernel.GemmThreads.setDefaultParallelism(saved);
        }
    }

    @Test
    void momentum() {
        // v = 0.9 v - 0.1 g: (-0.05, -0.025), then (-0.095, -0.0475).
        Optimizer o = Optimizer.named("momentum", 0.1f);
        assertArrayEquals(new float[] {0.95f, -2.025f}, step(o), TOL);
        assertArrayEquals(new float[] {0.855f, -2.0725f}, step(o), TOL);
    }

    @Test
    void adaGrad() {
        // h = g²: the first step is lr * sign(g); then h = 2g², a step of lr / sqrt(2).
        Optimizer o = Optimizer.named("adagrad", 0.1f);
        assertArrayEquals(new float[] {0.9f, -2.1f}, step(o), TOL);
        assertArrayEquals(new float[] {0.829289f, -2.170711f}, step(o), TOL);
    }

    @Test
    void rmsProp() {
        // h = 0.01 g², sqrt(h) = 0.1 |g|: a step of 10 lr; then h = 0.0199 g², a step of lr / sqrt(0.0199).
        Optimizer o = Optimizer.named("rmsprop", 0.1f);
        assertArrayEquals(new float[] {0f, -3f}, step(o), TOL);
        float second = (float) (0.1 / Math.sqrt(0.0199));
        assertArrayEquals(new float[] {-second, -3f - second}, step(o), TOL);
    }

    @Test
    void adam() {
        // With a constant gradient m / sqrt(v) stays |g| / sqrt(bias ratio), so each step is lr * sign(g).
        Optimizer o = Optimizer.named("adam", 0.1f);
        assertArrayEquals(new float[] {0.9f, -2.1f}, step(o), TOL);
        assertArrayEquals(new float[] {0.8f, -2.2f}, step(o), TOL);
    }

    @Test
    void adamRestartsItsBiasCorrectionWhenRebound() {
        Optimizer o = new Adam(0.1f, 0.9f, 0.999f);
        step(o);
        Map<String, Tensor> other = Map.of("W", Tensor.of(new float[] {1f, -2f}, 2));
        o.update(other, grads);
        assertArrayEquals(new float[] {0.9f, -2.1f}, other.get("W").data(), TOL);
    }

    /**
     * A fresh copy of a used optimizer steps as a new one does, with the same hyper-parameters (a decay,
     * a beta or a learning rate lost on the way changes the steps) and none of the used one's state.
     */
    @Test
    void freshIsTheOptimizerBeforeItsFirstUpdate() {
        List<Supplier<Optimizer>> kinds = List.of(() -> new Sgd(0.3f), () -> new Momentum(0.3f, 0.7f),
                () -> new AdaGrad(0.3f), () -> new RmsProp(0.3f, 0.8f), () -> new Adam(0.3f, 0.6f, 0.95f));
        for (Supplier<Optimizer> kind : kinds) {
            Optimizer used = kind.get();
            step(used);
            step(used);
            Optimizer fresh = used.fresh();
            assertEquals(used.getClass(), fresh.getClass());
            assertNotSame(used, fresh);
            Optimizer twin = kind.get();
            float[][] got = new float[3][];
            float[][] want = new float[3][];
            params.get("W").copyFrom(Tensor.of(new float[] {1f, -2f}, 2));
            for (int s = 0; s < 3; s++) {
                got[s] = step(fresh);
            }
            params.get("W").copyFrom(Tensor.of(new float[] {1f, -2f}, 2));
            for (int s = 0; s < 3; s++) {
                want[s] = step(twin);
            }
            for (int s = 0; s < 3; s++) {
                assertArrayEquals(want[s], got[s], 0f, fresh.getClass().getSimpleName() + " step " + s);
            }
        }
    }

    @Test
    void badArgumentsAreNamed() {
        assertEquals("unknown optimizer 'sgdd'; choose sgd, momentum, adagrad, rmsprop or adam",
                assertThrows(IllegalArgumentException.class, () -> Optimizer.named("sgdd", 0.1f)).getMessage());
        assertEquals("lr must be positive and finite, got -1.0",
                assertThrows(IllegalArgumentException.class, () -> new Sgd(-1f)).getMessage());
        assertEquals("momentum must be in [0, 1), got 1.0",
                assertThrows(IllegalArgumentException.class, () -> new Momentum(0.1f, 1f)).getMessage());
        Map<String, Tensor> wrong = Map.of("W", Tensor.zeros(3));
        assertEquals("parameter W has shape [2] but its gradient has shape [3]; they must match",
                assertThrows(IllegalArgumentException.class, () -> new Sgd(0.1f).update(params, wrong)).getMessage());
        assertEquals("no gradient for parameter W; gradients are given for [V]",
                assertThrows(IllegalArgumentException.class,
                        () -> new Sgd(0.1f).update(params, Map.of("V", Tensor.zeros(2)))).getMessage());
    }

    @Test
    void steadyStateUpdatesAllocateNothing() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (String name : new String[] {"sgd", "momentum", "adagrad", "rmsprop", "adam"}) {
            Optimizer o = Optimizer.named(name, 1e-3f);
            o.update(params, grads);
            long before = mx.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 10_000; i++) {
                o.update(params, grads);
            }
            long allocated = mx.getCurrentThreadAllocatedBytes() - before;
            // Any allocation per update would be at least 16 B x 10,000 = 160 kB.
            assertTrue(allocated < 4096, name + " allocated " + allocated + " bytes in 10,000 updates");
        }
    }
}
