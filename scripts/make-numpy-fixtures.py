#!/usr/bin/env python3
"""Writes the .npy/.npz files under src/test/resources/io/github/vecprop/io/numpy/ with real NumPy,
so NumpyFixturesTest checks the readers against NumPy's own output rather than bytes written by hand.
Every value is (i + 1) / 8 - 1 in C order (exact in float32), except where a file says otherwise.
Run with Debian's python3-numpy: /usr/bin/python3 scripts/make-numpy-fixtures.py
"""
import os
import numpy as np

out = os.path.join(os.path.dirname(__file__), "..", "src", "test", "resources", "io", "github", "vecprop", "io", "numpy")
os.makedirs(out, exist_ok=True)


def ramp(shape, dtype):
    n = int(np.prod(shape))
    return ((np.arange(n) + 1) / 8 - 1).astype(dtype).reshape(shape)


np.save(os.path.join(out, "f4-2x3.npy"), ramp((2, 3), "<f4"))
np.save(os.path.join(out, "f8-3x2.npy"), ramp((3, 2), "<f8"))
np.save(os.path.join(out, "f4-be-4.npy"), ramp((4,), ">f4"))
np.save(os.path.join(out, "f4-2x3x2.npy"), ramp((2, 3, 2), "<f4"))
np.save(os.path.join(out, "f4-scalar.npy"), np.float32(2.5))
np.save(os.path.join(out, "f4-0x3.npy"), np.zeros((0, 3), "<f4"))
np.save(os.path.join(out, "f4-fortran-2x3.npy"), np.asfortranarray(ramp((2, 3), "<f4")))
np.save(os.path.join(out, "i4-2x3.npy"), np.arange(6, dtype="<i4").reshape(2, 3))
arrays = {"W1": ramp((4, 3), "<f4"), "b1": ramp((3,), "<f4"), "W2": ramp((3, 2), "<f8"), "b2": ramp((2,), "<f4")}
np.savez(os.path.join(out, "params.npz"), **arrays)
np.savez_compressed(os.path.join(out, "params-compressed.npz"), **arrays)
print("numpy", np.__version__, "wrote", sorted(os.listdir(out)))
