"""Generate PyTorch reference trajectories of torch.optim.Adagrad, RMSprop and Adadelta for Dsl's optimizers.

The companion of make_optimizer_reference.py (Adam, AdamW, Adam with AMSGrad), with the same two problems:

* "runs": starting from case "tanh_softmax_ce" of dense_reference.json (written by make_dense_reference.py next to
  this script), the 4 -> Linear 5, tanh -> Linear 3 network trained on F.cross_entropy(logits, labels) over its
  batch of 10, 100 full-batch steps of zero_grad / loss / backward / step. Recorded: the loss before each step and
  the flat parameters after the last one (layout of Dsl and torch.nn.utils.parameters_to_vector: per layer weight
  [out, in] row-major, then bias [out]).
* "isolated": one tensor of 40 parameters p0[j] = (j - 20) / 32 and, at step t = 1..100, the gradient
  g[j] = ((7 j + 13 t) % 17 - 8) / 2^(4 + t % 5), all exactly representable in float32, so the only rounding is the
  optimizer's own: Dsl's float32 optimizers must reproduce these parameters bit for bit.

Every optimizer runs its single-tensor implementation (foreach=False, PyTorch 1.13's default on the CPU). Each step
of the model runs is also checked against an independent float64 evaluation of the algorithm as documented (in
torch.optim and in Dsl's XML docs), applied to the optimizer's float32 state and gradient before the step: the
parameter update must agree to 1e-4 relative (this fails if, say, eps were added inside instead of outside the
square root, or the learning-rate decay used t instead of t - 1).

The model runs are also checked to be well-conditioned: rerun from parameters perturbed by up to 1e-7 relative (about
float32's rounding), no final parameter may move by more than 3e-6 relative (absolute below 0.1), so that a float32 implementation whose
gradients round differently from PyTorch's can still be held to 1e-5. This is why RMSprop runs with small rates and
alpha 0.99: a 1e-7 perturbation grows in 100 steps to 4e-6 at the default lr 1e-2, to 9e-6 at lr 1e-3 with momentum
0.9, and to 3e-3 centered with alpha 0.9 (the isolated problem, with exact gradients, has no such limit).
torch.optim's defaults themselves are checked by the C# tests.

Deterministic (no RNG). Rerun from the repository root with:

    /usr/bin/python3 tests/Dsl.Runtime.Tests/Reference/make_adaptive_optimizer_reference.py
"""
import json
import os

import torch
import torch.nn.functional as F

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)
HERE = os.path.dirname(os.path.abspath(__file__))
IN_PATH = os.path.join(HERE, "dense_reference.json")
OUT_PATH = os.path.join(HERE, "adaptive_optimizer_reference.json")
STEPS = 100

CONFIGS = {
    "adagrad": dict(optimizer="Adagrad"),
    "adagrad_decay_wd_init": dict(optimizer="Adagrad", lr=0.05, lr_decay=0.01, weight_decay=0.01,
                                  initial_accumulator_value=0.1),
    "rmsprop": dict(optimizer="RMSprop", lr=1e-3),
    "rmsprop_momentum": dict(optimizer="RMSprop", lr=5e-4, momentum=0.9),
    "rmsprop_centered": dict(optimizer="RMSprop", lr=1e-3, centered=True),
    "rmsprop_centered_momentum_wd": dict(optimizer="RMSprop", lr=1e-3, eps=1e-6, weight_decay=0.01, momentum=0.5,
                                         centered=True),
    "adadelta": dict(optimizer="Adadelta"),
    "adadelta_wd": dict(optimizer="Adadelta", lr=0.5, rho=0.95, eps=1e-5, weight_decay=0.01),
}
# torch.optim 1.13's defaults, written out so the JSON names every hyper-parameter of every run.
DEFAULTS = {
    "Adagrad": dict(lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10),
    "RMSprop": dict(lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False),
    "Adadelta": dict(lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0),
}
CLASSES = {"Adagrad": torch.optim.Adagrad, "RMSprop": torch.optim.RMSprop, "Adadelta": torch.optim.Adadelta}


def make_model(case):
    assert case["input_size"] == 4 and [l["units"] for l in case["layers"]] == [5, 3]
    assert [l["act"] for l in case["layers"]] == ["tanh", "softmax"] and case["loss_function"] == "CrossEntropy"
    model = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.Tanh(), torch.nn.Linear(5, 3))
    params = torch.tensor(case["params"], dtype=torch.float32)
    torch.nn.utils.vector_to_parameters(params, model.parameters())
    assert torch.equal(torch.nn.utils.parameters_to_vector(model.parameters()), params)
    return model


def expected_update(kind, p, g, state, cfg):
    """The documented algorithm in float64, from the optimizer's float32 state before the step: new parameters."""
    p, g = p.double(), g.double()
    zero = torch.zeros_like(p)
    get = lambda name: state[name].double() if name in state else zero
    if cfg["weight_decay"] != 0:
        g = g + cfg["weight_decay"] * p
    if kind == "Adagrad":
        t = state["step"].item() + 1                          # state["step"] counts the steps taken before this one
        clr = cfg["lr"] / (1 + (t - 1) * cfg["lr_decay"])
        s = get("sum") + g * g
        return p - clr * g / (s.sqrt() + cfg["eps"])
    if kind == "RMSprop":
        a = cfg["alpha"]
        v = a * get("square_avg") + (1 - a) * g * g
        if cfg["centered"]:
            g_avg = a * get("grad_avg") + (1 - a) * g
            v = v - g_avg * g_avg
        d = g / (v.sqrt() + cfg["eps"])
        if cfg["momentum"] > 0:
            d = cfg["momentum"] * get("momentum_buffer") + d
        return p - cfg["lr"] * d
    if kind == "Adadelta":
        rho, eps = cfg["rho"], cfg["eps"]
        v = rho * get("square_avg") + (1 - rho) * g * g
        delta = (get("acc_delta") + eps).sqrt() / (v + eps).sqrt() * g
        return p - cfg["lr"] * delta
    raise ValueError(kind)


def make_optimizer(kind, params, cfg):
    return CLASSES[kind](params, foreach=False, **cfg)


def final_params(case, kind, cfg, perturbation):
    """Parameters after STEPS steps from the case's parameters scaled by 1 + perturbation * (-1 ... 1)."""
    model = make_model(case)
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(1 + perturbation * torch.linspace(-1, 1, p.numel()).reshape(p.shape))
    opt = make_optimizer(kind, list(model.parameters()), cfg)
    x, labels = torch.tensor(case["input"]).reshape(case["batch"], 4), torch.tensor(case["labels"])
    for _ in range(STEPS):
        opt.zero_grad()
        F.cross_entropy(model(x), labels).backward()
        opt.step()
    return torch.nn.utils.parameters_to_vector(model.parameters()).detach().double()


def run(case, name, cfg):
    kind = cfg.pop("optimizer")
    cfg = {**DEFAULTS[kind], **cfg}
    exact, perturbed = final_params(case, kind, cfg, 0.0), final_params(case, kind, cfg, 1e-7)
    # As the C# tests' tolerance, 1e-5 * |p| + 1e-6: relative, but absolute below |p| = 0.1.
    sensitivity = ((perturbed - exact).abs() / (exact.abs() + 0.1)).max().item()
    if sensitivity > 3e-6:
        raise SystemExit(f"FAIL: {name} is ill-conditioned: a 1e-7 perturbation moves the result by {sensitivity:.1e}")
    model = make_model(case)
    params = list(model.parameters())
    opt = make_optimizer(kind, params, cfg)
    x, labels = torch.tensor(case["input"]).reshape(case["batch"], 4), torch.tensor(case["labels"])
    losses, worst = [], 0.0
    for _ in range(STEPS):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), labels)
        loss.backward()
        losses.append(loss.item())
        expected = [expected_update(kind, p.detach(), p.grad, opt.state[p], cfg) for p in params]
        before = [p.detach().clone() for p in params]
        opt.step()
        for p, p0, e in zip(params, before, expected):
            actual, wanted = (p.detach().double() - p0.double()), e - p0.double()
            err = ((actual - wanted).abs().max() / wanted.abs().max()).item()
            worst = max(worst, err)
            if err > 1e-4:
                raise SystemExit(f"FAIL: {name}: torch's update differs from the documented algorithm: {err:.2e}")
    final = torch.nn.utils.parameters_to_vector(params).detach().numpy()
    assert torch.equal(torch.tensor(final).double(), exact)
    print(f"{name:30s} {kind:8s} loss[0]={losses[0]:.6f} loss[99]={losses[-1]:.6f} "
          f"update vs float64 formula={worst:.1e} sensitivity to 1e-7={sensitivity:.1e}")
    return {"optimizer": kind, **cfg, "losses": losses, "final_params": [float(a) for a in final]}


def isolated_gradient(t):
    return torch.tensor([((7 * j + 13 * t) % 17 - 8) / 2.0 ** (4 + t % 5) for j in range(40)], dtype=torch.float32)


def run_isolated(cfg):
    kind = cfg.pop("optimizer")
    cfg = {**DEFAULTS[kind], **cfg}
    p = torch.nn.Parameter(torch.tensor([(j - 20) / 32 for j in range(40)], dtype=torch.float32))
    opt = make_optimizer(kind, [p], cfg)
    for t in range(1, STEPS + 1):
        p.grad = isolated_gradient(t)
        opt.step()
    return [float(a) for a in p.detach().numpy()]


def dump(v, ind=""):
    """Pretty JSON with dicts indented but each list on a single line (as make_dense_reference.py)."""
    if isinstance(v, dict):
        items = [f'{ind}  {json.dumps(k)}: {dump(a, ind + "  ")}' for k, a in v.items()]
        return "{\n" + ",\n".join(items) + "\n" + ind + "}"
    return json.dumps(v)


with open(IN_PATH) as f:
    start = json.load(f)["cases"]["tanh_softmax_ce"]
doc = {"torch_version": torch.__version__, "case": "tanh_softmax_ce", "steps": STEPS,
       "runs": {name: run(start, name, dict(cfg)) for name, cfg in CONFIGS.items()},
       "isolated": {name: {"final_params": run_isolated(dict(cfg))} for name, cfg in CONFIGS.items()}}
with open(OUT_PATH, "w") as f:
    f.write(dump(doc) + "\n")
print("wrote", OUT_PATH)
