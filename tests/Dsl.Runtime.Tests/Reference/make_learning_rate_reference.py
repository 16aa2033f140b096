"""Generate NumPy reference paths of seed 001's gradient descent for the LearningRate sample.

The functions below are seed 001's numerical_gradient, gradient_descent and f_2 ("Deep Learning from Scratch", chapter
4), restated: central differences with h = 1e-4, then x -= lr * grad, in float64. For each case the file records every
point of the path (the start, then the point after each step), as Python's repr of the doubles, so that
LearningRateSampleTests can require the C# port to give the same doubles bit for bit.

Cases: the book's start (-3, 4) with the seed's learning rates 0.01, 10 and 1e-10 (100 steps each), the book's 0.1, and
the seed's own code, which starts at (-0.3, 4.0) with lr 0.01.

Deterministic (no randomness). Rerun from the repository root with a Python that has NumPy (Debian's python3-numpy):

    python3 tests/Dsl.Runtime.Tests/Reference/make_learning_rate_reference.py
"""
import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_PATH = os.path.join(HERE, "learning_rate_reference.json")


def numerical_gradient(f, x):
    h = 1e-4
    grad = np.zeros_like(x)
    for idx in range(x.size):
        tmp_val = x[idx]
        x[idx] = tmp_val + h
        fxh1 = f(x)
        x[idx] = tmp_val - h
        fxh2 = f(x)
        grad[idx] = (fxh1 - fxh2) / (2 * h)
        x[idx] = tmp_val
    return grad


def gradient_descent_path(f, init_x, lr, step_num):
    """The seed's gradient_descent, also returning every point it visits."""
    x = init_x
    path = [x.tolist()]
    for _ in range(step_num):
        grad = numerical_gradient(f, x)
        x -= lr * grad
        path.append(x.tolist())
    return path


def f_2(x):
    return x[0] ** 2 + x[1] ** 2


def main():
    cases = []
    for start, lr in [((-3.0, 4.0), 0.01), ((-3.0, 4.0), 10.0), ((-3.0, 4.0), 1e-10), ((-3.0, 4.0), 0.1), ((-0.3, 4.0), 0.01)]:
        path = gradient_descent_path(f_2, np.array(start), lr=lr, step_num=100)
        cases.append({"start": list(start), "lr": lr, "steps": 100, "path": path, "f_end": float(f_2(np.array(path[-1])))})
    with open(OUT_PATH, "w") as out:
        json.dump({"numpy": np.__version__, "h": 1e-4, "cases": cases}, out, indent=1)
        out.write("\n")
    for c in cases:
        print(c["start"], c["lr"], c["path"][-1], c["f_end"])


if __name__ == "__main__":
    main()
