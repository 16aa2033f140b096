"""Generate PyTorch reference learning rates of torch.optim.lr_scheduler for Dsl's Schedules.

A Dsl schedule maps the number of optimizer steps taken so far (0, 1, 2, ...) to the learning rate of the next step.
The PyTorch equivalent is a scheduler whose step() is called after every optimizer step: entry k below is
optimizer.param_groups[0]["lr"] after k calls of scheduler.step(), the rate the (k + 1)-th optimizer step uses.
The rates come from the schedulers' own (recursive, chainable) get_lr, as a PyTorch user would see them.

Each case names the Dsl call it corresponds to ("dsl"), which ScheduleTests.cs evaluates and compares to 1e-7 relative:

* StepLR(step_size, gamma)                        = Schedules.Step(lr, stepSize, gamma)
* ExponentialLR(gamma)                            = Schedules.Exponential(lr, decaySteps: 1, decayRate: gamma)
* CosineAnnealingLR(T_max, eta_min), k <= T_max   = Schedules.Cosine(lr, decaySteps: T_max, alpha: eta_min / lr)
  (beyond T_max PyTorch's rate climbs back up a cosine of period 2 T_max; Dsl, like Keras' CosineDecay, stays at the
  floor, so only steps 0..T_max are recorded)
* PolynomialLR(total_iters, power)                = Schedules.Polynomial(lr, decaySteps: total_iters, end: 0, power)
* MultiStepLR(milestones, gamma)                  = Schedules.PiecewiseConstant(boundaries: milestone - 1 each,
  values: lr * gamma^i) (Keras' boundaries are inclusive upper ends: values[i] while step <= boundaries[i])

Deterministic. Rerun from the repository root with:

    /usr/bin/python3 tests/Dsl.Runtime.Tests/Reference/make_schedule_reference.py
"""
import json
import os

import torch
from torch.optim import lr_scheduler

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_PATH = os.path.join(HERE, "schedule_reference.json")
LR = 0.1

CASES = {
    "step_3_half": (lambda o: lr_scheduler.StepLR(o, step_size=3, gamma=0.5), 25,
                    dict(schedule="Step", initial=LR, step_size=3, gamma=0.5)),
    "step_1_default": (lambda o: lr_scheduler.StepLR(o, step_size=1), 8,
                       dict(schedule="Step", initial=LR, step_size=1, gamma=0.1)),
    "exponential_0.9": (lambda o: lr_scheduler.ExponentialLR(o, gamma=0.9), 40,
                        dict(schedule="Exponential", initial=LR, decay_steps=1, decay_rate=0.9, staircase=False)),
    "cosine_20_floor": (lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=20, eta_min=0.001), 21,
                        dict(schedule="Cosine", initial=LR, decay_steps=20, alpha=0.001 / LR)),
    "cosine_7_zero": (lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=7), 8,
                      dict(schedule="Cosine", initial=LR, decay_steps=7, alpha=0.0)),
    "polynomial_10_square": (lambda o: lr_scheduler.PolynomialLR(o, total_iters=10, power=2.0), 15,
                             dict(schedule="Polynomial", initial=LR, decay_steps=10, end=0.0, power=2.0)),
    "polynomial_6_linear": (lambda o: lr_scheduler.PolynomialLR(o, total_iters=6, power=1.0), 9,
                            dict(schedule="Polynomial", initial=LR, decay_steps=6, end=0.0, power=1.0)),
    "multistep_3_7": (lambda o: lr_scheduler.MultiStepLR(o, milestones=[3, 7], gamma=0.1), 12,
                      dict(schedule="PiecewiseConstant", boundaries=[2, 6], values=[LR, LR * 0.1, LR * 0.1 * 0.1])),
}


def rates(make, count):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=LR)
    sched = make(opt)
    out = []
    for _ in range(count):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return out


def dump(v, ind=""):
    """Pretty JSON with dicts indented but each list on a single line (as make_dense_reference.py)."""
    if isinstance(v, dict):
        items = [f'{ind}  {json.dumps(k)}: {dump(a, ind + "  ")}' for k, a in v.items()]
        return "{\n" + ",\n".join(items) + "\n" + ind + "}"
    return json.dumps(v)


doc = {"torch_version": torch.__version__,
       "cases": {name: {"dsl": dsl, "lr": rates(make, count)} for name, (make, count, dsl) in CASES.items()}}
for name, case in doc["cases"].items():
    print(f"{name:22s} {case['lr'][:4]} ... {case['lr'][-1]}")
with open(OUT_PATH, "w") as f:
    f.write(dump(doc) + "\n")
print("wrote", OUT_PATH)
