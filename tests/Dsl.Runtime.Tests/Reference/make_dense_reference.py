"""Generate PyTorch reference numbers for Dsl dense (Linear-stack) networks.

Produces dense_reference.json next to this script, containing for several small
models: the flat initial parameters, inputs, targets, the forward output (after
the final activation), the batch-mean loss and its gradient w.r.t. the flat
parameter vector; plus 100-step torch.optim.SGD trajectories on case 1.

Flat parameter layout (same as Dsl, same as torch.nn.utils.parameters_to_vector
over a stack of nn.Linear): for each layer in order, weight [out, in] row-major,
then bias [out]. Inputs are [batch, in] row-major, targets/outputs [batch, out].

Everything is float32 and built from closed-form formulas (no RNG), so the output
is deterministic. Rerun from the repository root with:

    /usr/bin/python3 tests/Dsl.Runtime.Tests/Reference/make_dense_reference.py
"""
import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as F

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)
OUT_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dense_reference.json")
ACTS = {"linear": lambda z: z, "sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu,
        "softplus": F.softplus, "softmax": lambda z: torch.softmax(z, dim=1)}


def f32(fn, shape):
    """Array of the given shape with element [idx] = fn(*idx), evaluated in float64, stored float32."""
    return np.array([fn(*idx) for idx in np.ndindex(*shape)], dtype=np.float64).astype(np.float32).reshape(shape)


def make_model(input_size, layers, dtype=torch.float32):
    sizes = [input_size] + [l["units"] for l in layers]
    return torch.nn.Sequential(*[torch.nn.Linear(sizes[i], sizes[i + 1]).to(dtype) for i in range(len(layers))])


def init_params(input_size, layers):
    """Flat params: p_j = 0.5*sin(1.3*j + 0.7), weights additionally scaled by 1/sqrt(fan_in)."""
    out, j, fan_in = [], 0, input_size
    for l in layers:
        for n, scale in ((l["units"] * fan_in, 1.0 / math.sqrt(fan_in)), (l["units"], 1.0)):
            out += [0.5 * math.sin(1.3 * (j + t) + 0.7) * scale for t in range(n)]
            j += n
        fan_in = l["units"]
    return np.array(out, dtype=np.float32)


def batch_loss(model, layers, loss_name, x, t, labels=None):
    """Returns (output after final activation, batch-mean loss)."""
    z = x
    for lin, l in zip(model, layers):
        pre = lin(z)
        z = ACTS[l["act"]](pre)
    if loss_name == "MeanSquaredError":
        loss = F.mse_loss(z, t)
    elif loss_name == "SumSquaredError":
        loss = F.mse_loss(z, t, reduction="sum") / x.shape[0]
    elif loss_name == "CrossEntropy":      # from the logits `pre`, soft targets t
        loss = -(t * F.log_softmax(pre, dim=1)).sum(dim=1).mean()
        if labels is not None:             # must agree with the integer-label form
            assert abs(loss.item() - F.cross_entropy(pre, labels).item()) < 1e-6
    elif loss_name == "BinaryCrossEntropy":
        loss = F.binary_cross_entropy_with_logits(pre, t)
    else:
        raise ValueError(loss_name)
    return z, loss


def flat_grad(model):
    return torch.cat([p.grad.reshape(-1) for p in model.parameters()])


def run_case(c):
    model = make_model(c["input_size"], c["layers"])
    torch.nn.utils.vector_to_parameters(torch.from_numpy(c["params"]), model.parameters())
    x, t = torch.from_numpy(c["input"]), torch.from_numpy(c["target"])
    labels = torch.tensor(c["labels"]) if "labels" in c else None
    y, loss = batch_loss(model, c["layers"], c["loss_function"], x, t, labels)
    loss.backward()
    g = flat_grad(model).detach().numpy()
    # Self-check: central finite differences of the same loss in float64.
    p64, m64 = torch.from_numpy(c["params"]).double(), make_model(c["input_size"], c["layers"], torch.float64)
    fd, h = np.zeros(len(p64)), 1e-6
    with torch.no_grad():
        for j in range(len(p64)):
            vals = []
            for s in (h, -h):
                q = p64.clone(); q[j] += s
                torch.nn.utils.vector_to_parameters(q, m64.parameters())
                vals.append(batch_loss(m64, c["layers"], c["loss_function"], x.double(), t.double())[1].item())
            fd[j] = (vals[0] - vals[1]) / (2 * h)
    err = np.abs(g - fd).max() / max(np.abs(fd).max(), 1e-12)
    print(f"{c['name']:24s} loss={loss.item():.6f} max|grad|={np.abs(g).max():.6f} fd rel err={err:.2e}")
    if err > 1e-3:
        raise SystemExit(f"FAIL: autograd vs finite-difference mismatch in {c['name']}: {err}")
    return y.detach().numpy(), loss.item(), g


def case(name, input_size, layers, loss_function, x, t, labels=None):
    layers = [{"units": u, "act": a} for u, a in layers]
    c = {"name": name, "layers": layers, "input_size": input_size, "loss_function": loss_function,
         "batch": x.shape[0], "params": init_params(input_size, layers), "input": x, "target": t}
    if labels is not None:
        c["labels"] = labels
    c["output"], c["loss"], c["grad"] = run_case(c)
    return c


cases = []
# 1. Softmax classifier: 4 -> 5 tanh -> 3 softmax, CrossEntropy, integer labels (s*7)%3 + one-hot target.
lab1 = [(s * 7) % 3 for s in range(10)]
cases.append(case("tanh_softmax_ce", 4, [(5, "tanh"), (3, "softmax")], "CrossEntropy",
                  f32(lambda s, k: math.sin(0.37 * s + 0.91 * k + 0.2), (10, 4)),
                  f32(lambda s, k: 1.0 if lab1[s] == k else 0.0, (10, 3)), lab1))
# 2. Two sigmoid layers, BinaryCrossEntropy, 0/1 targets from the sign of a sine.
cases.append(case("sigmoid_bce", 3, [(6, "sigmoid"), (2, "sigmoid")], "BinaryCrossEntropy",
                  f32(lambda s, k: math.cos(0.43 * s + 1.27 * k + 0.1), (10, 3)),
                  f32(lambda s, k: 1.0 if math.sin(0.53 * s + 1.7 * k + 0.3) > 0 else 0.0, (10, 2))))
# 3. Wider net, batch 70 (> 64 on purpose): 20 -> 40 relu -> 30 softplus -> 2 linear, MSE.
cases.append(case("wide_relu_softplus_mse", 20, [(40, "relu"), (30, "softplus"), (2, "linear")],
                  "MeanSquaredError", f32(lambda s, k: math.sin(0.37 * s + 1.1 * k + 0.05 * s * k), (70, 20)),
                  f32(lambda s, k: 0.5 * math.cos(0.29 * s + 1.3 * k), (70, 2))))
# 4. XOR with a bias input: 3 -> 4 sigmoid -> 1 sigmoid, SumSquaredError.
cases.append(case("sse_sigmoid", 3, [(4, "sigmoid"), (1, "sigmoid")], "SumSquaredError",
                  np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=np.float32),
                  np.array([[0], [1], [1], [0]], dtype=np.float32)))

# SGD trajectories on case 1: 100 steps of zero_grad / loss / backward / step.
SGD_CONFIGS = {"plain": dict(lr=0.1), "momentum": dict(lr=0.1, momentum=0.9),
               "dampening": dict(lr=0.1, momentum=0.9, dampening=0.3),
               "nesterov_wd": dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01),
               "wd_only": dict(lr=0.1, weight_decay=0.05)}
c1, sgd = cases[0], {}
for name, cfg in SGD_CONFIGS.items():
    cfg = {"lr": 0.0, "momentum": 0.0, "dampening": 0.0, "weight_decay": 0.0, "nesterov": False, **cfg}
    model = make_model(c1["input_size"], c1["layers"])
    torch.nn.utils.vector_to_parameters(torch.from_numpy(c1["params"].copy()), model.parameters())
    opt = torch.optim.SGD(model.parameters(), **cfg)
    x, t, losses = torch.from_numpy(c1["input"]), torch.from_numpy(c1["target"]), []
    for _ in range(100):
        opt.zero_grad()
        loss = batch_loss(model, c1["layers"], "CrossEntropy", x, t)[1]
        loss.backward()
        losses.append(loss.item())
        opt.step()
    final = torch.nn.utils.parameters_to_vector(model.parameters()).detach().numpy()
    print(f"sgd {name:12s} loss[0]={losses[0]:.6f} loss[99]={losses[-1]:.6f}")
    sgd[name] = {**cfg, "losses": losses, "final_params": final}


def tojson(v):
    if isinstance(v, np.ndarray):
        return [float(a) for a in v.reshape(-1)]      # flat, float32 values exactly
    if isinstance(v, dict):
        return {k: tojson(a) for k, a in v.items()}
    if isinstance(v, list):
        return [tojson(a) for a in v]
    return v  # scalars: losses are .item() of float32 tensors (exact); hyperparameters as given


def dump(v, ind=""):
    """Pretty JSON with dicts indented but each list on a single line."""
    if isinstance(v, dict):
        items = [f'{ind}  {json.dumps(k)}: {dump(a, ind + "  ")}' for k, a in v.items()]
        return "{\n" + ",\n".join(items) + "\n" + ind + "}"
    return json.dumps(v)


doc = {"torch_version": torch.__version__,
       "cases": {c["name"]: tojson({k: a for k, a in c.items() if k != "name"}) for c in cases},
       "sgd": tojson(sgd)}
with open(OUT_PATH, "w") as f:
    f.write(dump(doc) + "\n")
print("wrote", OUT_PATH)
