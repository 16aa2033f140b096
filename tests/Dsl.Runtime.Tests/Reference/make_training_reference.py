"""Generate PyTorch reference numbers for Dsl's training API: gradient clipping and checkpoint interop.

Produces training_reference.json next to this script:

- "clip": four gradient tensors (the shapes of a 4-5-3 network: [5, 4], [5], [3, 5], [3]) and what
  torch.nn.utils.clip_grad_norm_ (max_norm 0.5, which clips, and 100, which does not; norm type 2) and
  clip_grad_value_ (0.05) make of them, with clip_grad_norm_'s returned total norm.
- "fit_clip_norm", "fit_clip_value": a 4-5-3 tanh/softmax network (Dsl's RefTanhSoftmaxCe: Linear(4, 5),
  tanh, Linear(5, 3), cross-entropy on integer labels) trained by torch.optim.SGD(lr 0.5, momentum 0.9) for 3
  epochs of 3 batches of 4 samples, in order (no shuffling), clipping every batch's gradient with
  clip_grad_norm_(0.3) or clip_grad_value_(0.02) between backward() and step(); the epochs' mean losses and
  the final flat parameters. Dsl's Fit with Shuffle = false, BatchSize = 4 and ClipNorm / ClipValue must agree.
- "safetensors": a checkpoint of the same network with PyTorch-initialised weights, written here with plain
  json + numpy following the safetensors specification (8-byte little-endian header length, JSON header,
  raw little-endian data), base64-encoded; tensors deliberately not in layout order. With the inputs and
  the network's softmax outputs computed by PyTorch, so a test can load it and compare Forward.

Everything is float32; the gradients and data come from a seeded torch generator or closed-form formulas.
`read_safetensors(path)` below is the json + numpy reader used to check files written by Dsl. Run from the
repository root with a Python that has PyTorch 1.13 and NumPy (Debian's python3-torch):

    python3 tests/Dsl.Runtime.Tests/Reference/make_training_reference.py
    python3 tests/Dsl.Runtime.Tests/Reference/make_training_reference.py --read some.safetensors
"""
import base64
import json
import math
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)
OUT_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "training_reference.json")
SHAPES = [(5, 4), (5,), (3, 5), (3,)]
NAMES = ["L1.weight", "L1.bias", "L2.weight", "L2.bias"]


def flat(tensors):
    return [float(v) for t in tensors for v in t.detach().reshape(-1).tolist()]


def clip_case():
    g = torch.Generator().manual_seed(1234)
    grads = [torch.randn(s, generator=g, dtype=torch.float32) * 0.3 for s in SHAPES]
    out = {"grads": flat(grads)}
    for key, max_norm in (("norm_0_5", 0.5), ("norm_100", 100.0)):
        params = [torch.zeros(s, requires_grad=True) for s in SHAPES]
        for p, gr in zip(params, grads):
            p.grad = gr.clone()
        norm = torch.nn.utils.clip_grad_norm_(params, max_norm=max_norm, norm_type=2.0)
        out[key] = {"max_norm": max_norm, "total_norm": float(norm), "clipped": flat([p.grad for p in params])}
    params = [torch.zeros(s, requires_grad=True) for s in SHAPES]
    for p, gr in zip(params, grads):
        p.grad = gr.clone()
    torch.nn.utils.clip_grad_value_(params, clip_value=0.05)
    out["value_0_05"] = {"clip_value": 0.05, "clipped": flat([p.grad for p in params])}
    return out


def make_net():
    return torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.Tanh(), torch.nn.Linear(5, 3))


def init_params():
    """Flat params: p_j = 0.8*sin(0.9*j + 0.3), weights additionally scaled by 1/sqrt(fan_in)."""
    out, j = [], 0
    for (n_out, n_in) in ((5, 4), (3, 5)):
        for n, scale in ((n_out * n_in, 1 / math.sqrt(n_in)), (n_out, 1.0)):
            out += [0.8 * math.sin(0.9 * (j + t) + 0.3) * scale for t in range(n)]
            j += n
    return np.array(out, dtype=np.float32)


def fit_data():
    x = np.array([[math.sin(1.7 * s + 0.4 * i) + 0.3 * math.cos(s * i) for i in range(4)] for s in range(12)], dtype=np.float32)
    labels = np.array([(s * 7 + 1) % 3 for s in range(12)], dtype=np.int64)
    return x, labels


def fit_case(clip):
    net = make_net()
    p0 = init_params()
    torch.nn.utils.vector_to_parameters(torch.from_numpy(p0.copy()), net.parameters())
    opt = torch.optim.SGD(net.parameters(), lr=0.5, momentum=0.9)
    x, labels = fit_data()
    xt, lt = torch.from_numpy(x), torch.from_numpy(labels)
    epoch_losses = []
    for epoch in range(3):
        total = 0.0
        for first in range(0, 12, 4):
            opt.zero_grad()
            loss = F.cross_entropy(net(xt[first:first + 4]), lt[first:first + 4])
            loss.backward()
            if clip[0] == "norm":
                torch.nn.utils.clip_grad_norm_(net.parameters(), max_norm=clip[1])
            else:
                torch.nn.utils.clip_grad_value_(net.parameters(), clip_value=clip[1])
            opt.step()
            total += float(loss) * 4
        epoch_losses.append(total / 12)
    return {"clip": clip[1], "lr": 0.5, "momentum": 0.9, "epochs": 3, "batch_size": 4,
            "params0": [float(v) for v in p0], "inputs": [float(v) for v in x.reshape(-1)], "labels": [int(v) for v in labels],
            "epoch_losses": epoch_losses, "params": flat(list(net.parameters()))}


def write_safetensors(tensors, metadata):
    """tensors: list of (name, float32 numpy array), written in the order given."""
    header, offset = {"__metadata__": metadata}, 0
    for name, a in tensors:
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(a.astype("<f4").tobytes() for _, a in tensors)


def read_safetensors(path):
    """Plain json + numpy reader: returns ({name: array}, metadata)."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    body = data[8 + n:]
    dtypes = {"F32": "<f4", "F64": "<f8"}
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        tensors[name] = np.frombuffer(body[begin:end], dtype=dtypes[info["dtype"]]).reshape(info["shape"])
    assert sum(a.nbytes for a in tensors.values()) == len(body), "data section not tiled exactly"
    return tensors, metadata


def safetensors_case():
    torch.manual_seed(7)
    net = make_net()
    params = {NAMES[i]: p.detach().numpy().copy() for i, p in enumerate(net.parameters())}
    order = ["L2.bias", "L1.weight", "L2.weight", "L1.bias"]  # not the layout order: names, not order, decide
    blob = write_safetensors([(k, params[k]) for k in order], {"source": "make_training_reference.py", "framework": "pt"})
    x = torch.tensor([[0.5, -1.0, 0.25, 2.0], [-0.3, 0.8, -1.5, 0.1], [1.2, 0.0, 0.7, -0.9]], dtype=torch.float32)
    with torch.no_grad():
        probs = torch.softmax(net(x), dim=1)
    path = OUT_PATH + ".tmp.safetensors"
    with open(path, "wb") as f:
        f.write(blob)
    back, meta = read_safetensors(path)
    os.remove(path)
    assert all(np.array_equal(back[k], params[k]) for k in NAMES) and meta["source"] == "make_training_reference.py"
    return {"file_base64": base64.b64encode(blob).decode("ascii"), "params": flat([torch.from_numpy(params[k]) for k in NAMES]),
            "inputs": [float(v) for v in x.reshape(-1)], "outputs": [float(v) for v in probs.reshape(-1)]}


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--read":
        tensors, metadata = read_safetensors(sys.argv[2])
        print("metadata:", json.dumps(metadata, sort_keys=True))
        for name, a in tensors.items():
            print(f"{name} {a.dtype} {list(a.shape)} first {a.reshape(-1)[:4].tolist()} sum {float(a.astype(np.float64).sum()):.9g}")
        return
    ref = {"torch_version": torch.__version__, "clip": clip_case(),
           "fit_clip_norm": fit_case(("norm", 0.3)), "fit_clip_value": fit_case(("value", 0.02)),
           "safetensors": safetensors_case()}
    with open(OUT_PATH, "w") as f:
        json.dump(ref, f, indent=1)
    print("wrote", OUT_PATH)


if __name__ == "__main__":
    main()
