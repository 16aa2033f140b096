"""Generate PyTorch reference numbers for Dsl's convolutional network (class SeedCnn in TestModels.cs).

The network is seed 000's: Input(1, 28, 28) -> Conv(4, 5, tanh) -> Conv(8, 3, tanh) -> MaxPool(2) ->
Conv(16, 3, relu) -> MaxPool(2) -> Flatten -> Dense(128, tanh) -> Dense(10, softmax), cross-entropy loss.
In PyTorch: nn.Sequential(Conv2d(1, 4, 5), Tanh, Conv2d(4, 8, 3), Tanh, MaxPool2d(2), Conv2d(8, 16, 3), ReLU,
MaxPool2d(2), Flatten, Linear(256, 128), Tanh, Linear(128, 10)); the softmax is applied to the logits for "output"
and fused into F.cross_entropy for the loss. The second pooling has a 9x9 input and drops its last row and column
(floor mode), as Dsl does.

Produces cnn_reference.json next to this script: the flat initial parameters, a batch of 6 images, their integer
labels and one-hot targets, the softmax output, the batch-mean loss and its gradient w.r.t. the flat parameters; and
a 20-step torch.optim.SGD(lr=0.05, momentum=0.9, nesterov=True) trajectory on the same batch from the same
parameters ("sgd_nesterov": the loss before each step and the parameters after the last one).

Flat parameter layout (same as Dsl, same as torch.nn.utils.parameters_to_vector over the Sequential): for each layer
with parameters, in order, weight then bias; conv weights [out, in, k, k] and Linear weights [out, in], row-major.
Inputs are [batch, 1, 28, 28] row-major, outputs and targets [batch, 10].

Parameters: p_j = 0.5*sin(1.3*j + 0.7) for flat index j, times 1/sqrt(fan_in) for weights (fan_in = in*k*k for a
convolution, in for a Linear layer); biases 0.1*cos(0.9*j). Pixels: a plane wave, 0.5 + 0.5*sin(0.5*r + c + s)
at row r, column c of sample s; labels s % 10. Everything is float32 and built from closed-form formulas (no RNG
except the seeded choice of parameters to check by finite differences), so the output is deterministic.

Checks before writing: no ReLU pre-activation is within 1e-4 of zero and no pooling window's maximum is within 1e-4
of its runner-up (so float32 rounding differences cannot move a ReLU's kink or a max-pooling choice), and the
autograd gradient agrees with float64 central finite differences on 20 parameters (two per tensor). The same
margins along the SGD trajectory are printed too (smaller: values cross zero as training moves them).
The pixel formula was chosen for those margins: with 5808 + 1536 pooling windows of activations of size ~0.1,
smooth 1-D waves such as 0.5 + 0.5*sin(0.085*(784*s + i) + s) leave gaps of 1e-8..1e-5 somewhere, while some 2-D
plane waves keep every gap above 1e-4 (a grid search over the two frequencies; 0.5 and 1 is among the best).

Rerun from the repository root with:

    /usr/bin/python3 tests/Dsl.Runtime.Tests/Reference/make_cnn_reference.py
"""
import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as F

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)
OUT_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cnn_reference.json")
BATCH, CLASSES, PIXELS = 6, 10, 784
MARGIN = 1e-4
SGD = dict(lr=0.05, momentum=0.9, dampening=0.0, weight_decay=0.0, nesterov=True)
SGD_STEPS = 20


def make_model(dtype=torch.float32):
    nn = torch.nn
    return nn.Sequential(nn.Conv2d(1, 4, 5), nn.Tanh(), nn.Conv2d(4, 8, 3), nn.Tanh(), nn.MaxPool2d(2),
                         nn.Conv2d(8, 16, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(256, 128), nn.Tanh(), nn.Linear(128, 10)).to(dtype)


def init_params(model):
    """Flat params in parameters_to_vector order: weights 0.5*sin(1.3*j + 0.7)/sqrt(fan_in), biases 0.1*cos(0.9*j)."""
    out, j = [], 0
    for p in model.parameters():
        n = p.numel()
        if p.dim() > 1:                                  # weight [out, in(, k, k)]: fan_in = in*k*k
            scale = 1.0 / math.sqrt(n // p.shape[0])
            out += [0.5 * math.sin(1.3 * (j + t) + 0.7) * scale for t in range(n)]
        else:                                            # bias
            out += [0.1 * math.cos(0.9 * (j + t)) for t in range(n)]
        j += n
    return np.array(out, dtype=np.float64).astype(np.float32)


def load(model, flat):
    torch.nn.utils.vector_to_parameters(torch.as_tensor(flat).to(next(model.parameters()).dtype), model.parameters())


def flat_grad(model):
    return torch.cat([p.grad.reshape(-1) for p in model.parameters()])


model = make_model()
params = init_params(model)
assert len(params) == 35754, len(params)
load(model, params)
x_flat = np.array([0.5 + 0.5 * math.sin(0.5 * (i // 28) + (i % 28) + s) for s in range(BATCH) for i in range(PIXELS)],
                  dtype=np.float64).astype(np.float32)
labels = [s % CLASSES for s in range(BATCH)]
target = np.zeros((BATCH, CLASSES), dtype=np.float32)
target[np.arange(BATCH), labels] = 1.0
x, lab, t = torch.from_numpy(x_flat).reshape(BATCH, 1, 28, 28), torch.tensor(labels), torch.from_numpy(target)


def pool_gap(a, after_relu):
    """Smallest gap between the largest and second-largest value of any 2x2 window (floor mode). After the ReLU,
    windows whose maximum is exactly 0 are skipped: all their values are clamped to 0 and whichever of them wins
    receives a zero gradient (the ReLU's derivative at a negative pre-activation)."""
    n, c, h, w = a.shape
    win = a[:, :, :h // 2 * 2, :w // 2 * 2].reshape(n, c, h // 2, 2, w // 2, 2).permute(0, 1, 2, 4, 3, 5)
    top2 = win.reshape(n, c, h // 2, w // 2, 4).topk(2, dim=-1).values
    gap = top2[..., 0] - top2[..., 1]
    return gap[top2[..., 0] != 0].min().item() if after_relu else gap.min().item()


def forward_margins(m, x):
    """Logits, ReLU pre-activations, and (smallest |ReLU pre-activation|, smallest gap of each pooling)."""
    z, pre_relu, gaps = x, None, []
    for layer in m:
        if isinstance(layer, torch.nn.ReLU):
            pre_relu = z.detach().clone()
        if isinstance(layer, torch.nn.MaxPool2d):
            gaps.append(pool_gap(z.detach(), pre_relu is not None))
        z = layer(z)
    return z, pre_relu, [pre_relu.abs().min().item()] + gaps


logits, pre_relu, margins = forward_margins(model, x)
assert torch.equal(logits, model(x))
output = torch.softmax(logits, dim=1)
loss = F.cross_entropy(logits, lab)
assert abs(loss.item() - (-(t * F.log_softmax(logits, dim=1)).sum(dim=1).mean()).item()) < 1e-6
loss.backward()
grad = flat_grad(model).detach().numpy()
print(f"loss={loss.item():.6f} max|grad|={np.abs(grad).max():.6f}")
print(f"smallest |ReLU pre-activation| = {margins[0]:.3e} ({int((pre_relu > 0).sum())} of {pre_relu.numel()} positive)")
for k, gap in enumerate(margins[1:]):
    print(f"pooling {k + 1}: smallest gap between a window's top two values = {gap:.3e}")
if min(margins) < MARGIN:
    raise SystemExit("FAIL: a ReLU kink or a pooling tie is within 1e-4: change the input formula")

# Self-check: autograd against float64 central finite differences on two seeded-random parameters per tensor.
rng = np.random.default_rng(1234)
offsets = np.cumsum([0] + [p.numel() for p in model.parameters()])
check = [int(o + k) for o, n in zip(offsets[:-1], np.diff(offsets)) for k in rng.choice(n, 2, replace=False)]
m64, p64, h = make_model(torch.float64), torch.from_numpy(params).double(), 1e-6
worst = 0.0
with torch.no_grad():
    for j in check:
        vals = []
        for s in (h, -h):
            q = p64.clone(); q[j] += s
            load(m64, q)
            vals.append(F.cross_entropy(m64(x.double()), lab).item())
        fd = (vals[0] - vals[1]) / (2 * h)
        err = abs(grad[j] - fd) / max(abs(fd), 1e-3 * np.abs(grad).max())
        worst = max(worst, err)
        print(f"  param {j:5d}: autograd {grad[j]: .6e}  finite difference {fd: .6e}  rel err {err:.1e}")
print(f"finite differences: worst rel err {worst:.2e} over {len(check)} parameters")
if worst > 1e-3:
    raise SystemExit(f"FAIL: autograd vs finite-difference mismatch: {worst}")

# SGD with Nesterov momentum: SGD_STEPS steps of zero_grad / loss / backward / step on the same batch.
sgd_model = make_model()
load(sgd_model, params.copy())
opt = torch.optim.SGD(sgd_model.parameters(), **SGD)
losses, sgd_margins = [], [1.0, 1.0, 1.0]
for _ in range(SGD_STEPS):
    opt.zero_grad()
    step_logits, _, step_margins = forward_margins(sgd_model, x)
    sgd_margins = [min(a, b) for a, b in zip(sgd_margins, step_margins)]
    step_loss = F.cross_entropy(step_logits, lab)
    step_loss.backward()
    losses.append(step_loss.item())
    opt.step()
final = torch.nn.utils.parameters_to_vector(sgd_model.parameters()).detach().numpy()
print(f"sgd nesterov loss[0]={losses[0]:.6f} loss[{SGD_STEPS - 1}]={losses[-1]:.6f}; over its {SGD_STEPS} forward passes: "
      f"smallest |ReLU pre-activation| {sgd_margins[0]:.2e}, pooling gaps {sgd_margins[1]:.2e}, {sgd_margins[2]:.2e}")
assert losses[0] == loss.item()


def floats(a):
    """Flat list of float32 values, each as the shortest decimal that reads back (via float64, as the tests parse it)
    as the same float32: half the size of printing the float64 value, still exact."""
    out = []
    for v in np.asarray(a, dtype=np.float32).reshape(-1):
        s = str(v)                                       # numpy >= 1.14: shortest round-trip float32 digits
        assert np.float32(float(s)) == v, (s, v)
        out.append(s)
    return out


def dump(v, ind=""):
    """Pretty JSON with dicts indented but each list on a single line; float32 arrays written with floats()."""
    if isinstance(v, dict):
        items = [f'{ind}  {json.dumps(k)}: {dump(a, ind + "  ")}' for k, a in v.items()]
        return "{\n" + ",\n".join(items) + "\n" + ind + "}"
    if isinstance(v, np.ndarray):
        return "[" + ", ".join(floats(v)) + "]"
    return json.dumps(v)


doc = {"torch_version": torch.__version__, "batch": BATCH,
       "checks": {"min_abs_pre_relu": margins[0], "min_pool1_gap": margins[1], "min_pool2_gap": margins[2],
                  "sgd_min_abs_pre_relu": sgd_margins[0], "sgd_min_pool1_gap": sgd_margins[1],
                  "sgd_min_pool2_gap": sgd_margins[2],
                  "fd_checked_params": check, "fd_worst_rel_err": worst},
       "params": params, "input": x_flat, "labels": labels, "target": target,
       "output": output.detach().numpy(), "loss": loss.item(), "grad": grad,
       "sgd_nesterov": {**SGD, "steps": SGD_STEPS, "losses": losses, "final_params": final}}
with open(OUT_PATH, "w") as f:
    f.write(dump(doc) + "\n")
print("wrote", OUT_PATH)
