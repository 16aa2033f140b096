#!/usr/bin/env python3
"""Writes the shipped Fashion-MNIST subset: the first 5000 training and the first 1000 test images and labels.

Reads the four gzip IDX files of Debian's dataset-fashion-mnist package (installed in
/usr/share/datasets/fashion-mnist/) and writes gzip IDX files with the same names beside this script. Standard
library only; gzip is written with mtime=0 and no file name, so the same zlib gives the same bytes every run.

    /usr/bin/python3 data/fashion-mnist-subset/make_subset.py [SOURCE_DIR [OUTPUT_DIR]]
"""
import gzip
import os
import struct
import sys

IMAGES_MAGIC = 0x00000803  # IDX, unsigned bytes, 3 dimensions: count, rows, cols
LABELS_MAGIC = 0x00000801  # IDX, unsigned bytes, 1 dimension: count
SUBSET = {"train": 5000, "t10k": 1000}


def read_idx(path, magic, dims):
    with gzip.open(path, "rb") as f:
        data = f.read()
    header = 4 + 4 * dims
    found_magic, *shape = struct.unpack(">I" + "I" * dims, data[:header])
    if found_magic != magic:
        sys.exit(f"{path}: expected magic 0x{magic:08x}, found 0x{found_magic:08x}")
    size = 1
    for d in shape:
        size *= d
    if len(data) != header + size:
        sys.exit(f"{path}: header promises {size} data bytes, found {len(data) - header}")
    return shape, data[header:]


def write_idx(path, magic, shape, payload):
    # GzipFile with an explicit fileobj and filename="" stores no name and, with mtime=0, no time stamp.
    tmp = path + ".tmp"
    with open(tmp, "wb") as raw, gzip.GzipFile(filename="", mode="wb", compresslevel=9, fileobj=raw, mtime=0) as f:
        f.write(struct.pack(">I" + "I" * len(shape), magic, *shape))
        f.write(payload)
    os.replace(tmp, path)


def main():
    source = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/datasets/fashion-mnist"
    output = sys.argv[2] if len(sys.argv) > 2 else os.path.dirname(os.path.abspath(__file__))
    for prefix, n in SUBSET.items():
        images_name = f"{prefix}-images-idx3-ubyte.gz"
        labels_name = f"{prefix}-labels-idx1-ubyte.gz"
        (count, rows, cols), pixels = read_idx(os.path.join(source, images_name), IMAGES_MAGIC, 3)
        (label_count,), labels = read_idx(os.path.join(source, labels_name), LABELS_MAGIC, 1)
        if count != label_count:
            sys.exit(f"{prefix}: {count} images but {label_count} labels")
        if n > count:
            sys.exit(f"{prefix}: asked for {n} samples, the source holds {count}")
        write_idx(os.path.join(output, images_name), IMAGES_MAGIC, (n, rows, cols), pixels[: n * rows * cols])
        write_idx(os.path.join(output, labels_name), LABELS_MAGIC, (n,), labels[:n])
        histogram = [labels[:n].count(c) for c in range(10)]
        print(f"{prefix}: {n} of {count} images {rows}x{cols}, labels per class {histogram}")


if __name__ == "__main__":
    main()
