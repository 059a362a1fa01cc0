#!/usr/bin/env python3
"""NumPy baseline for the README's latency table.

The origin notes' two-layer net (Affine -> ReLU -> Affine -> SoftmaxWithLoss, 784-50-10) written
layer by layer in NumPy, the way the notes build it, and timed the way TrainStepBenchmark and
PredictBenchmark time vecprop: one SGD training step on a batch of 100, and the forward pass of one
sample (scores and class). Prints medians of repeated timings, in microseconds, for float64 (the
notes' dtype) and float32.

Runs with Debian's python3, python3-numpy and OpenBLAS (apt-get install python3-numpy
libopenblas0-pthread; without OpenBLAS, Debian's NumPy uses the reference BLAS). Unset the variables
that force OpenBLAS's AVX2 kernel, and pin it to one thread for a like-for-like single-thread figure:
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1 /usr/bin/python3 scripts/numpy-baseline.py
"""
import platform
import statistics
import sys
import time

import numpy as np


class Affine:
    def __init__(self, w, b):
        self.w, self.b = w, b
        self.x = self.dw = self.db = None

    def forward(self, x):
        self.x = x
        return x @ self.w + self.b

    def backward(self, dout):
        self.dw = self.x.T @ dout
        self.db = dout.sum(axis=0)
        return dout @ self.w.T


class Relu:
    def __init__(self):
        self.mask = None

    def forward(self, x):
        self.mask = x <= 0
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dout):
        dout = dout.copy()
        dout[self.mask] = 0
        return dout


class SoftmaxWithLoss:
    def __init__(self):
        self.y = self.labels = None

    def forward(self, x, labels):
        shifted = x - x.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        self.y = e / e.sum(axis=1, keepdims=True)
        self.labels = labels
        n = x.shape[0]
        return -np.log(self.y[np.arange(n), labels] + 1e-7).sum() / n

    def backward(self):
        n = self.y.shape[0]
        dx = self.y.copy()
        dx[np.arange(n), self.labels] -= 1
        return dx / n


class TwoLayerNet:
    def __init__(self, rng, dtype, inputs=784, hidden=50, outputs=10, std=0.01):
        self.params = {
            "W1": (std * rng.standard_normal((inputs, hidden))).astype(dtype),
            "b1": np.zeros(hidden, dtype),
            "W2": (std * rng.standard_normal((hidden, outputs))).astype(dtype),
            "b2": np.zeros(outputs, dtype),
        }
        self.affine1 = Affine(self.params["W1"], self.params["b1"])
        self.relu = Relu()
        self.affine2 = Affine(self.params["W2"], self.params["b2"])
        self.last = SoftmaxWithLoss()

    def predict(self, x):
        return self.affine2.forward(self.relu.forward(self.affine1.forward(x)))

    def train_step(self, x, labels, lr):
        loss = self.last.forward(self.predict(x), labels)
        d = self.last.backward()
        d = self.relu.backward(self.affine2.backward(d))
        self.affine1.backward(d)
        grads = {"W1": self.affine1.dw, "b1": self.affine1.db, "W2": self.affine2.dw, "b2": self.affine2.db}
        for key, g in grads.items():
            self.params[key] -= lr * g  # in place, so the layers see the update
        return loss


def median_us(fn, inner, rounds=30):
    for _ in range(inner):  # warm-up
        fn()
    samples = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        samples.append((time.perf_counter() - t0) / inner * 1e6)
    return statistics.median(samples)


def main():
    rng = np.random.default_rng(42)
    print(f"python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}")
    for dtype in (np.float64, np.float32):
        net = TwoLayerNet(rng, dtype)
        x = rng.random((100, 784)).astype(dtype)
        labels = rng.integers(0, 10, 100)
        one = rng.random((1, 784)).astype(dtype)
        lr = dtype(0.1)
        step = median_us(lambda: net.train_step(x, labels, lr), inner=200)
        predict = median_us(lambda: int(np.argmax(net.predict(one), axis=1)[0]), inner=2000)
        name = np.dtype(dtype).name
        print(f"{name}: training step (batch 100) {step:.1f} us, predict (batch 1) {predict:.2f} us")
    return 0


if __name__ == "__main__":
    sys.exit(main())
