"""Fits the polynomials of the float activations the convolution kernels apply to whole vectors.

src/Dsl.Runtime/Conv/ConvActivation.cs (tanh) and FloatExp.cs (FloatExp) hold the coefficients printed here.
Each fit minimises the maximum relative error by iteratively reweighted least squares on a dense grid, which
converges to (nearly) the minimax polynomial. Run: /usr/bin/python3 fit_conv_activations.py
"""
import numpy as np


def fit(x, target, basis, scale, iterations=100):
    """Coefficients c minimising max |scale * (basis @ c - target)| over x, and that maximum."""
    weights = np.ones_like(x)
    for _ in range(iterations):
        coefficients, *_ = np.linalg.lstsq(basis * (weights * scale)[:, None], target * weights * scale, rcond=None)
        error = scale * (basis @ coefficients - target)
        weights = weights * (1 + 2 * np.abs(error) / np.abs(error).max())
        weights /= weights.max()
    return coefficients, np.abs(error).max()


# tanh(x) = x + x^3 P(x^2) on 0 < x < 0.625, relative error of tanh.
x = np.linspace(1e-4, 0.625, 20000)
u = x * x
basis = np.vstack([u ** k for k in range(5)]).T
tanh_p, tanh_error = fit(x, (np.tanh(x) - x) / x ** 3, basis, x ** 3 / np.tanh(x), iterations=60)
print("tanh P:", [float(c) for c in tanh_p], "max relative error", tanh_error)

# Check in float32 arithmetic, as the kernel evaluates it (Horner with fused multiply-adds rounded each step).
xf = np.linspace(0, 0.625, 200001).astype(np.float32)
uf = xf * xf
p = np.float32(tanh_p[4])
for k in (3, 2, 1, 0):
    p = (p * uf + np.float32(tanh_p[k])).astype(np.float32)
y = (xf * uf * p + xf).astype(np.float32)
exact = np.tanh(xf.astype(np.float64))
ulp = np.spacing(np.abs(exact).astype(np.float32)).astype(np.float64)
ulp[exact == 0] = np.float32(1e-45)
print("tanh polynomial in float32: max error", np.max(np.abs(y - exact) / ulp), "ulp")

# exp(r) = P(r) on |r| <= ln(2)/2, relative error.
h = np.log(2) / 2
r = np.linspace(-h, h, 20001)
basis = np.vstack([r ** k for k in range(7)]).T
exp_p, exp_error = fit(r, np.ones_like(r), basis / np.exp(r)[:, None], np.ones_like(r))
print("exp P:", [float(c) for c in exp_p], "max relative error", exp_error)
