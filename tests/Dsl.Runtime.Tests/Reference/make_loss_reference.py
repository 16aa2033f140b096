"""Generate PyTorch reference numbers for Dsl's losses (Dsl.Loss, Dsl.Runtime.LossFunctions).

Writes loss_reference.json next to this script with three sections:

  "losses":     for each loss, outputs y [batch, K], targets t, the batch-mean loss and its gradient with respect
                to y (what LossFunctions.X computes with scale = 1 / batch), in float64 from float32 inputs;
  "evaluation": the evaluation helpers (categorical cross-entropy of probabilities against one-hot targets and
                integer labels, binary cross-entropy with clipping), in float64;
  "models":     small networks 4 -> 6 tanh -> 3 with each new loss: flat float32 parameters, inputs, targets, and,
                computed from them in float64, the forward output, the batch-mean loss and its gradient with respect
                to the flat parameter vector (same layout as Dsl and torch.nn.utils.parameters_to_vector over
                nn.Linear layers), for Dsl's float32 models to approach.

Each loss is written with torch.nn.functional where PyTorch has it, with the clipping Dsl documents:
  MeanSquaredError       F.mse_loss(y, t)
  SumSquaredError        F.mse_loss(y, t, reduction='sum') / batch
  HalfSumSquaredError    0.5 * F.mse_loss(y, t, reduction='sum') / batch
  Huber                  F.huber_loss(y, t, delta=1.0)
  Hinge                  torch.clamp(1 - t' * y, min=0).mean(),  t' = where(t == 0, -1, t)   (Keras' hinge)
  KLDivergence           F.kl_div(log(p.clamp(1e-7, 1)), t.clamp(1e-7, 1), reduction='batchmean')   (Keras' kl_divergence)
  NegativeLogLikelihood  F.nll_loss(log(p.clamp(min=1e-7)), labels), or -(t * log(p.clamp(min=1e-7))).sum(1).mean()
No value sits on a kink (|y - t| = 1, a hinge margin of 0, p = 1e-7), where a subgradient would be a matter of choice.
Inputs come from closed-form formulas (no RNG), so the output is deterministic. Rerun from the repository root, with a
Python that has PyTorch (Debian's python3-torch 1.13 made the committed file):

    python3 tests/Dsl.Runtime.Tests/Reference/make_loss_reference.py
"""
import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as F

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)
OUT_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "loss_reference.json")
EPS = 1e-7


def f32(fn, shape):
    """float32 array of the given shape with element [idx] = fn(*idx), evaluated in float64."""
    return np.array([fn(*idx) for idx in np.ndindex(*shape)], dtype=np.float64).astype(np.float32).reshape(shape)


def softmax32(z):
    return torch.softmax(torch.from_numpy(z), dim=1).numpy().astype(np.float32)


def hinge_sign(t):
    return torch.where(t == 0, -torch.ones_like(t), t)


def loss_value(name, y, t, labels=None):
    """Batch-mean loss of model outputs y (after the activation) against targets t, as Dsl defines it."""
    batch = y.shape[0]
    if name == "MeanSquaredError":
        return F.mse_loss(y, t)
    if name == "SumSquaredError":
        return F.mse_loss(y, t, reduction="sum") / batch
    if name == "HalfSumSquaredError":
        return 0.5 * F.mse_loss(y, t, reduction="sum") / batch
    if name == "Huber":
        return F.huber_loss(y, t, delta=1.0)
    if name == "Hinge":
        return torch.clamp(1 - hinge_sign(t) * y, min=0).mean()
    if name == "KLDivergence":
        return F.kl_div(torch.log(y.clamp(EPS, 1)), t.clamp(EPS, 1), reduction="batchmean")
    if name == "NegativeLogLikelihood":
        loss = -(t * torch.log(y.clamp(min=EPS))).sum(dim=1).mean()
        if labels is not None:  # must agree with PyTorch's own NLLLoss on the log-probabilities
            nll = F.nll_loss(torch.log(y.clamp(min=EPS)), torch.tensor(labels))
            assert abs(loss.item() - nll.item()) <= 1e-6 * max(1.0, abs(nll.item())), (loss.item(), nll.item())
        return loss
    raise ValueError(name)


def check_kinks(name, y, t):
    """Refuse data on a kink of the loss, where the gradient depends on a subgradient convention."""
    y, t = y.astype(np.float64), t.astype(np.float64)
    if name == "Huber":
        assert np.abs(np.abs(y - t) - 1).min() > 1e-3, name
    if name == "Hinge":
        s = np.where(t == 0, -1.0, t)
        assert np.abs(1 - s * y).min() > 1e-3, name
    if name in ("KLDivergence", "NegativeLogLikelihood"):
        assert np.abs(np.log(np.maximum(y, 1e-30)) - math.log(EPS)).min() > 0.1, name


def loss_case(name, y, t, labels=None):
    check_kinks(name, y, t)
    y64 = torch.from_numpy(y.astype(np.float64)).requires_grad_(True)
    t64 = torch.from_numpy(t.astype(np.float64))
    loss = loss_value(name, y64, t64, labels)
    loss.backward()
    c = {"loss": name, "cols": y.shape[1], "output": y, "target": t, "value": loss.item(), "grad": y64.grad.numpy()}
    if labels is not None:
        c["labels"] = labels
    print(f"loss  {name:22s} batch={y.shape[0]:3d} K={y.shape[1]} value={loss.item():.8f}")
    return c


losses = {}
# Regression outputs and targets, errors from -3 to 3 so Huber sees both of its pieces; 7 x 5 and 70 x 3 values
# (past one SIMD vector and with a tail).
for b, k, tag in ((7, 5, ""), (70, 3, "_70")):
    y = f32(lambda s, j: 1.6 * math.sin(0.61 * s + 1.3 * j + 0.2), (b, k))
    t = f32(lambda s, j: 1.4 * math.cos(0.47 * s + 0.9 * j + 0.1), (b, k))
    for name in ("MeanSquaredError", "SumSquaredError", "HalfSumSquaredError", "Huber"):
        losses[name + tag] = loss_case(name, y, t)

# Hinge: scores against -1/1 targets and against 0/1 targets (converted to -1/1), margins on both sides of 0.
y = f32(lambda s, j: 1.7 * math.sin(0.73 * s + 1.1 * j + 0.3), (7, 5))
t_pm = f32(lambda s, j: 1.0 if math.cos(0.41 * s + 1.9 * j) > 0 else -1.0, (7, 5))
losses["Hinge"] = loss_case("Hinge", y, t_pm)
losses["Hinge_01"] = loss_case("Hinge", y, (t_pm > 0).astype(np.float32))
y70 = f32(lambda s, j: 1.7 * math.sin(0.37 * s + 1.1 * j + 0.3), (70, 3))
t70 = f32(lambda s, j: 1.0 if math.cos(0.29 * s + 1.9 * j) > 0 else 0.0, (70, 3))
losses["Hinge_70"] = loss_case("Hinge", y70, t70)

# Probability losses: softmax rows; soft targets (distributions), one-hot targets, and rows whose probability of
# the target class is clipped (exactly 0 and 1e-9), where the gradient is 0.
z = f32(lambda s, j: 2.5 * math.sin(0.53 * s + 1.7 * j + 0.4), (7, 5))
p = softmax32(z)
soft = softmax32(f32(lambda s, j: 1.5 * math.cos(0.67 * s + 0.8 * j), (7, 5)))
labels = [(3 * s + 1) % 5 for s in range(7)]
onehot = np.eye(5, dtype=np.float32)[labels]
clipped = p.copy()
clipped[2, labels[2]] = 0.0
clipped[5, labels[5]] = np.float32(1e-9)
for name in ("KLDivergence", "NegativeLogLikelihood"):
    losses[name] = loss_case(name, p, soft)
    losses[name + "_onehot"] = loss_case(name, p, onehot, labels if name == "NegativeLogLikelihood" else None)
    losses[name + "_clipped"] = loss_case(name, clipped, onehot)

# Evaluation helpers, float64.
cce_p = clipped
evaluation = {
    "categorical": {"probabilities": cce_p, "target": onehot, "labels": labels, "cols": 5,
                    "value": (-(torch.from_numpy(onehot).double() * torch.log(torch.from_numpy(cce_p).double().clamp(min=EPS))).sum(1).mean()).item()},
    "categorical_soft": {"probabilities": p, "target": soft, "cols": 5,
                         "value": (-(torch.from_numpy(soft).double() * torch.log(torch.from_numpy(p).double().clamp(min=EPS))).sum(1).mean()).item()},
}
sparse = F.nll_loss(torch.log(torch.from_numpy(cce_p).double().clamp(min=EPS)), torch.tensor(labels)).item()
assert abs(sparse - evaluation["categorical"]["value"]) < 1e-12
bce_p = f32(lambda s, j: 0.5 + 0.5 * math.sin(0.83 * s + 1.2 * j + 0.1), (6, 4))
bce_p[0, 0], bce_p[1, 1], bce_p[2, 2], bce_p[3, 3] = 0.0, 1.0, 1e-9, np.float32(1 - 1e-9)
bce_t = f32(lambda s, j: 1.0 if math.cos(0.57 * s + 2.1 * j) > 0 else 0.0, (6, 4))
bce_t[0, 0], bce_t[1, 1] = 1.0, 0.0  # the clip holds the loss of these finite: -log(1e-7)
evaluation["binary"] = {"probabilities": bce_p, "target": bce_t, "cols": 4,
                        "value": F.binary_cross_entropy(torch.from_numpy(bce_p).double().clamp(EPS, 1 - EPS), torch.from_numpy(bce_t).double()).item()}
for k, v in evaluation.items():
    print(f"eval  {k:22s} value={v['value']:.8f}")


# Models: 4 -> 6 tanh -> 3 act, float32, the same parameter formula as make_dense_reference.py.
def init_params(input_size, units):
    out, j, fan_in = [], 0, input_size
    for u in units:
        for n, scale in ((u * fan_in, 1.0 / math.sqrt(fan_in)), (u, 1.0)):
            out += [0.5 * math.sin(1.3 * (j + i) + 0.7) * scale for i in range(n)]
            j += n
        fan_in = u
    return np.array(out, dtype=np.float32)


ACTS = {"linear": lambda z: z, "tanh": torch.tanh, "softmax": lambda z: torch.softmax(z, dim=1)}


def model_case(act, loss, x, t, labels=None):
    # float32 parameters and data, computed in float64: the exact answer the float32 network approximates (and the
    # same bits on every run, which float32 matrix products on some BLAS builds are not).
    l1, l2 = torch.nn.Linear(4, 6).double(), torch.nn.Linear(6, 3).double()
    params = init_params(4, [6, 3])
    torch.nn.utils.vector_to_parameters(torch.from_numpy(params.astype(np.float64)), list(l1.parameters()) + list(l2.parameters()))
    y = ACTS[act](l2(torch.tanh(l1(torch.from_numpy(x.astype(np.float64))))))
    check_kinks(loss, y.detach().numpy(), t)
    value = loss_value(loss, y, torch.from_numpy(t.astype(np.float64)), labels)
    value.backward()
    grad = torch.cat([q.grad.reshape(-1) for q in list(l1.parameters()) + list(l2.parameters())]).numpy()
    print(f"model {act:8s} {loss:22s} loss={value.item():.6f} max|grad|={np.abs(grad).max():.6f}")
    c = {"act": act, "loss_function": loss, "params": params, "input": x, "target": t, "output": y.detach().numpy(),
         "loss": value.item(), "grad": grad}
    if labels is not None:
        c["labels"] = labels
    return c


x = f32(lambda s, k: math.sin(0.37 * s + 0.91 * k + 0.2), (10, 4))
model_labels = [(s * 7) % 3 for s in range(10)]
model_onehot = np.eye(3, dtype=np.float32)[model_labels]
models = {
    "half_sse_linear": model_case("linear", "HalfSumSquaredError", x, f32(lambda s, k: math.cos(0.29 * s + 1.3 * k), (10, 3))),
    "huber_linear": model_case("linear", "Huber", x, f32(lambda s, k: 2.5 * math.cos(0.29 * s + 1.3 * k), (10, 3))),
    "hinge_tanh": model_case("tanh", "Hinge", x, model_onehot, model_labels),
    "kl_softmax": model_case("softmax", "KLDivergence", x, softmax32(f32(lambda s, k: math.cos(0.67 * s + 0.8 * k), (10, 3)))),
    "nll_softmax": model_case("softmax", "NegativeLogLikelihood", x, model_onehot, model_labels),
}


def tojson(v):
    if isinstance(v, np.ndarray):
        return [float(a) for a in v.reshape(-1)]  # flat; float32 inputs exactly, float64 results in full
    if isinstance(v, dict):
        return {k: tojson(a) for k, a in v.items()}
    if isinstance(v, list):
        return [tojson(a) for a in v]
    return v


def dump(v, ind=""):
    """Pretty JSON with dicts indented but each list on a single line."""
    if isinstance(v, dict):
        items = [f'{ind}  {json.dumps(k)}: {dump(a, ind + "  ")}' for k, a in v.items()]
        return "{\n" + ",\n".join(items) + "\n" + ind + "}"
    return json.dumps(v)


doc = {"torch_version": torch.__version__, "losses": tojson(losses), "evaluation": tojson(evaluation), "models": tojson(models)}
with open(OUT_PATH, "w") as f:
    f.write(dump(doc) + "\n")
print("wrote", OUT_PATH)
