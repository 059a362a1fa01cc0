#!/usr/bin/env python3
"""Write the small, class-balanced Fashion-MNIST subset that vecprop embeds as a test/demo resource.

Reads the four IDX files of the Debian package dataset-fashion-mnist and keeps, in file order, the
first TRAIN_PER_CLASS images of each class from the training file and the first TEST_PER_CLASS of
each class from the test file. Writes them as gzip IDX files with mtime 0 and no file name in the
gzip header, so running the script twice gives byte-identical output.

Standard library only (no numpy): the build machines cannot reach PyPI.

Usage: python3 scripts/make-fashion-subset.py [SOURCE_DIR [OUTPUT_DIR]]
"""
import gzip
import io
import os
import struct
import sys

SOURCE_DIR = "/usr/share/datasets/fashion-mnist"
OUTPUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                          "src", "main", "resources", "io", "github", "vecprop", "data", "fashion-mnist-subset")
TRAIN_PER_CLASS = 400
TEST_PER_CLASS = 100
CLASSES = 10
UBYTE = 0x08


def read_idx(path):
    """Returns (dims, payload bytes) of an unsigned-byte IDX file, gzip or raw, after validating it."""
    with open(path, "rb") as f:
        raw = f.read()
    data = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        sys.exit(f"{path}: not an IDX file (bad magic)")
    if data[2] != UBYTE:
        sys.exit(f"{path}: IDX type 0x{data[2]:02x} is not unsigned byte (0x08)")
    rank = data[3]
    header = 4 + 4 * rank
    if rank < 1 or len(data) < header:
        sys.exit(f"{path}: bad rank {rank} or truncated header")
    dims = struct.unpack(f">{rank}I", data[4:header])
    size = 1
    for d in dims:
        size *= d
    if len(data) - header != size:
        sys.exit(f"{path}: expected {size} data bytes after the header, found {len(data) - header}")
    return dims, data[header:]


def write_idx_gz(path, dims, payload):
    header = struct.pack(f">BBBB{len(dims)}I", 0, 0, UBYTE, len(dims), *dims)
    buf = io.BytesIO()
    # mtime=0 and an empty header file name make the gzip bytes depend only on the content.
    with gzip.GzipFile(filename="", mode="wb", compresslevel=9, fileobj=buf, mtime=0) as gz:
        gz.write(header)
        gz.write(payload)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(buf.getvalue())
    os.replace(tmp, path)


def subset(prefix, per_class, source_dir, output_dir):
    img_dims, images = read_idx(os.path.join(source_dir, f"{prefix}-images-idx3-ubyte.gz"))
    lbl_dims, labels = read_idx(os.path.join(source_dir, f"{prefix}-labels-idx1-ubyte.gz"))
    if len(img_dims) != 3 or len(lbl_dims) != 1 or img_dims[0] != lbl_dims[0]:
        sys.exit(f"{prefix}: image dims {img_dims} and label dims {lbl_dims} do not match")
    n, rows, cols = img_dims
    pixels = rows * cols
    taken = [0] * CLASSES
    keep = []
    for i in range(n):
        c = labels[i]
        if c >= CLASSES:
            sys.exit(f"{prefix}: label {c} at index {i} is not below {CLASSES}")
        if taken[c] < per_class:
            taken[c] += 1
            keep.append(i)
    if any(t < per_class for t in taken):
        sys.exit(f"{prefix}: not enough images per class: {taken}")
    out_images = b"".join(images[i * pixels:(i + 1) * pixels] for i in keep)
    out_labels = bytes(labels[i] for i in keep)
    write_idx_gz(os.path.join(output_dir, f"{prefix}-images-idx3-ubyte.gz"), (len(keep), rows, cols), out_images)
    write_idx_gz(os.path.join(output_dir, f"{prefix}-labels-idx1-ubyte.gz"), (len(keep),), out_labels)
    print(f"{prefix}: kept {len(keep)} of {n} images ({per_class} per class)")


def main():
    source_dir = sys.argv[1] if len(sys.argv) > 1 else SOURCE_DIR
    output_dir = os.path.normpath(sys.argv[2] if len(sys.argv) > 2 else OUTPUT_DIR)
    os.makedirs(output_dir, exist_ok=True)
    subset("train", TRAIN_PER_CLASS, source_dir, output_dir)
    subset("t10k", TEST_PER_CLASS, source_dir, output_dir)
    print(f"wrote {output_dir}")


if __name__ == "__main__":
    main()
