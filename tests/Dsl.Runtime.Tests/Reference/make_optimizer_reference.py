"""Generate PyTorch reference trajectories of torch.optim.Adam and torch.optim.AdamW for Dsl's optimizers.

Starts from case "tanh_softmax_ce" of dense_reference.json (written by make_dense_reference.py next to this
script): its flat float32 parameters, inputs and integer labels. The model is the same 4 -> Linear 5, tanh ->
Linear 3 network, trained on F.cross_entropy(logits, labels) (softmax + cross-entropy, mean over the batch of 10).
Flat parameter layout (as Dsl and torch.nn.utils.parameters_to_vector): per layer weight [out, in] row-major, then
bias [out].

For each configuration, 100 full-batch steps of zero_grad / loss / backward / step are run, recording the loss
before each step and the flat parameters after the last one, into optimizer_reference.json next to this script.
The optimizers run their single-tensor implementation (foreach=False, PyTorch 1.13's default on the CPU).

The same configurations are also run on their own ("isolated"): one tensor of 40 parameters p0[j] = (j - 20) / 32
and, at step t = 1..100, the gradient g[j] = ((7 j + 13 t) % 17 - 8) / 2^(4 + t % 5), all exactly representable in
float32, so the only rounding is the optimizer's own: Dsl's float32 Adam/AdamW must reproduce these bit for bit.

Each step of the model runs is also checked against an independent float64 evaluation of the documented algorithm, applied to the
optimizer's float32 state and gradient before the step: the parameter update must agree to 1e-4 relative (this
fails if, say, eps were added before the bias correction or weight decay were applied the other way).

Deterministic (no RNG). Rerun from the repository root with:

    /usr/bin/python3 tests/Dsl.Runtime.Tests/Reference/make_optimizer_reference.py
"""
import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as F

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)
HERE = os.path.dirname(os.path.abspath(__file__))
IN_PATH = os.path.join(HERE, "dense_reference.json")
OUT_PATH = os.path.join(HERE, "optimizer_reference.json")
STEPS = 100

CONFIGS = {
    "adam": dict(optimizer="Adam", lr=0.01),
    "adam_wd_amsgrad": dict(optimizer="Adam", lr=0.01, weight_decay=0.01, amsgrad=True, betas=(0.8, 0.99), eps=1e-6),
    "adamw": dict(optimizer="AdamW", lr=0.01, weight_decay=0.1),
}
DEFAULTS = {"Adam": dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False),
            "AdamW": dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False)}


def make_model(case):
    assert case["input_size"] == 4 and [l["units"] for l in case["layers"]] == [5, 3]
    assert [l["act"] for l in case["layers"]] == ["tanh", "softmax"] and case["loss_function"] == "CrossEntropy"
    model = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.Tanh(), torch.nn.Linear(5, 3))
    params = torch.tensor(case["params"], dtype=torch.float32)
    torch.nn.utils.vector_to_parameters(params, model.parameters())
    assert torch.equal(torch.nn.utils.parameters_to_vector(model.parameters()), params)
    return model


def expected_update(p, g, state, cfg, decoupled):
    """The documented algorithm in float64, from the optimizer's float32 state before the step: new parameters."""
    p, g = p.double(), g.double()
    (b1, b2), lr, wd, eps = cfg["betas"], cfg["lr"], cfg["weight_decay"], cfg["eps"]
    if state:
        t, m, v = state["step"].item() + 1, state["exp_avg"].double(), state["exp_avg_sq"].double()
        v_max = state["max_exp_avg_sq"].double() if cfg["amsgrad"] else None
    else:
        t, m, v = 1, torch.zeros_like(p), torch.zeros_like(p)
        v_max = torch.zeros_like(p) if cfg["amsgrad"] else None
    if decoupled:
        p = p * (1 - lr * wd)
    elif wd != 0:
        g = g + wd * p
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    if cfg["amsgrad"]:
        v = torch.maximum(v_max, v)
    m_hat, v_hat = m / (1 - b1 ** t), v / (1 - b2 ** t)
    return p - lr * m_hat / (v_hat.sqrt() + eps)


def run(case, name, cfg):
    kind = cfg.pop("optimizer")
    cfg = {**DEFAULTS[kind], **cfg}
    model = make_model(case)
    params = list(model.parameters())
    cls = torch.optim.Adam if kind == "Adam" else torch.optim.AdamW
    opt = cls(params, foreach=False, **cfg)
    x, labels = torch.tensor(case["input"]).reshape(case["batch"], 4), torch.tensor(case["labels"])
    losses, worst = [], 0.0
    for _ in range(STEPS):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), labels)
        loss.backward()
        losses.append(loss.item())
        expected = [expected_update(p.detach(), p.grad, opt.state[p], cfg, kind == "AdamW") for p in params]
        before = [p.detach().clone() for p in params]
        opt.step()
        for p, p0, e in zip(params, before, expected):
            actual, wanted = (p.detach().double() - p0.double()), e - p0.double()
            err = ((actual - wanted).abs().max() / wanted.abs().max()).item()
            worst = max(worst, err)
            if err > 1e-4:
                raise SystemExit(f"FAIL: {name}: torch's update differs from the documented algorithm: {err:.2e}")
    final = torch.nn.utils.parameters_to_vector(params).detach().numpy()
    print(f"{name:16s} {kind:5s} loss[0]={losses[0]:.6f} loss[99]={losses[-1]:.6f} "
          f"max rel. diff of an update vs float64 formula={worst:.1e}")
    return {"optimizer": kind, "lr": cfg["lr"], "beta1": cfg["betas"][0], "beta2": cfg["betas"][1], "eps": cfg["eps"],
            "weight_decay": cfg["weight_decay"], "amsgrad": cfg["amsgrad"],
            "losses": losses, "final_params": [float(a) for a in final]}


def isolated_gradient(t):
    return torch.tensor([((7 * j + 13 * t) % 17 - 8) / 2.0 ** (4 + t % 5) for j in range(40)], dtype=torch.float32)


def run_isolated(cfg):
    kind = cfg.pop("optimizer")
    cfg = {**DEFAULTS[kind], **cfg}
    p = torch.nn.Parameter(torch.tensor([(j - 20) / 32 for j in range(40)], dtype=torch.float32))
    opt = (torch.optim.Adam if kind == "Adam" else torch.optim.AdamW)([p], foreach=False, **cfg)
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
