#!/usr/bin/python3
"""Writes the ONNX and safetensors test files under src/test/resources/io/github/vecprop/io/onnx/ with
Debian's python3-torch (1.13.1) and python3-onnx (1.12), so the importers are checked against what
torch.onnx.export really produces, not against bytes written by hand.

  /usr/bin/python3 scripts/make-onnx-fixtures.py [FASHION_MNIST_DIR]

Models (each exported with a dynamic batch dimension):
  mlp-784-50-10      Linear-ReLU-Linear, trained 3 epochs on Fashion-MNIST (Adam), opset 13; also its
                     classes for all 10,000 test images (mlp-784-50-10.classes.txt, as `vecprop predict`
                     prints them) and its test accuracy (in the .npz below)
  tanh-sigmoid       784-64-32-10, Linear-Tanh-Linear-Sigmoid-Linear-LogSoftmax, random init, opset 11
  batchnorm-dropout  784-32-10, Linear-BatchNorm1d-ReLU-Dropout-Linear-Softmax, trained 1 epoch, opset 12;
                     torch drops Dropout in eval mode, so a Dropout node (ratio 0.2) is put back by hand
  flatten            nn.Flatten on 1x28x28 input, then 784-16-10, opset 17
  matmul-add         torch.matmul(x, W) + b twice (exports as MatMul + Add), 784-16-10, opset 14; then by
                     hand: initializers rewritten into float_data, and Constant + Reshape + Identity put first
For each, <name>.npz holds `input` (8 test images) and `output` (PyTorch's outputs for them, in eval
mode); for mlp-784-50-10 the inputs are the embedded subset's 1000 test images (not stored again) and
`accuracy` is PyTorch's test accuracy on the full set.
safetensors twins of the state dicts (weights out x in, as PyTorch stores them): mlp-784-50-10.safetensors
(F32), mlp-784-50-10-f16.safetensors and -bf16 (the same weights rounded; the .npz output is PyTorch's
output with the rounded weights in float32), tanh-sigmoid.safetensors, batchnorm-dropout.safetensors (with
its I64 num_batches_tracked).
Unsupported cases, for the error messages: unsupported-conv.onnx, unsupported-external.onnx (external
tensor data), unsupported-int64.onnx (an int64 weight), unsupported-branch.onnx (not a chain).
"""
import gzip
import json
import os
import struct
import sys

import numpy as np
import onnx
import torch
from onnx import helper, TensorProto, numpy_helper

here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, "..", "src", "test", "resources", "io", "github", "vecprop", "io", "onnx")
subset = os.path.join(here, "..", "src", "main", "resources", "io", "github", "vecprop", "data", "fashion-mnist-subset")
data = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/datasets/fashion-mnist"
os.makedirs(out, exist_ok=True)
torch.manual_seed(0)
np.random.seed(0)


def idx(path):
    with gzip.open(path, "rb") as f:
        b = f.read()
    rank = b[3]
    dims = struct.unpack(">" + "i" * rank, b[4:4 + 4 * rank])
    return np.frombuffer(b, np.uint8, offset=4 + 4 * rank).reshape(dims)


def images(name, directory=data):
    x = idx(os.path.join(directory, name))
    return (x.reshape(x.shape[0], -1).astype(np.float32) / 255.0).astype(np.float32)


x_train = images("train-images-idx3-ubyte.gz")
t_train = idx(os.path.join(data, "train-labels-idx1-ubyte.gz")).astype(np.int64)
x_test = images("t10k-images-idx3-ubyte.gz")
t_test = idx(os.path.join(data, "t10k-labels-idx1-ubyte.gz")).astype(np.int64)
x_subset = images("t10k-images-idx3-ubyte.gz", subset)


def train(model, epochs, lr=1e-3):
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    loss = torch.nn.CrossEntropyLoss()
    g = torch.Generator().manual_seed(1)
    for _ in range(epochs):
        model.train()
        order = torch.randperm(len(x_train), generator=g)
        for i in range(0, len(order), 100):
            b = order[i:i + 100]
            opt.zero_grad()
            loss(model(torch.from_numpy(x_train[b.numpy()])), torch.from_numpy(t_train[b.numpy()])).backward()
            opt.step()
    model.eval()


def export(model, name, opset, shape=(784,)):
    model.eval()
    path = os.path.join(out, name + ".onnx")
    torch.onnx.export(model, torch.zeros((1,) + shape), path, opset_version=opset, input_names=["input"],
                      output_names=["output"], dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
    return path


def outputs(model, name, x, shape=(784,), store_input=True, **extra):
    with torch.no_grad():
        y = model(torch.from_numpy(x).reshape((-1,) + shape)).numpy().astype(np.float32)
    arrays = dict(output=y, **extra)
    if store_input:
        arrays["input"] = x
    np.savez(os.path.join(out, name + ".npz"), **arrays)


def safetensors(path, tensors, dtype="F32"):
    header, blobs, at = {}, [], 0
    for k in sorted(tensors):
        t = tensors[k].detach()
        if dtype == "F32":
            raw = t.to(torch.float32).numpy().astype("<f4").tobytes()
        elif dtype == "F16":
            raw = t.to(torch.float16).numpy().astype("<f2").tobytes()
        else:  # BF16: the top half of each float32, after torch's round-to-nearest-even
            raw = t.to(torch.bfloat16).view(torch.int16).numpy().astype("<i2").tobytes()
        header[k] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [at, at + len(raw)]}
        blobs.append(raw)
        at += len(raw)
    header["__metadata__"] = {"format": "pt"}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def safetensors_any(path, tensors):
    """Like safetensors(), F32, but integer tensors keep their own dtype (I64)."""
    header, blobs, at = {}, [], 0
    for k in sorted(tensors):
        t = tensors[k].detach()
        if t.dtype == torch.int64:
            raw, dtype = t.numpy().astype("<i8").tobytes(), "I64"
        else:
            raw, dtype = t.to(torch.float32).numpy().astype("<f4").tobytes(), "F32"
        header[k] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [at, at + len(raw)]}
        blobs.append(raw)
        at += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


# 1. 784-50-10 ReLU, trained.
mlp = torch.nn.Sequential(torch.nn.Linear(784, 50), torch.nn.ReLU(), torch.nn.Linear(50, 10))
train(mlp, 3)
export(mlp, "mlp-784-50-10", 13)
with torch.no_grad():
    classes = mlp(torch.from_numpy(x_test)).argmax(1).numpy()
accuracy = float((classes == t_test).mean())
with open(os.path.join(out, "mlp-784-50-10.classes.txt"), "w") as f:
    f.writelines(f"{i} {c}\n" for i, c in enumerate(classes))
outputs(mlp, "mlp-784-50-10", x_subset, store_input=False, accuracy=np.array([accuracy], np.float32))
safetensors(os.path.join(out, "mlp-784-50-10.safetensors"), mlp.state_dict())
for dtype, torch_dtype in (("F16", torch.float16), ("BF16", torch.bfloat16)):
    rounded = torch.nn.Sequential(torch.nn.Linear(784, 50), torch.nn.ReLU(), torch.nn.Linear(50, 10))
    rounded.load_state_dict({k: v.to(torch_dtype).to(torch.float32) for k, v in mlp.state_dict().items()})
    safetensors(os.path.join(out, "mlp-784-50-10-" + dtype.lower() + ".safetensors"), mlp.state_dict(), dtype)
    outputs(rounded.eval(), "mlp-784-50-10-" + dtype.lower(), x_test[:8])
print("mlp-784-50-10: test accuracy", accuracy)

# 2. Tanh and Sigmoid, random init, LogSoftmax at the end.
ts = torch.nn.Sequential(torch.nn.Linear(784, 64), torch.nn.Tanh(), torch.nn.Linear(64, 32), torch.nn.Sigmoid(),
                         torch.nn.Linear(32, 10), torch.nn.LogSoftmax(dim=1))
export(ts, "tanh-sigmoid", 11)
outputs(ts, "tanh-sigmoid", x_test[:8])
safetensors(os.path.join(out, "tanh-sigmoid.safetensors"), ts.state_dict())

# 3. BatchNorm1d and Dropout, Softmax at the end.
bn = torch.nn.Sequential(torch.nn.Linear(784, 32), torch.nn.BatchNorm1d(32), torch.nn.ReLU(), torch.nn.Dropout(0.2),
                         torch.nn.Linear(32, 10), torch.nn.Softmax(dim=1))
train(bn, 1)
path = export(bn, "batchnorm-dropout", 12)
m = onnx.load(path)
relu = next(n for n in m.graph.node if n.op_type == "Relu")
relu_out = relu.output[0]
relu.output[0] = relu_out + "_before_dropout"
at = list(m.graph.node).index(relu)
m.graph.initializer.append(numpy_helper.from_array(np.array(0.2, np.float32), "dropout_ratio"))
m.graph.node.insert(at + 1, helper.make_node("Dropout", [relu_out + "_before_dropout", "dropout_ratio"], [relu_out], name="dropout"))
onnx.checker.check_model(m)
onnx.save(m, path)
outputs(bn, "batchnorm-dropout", x_test[:8])
# Its state dict as PyTorch keeps it, num_batches_tracked (an int64 counter) included.
safetensors_any(os.path.join(out, "batchnorm-dropout.safetensors"), bn.state_dict())

# 4. nn.Flatten on 1x28x28 images.
fl = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 16), torch.nn.ReLU(), torch.nn.Linear(16, 10))
export(fl, "flatten", 17, (1, 28, 28))
outputs(fl, "flatten", x_test[:8], (1, 28, 28))


# 5. torch.matmul + bias: MatMul and Add nodes.
class MatMulNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.w1 = torch.nn.Parameter(torch.randn(784, 16) * 0.05)
        self.b1 = torch.nn.Parameter(torch.randn(16) * 0.1)
        self.w2 = torch.nn.Parameter(torch.randn(16, 10) * 0.3)
        self.b2 = torch.nn.Parameter(torch.randn(10) * 0.1)

    def forward(self, x):
        return torch.matmul(torch.relu(torch.matmul(x, self.w1) + self.b1), self.w2) + self.b2


mm = MatMulNet()
path = export(mm, "matmul-add", 14)
outputs(mm, "matmul-add", x_test[:8])
# By hand, the other ways exporters write things: initializers in float_data (not raw_data), and the
# input passing a Reshape to a Constant shape [-1, 784] and an Identity before the first MatMul.
m = onnx.load(path)
for i, t in enumerate(m.graph.initializer):
    a = numpy_helper.to_array(t)
    m.graph.initializer[i].CopyFrom(helper.make_tensor(t.name, TensorProto.FLOAT, a.shape, a.flatten().tolist(), raw=False))
first = m.graph.node[0]
first.input[0] = "identity_out"
m.graph.node.insert(0, helper.make_node("Identity", ["reshaped"], ["identity_out"], name="identity"))
m.graph.node.insert(0, helper.make_node("Reshape", ["input", "shape"], ["reshaped"], name="reshape"))
m.graph.node.insert(0, helper.make_node("Constant", [], ["shape"], name="shape_constant",
                                        value=numpy_helper.from_array(np.array([-1, 784], np.int64))))
onnx.checker.check_model(m)
onnx.save(m, path)


# Unsupported cases, built by hand: each must be refused with the node, its operator and the opset named.
def model(nodes, inits, opset=13, inp=("input", [None, 784])):
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info(inp[0], TensorProto.FLOAT, inp[1])],
                          [helper.make_tensor_value_info("output", TensorProto.FLOAT, [None, 10])], inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)], producer_name="make-onnx-fixtures")


w = numpy_helper.from_array(np.ones((10, 784), np.float32) * 0.01, "W")
b = numpy_helper.from_array(np.zeros(10, np.float32), "B")
onnx.save(model([helper.make_node("Conv", ["input", "W"], ["output"], name="conv0")], [w]),
          os.path.join(out, "unsupported-conv.onnx"))
ext = model([helper.make_node("Gemm", ["input", "W", "B"], ["output"], name="fc", transB=1)], [w, b])
ext.graph.initializer[0].ClearField("raw_data")
ext.graph.initializer[0].data_location = TensorProto.EXTERNAL
ext.graph.initializer[0].external_data.add(key="location", value="weights.bin")
onnx.save(ext, os.path.join(out, "unsupported-external.onnx"))
w64 = numpy_helper.from_array(np.ones((10, 784), np.int64), "W")
onnx.save(model([helper.make_node("Gemm", ["input", "W", "B"], ["output"], name="fc", transB=1)], [w64, b]),
          os.path.join(out, "unsupported-int64.onnx"))
w2 = numpy_helper.from_array(np.ones((784, 10), np.float32) * 0.01, "W2")
onnx.save(model([helper.make_node("Relu", ["input"], ["r"], name="relu"),
                 helper.make_node("MatMul", ["input", "W2"], ["m"], name="mm"),
                 helper.make_node("MatMul", ["r", "W2"], ["m2"], name="mm2"),
                 helper.make_node("Add", ["m", "m2"], ["output"], name="join")], [w2]),
          os.path.join(out, "unsupported-branch.onnx"))
print("torch", torch.__version__, "onnx", onnx.__version__, "wrote", sorted(os.listdir(out)))
