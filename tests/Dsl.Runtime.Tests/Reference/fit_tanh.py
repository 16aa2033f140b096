"""Fits the float32 tanh polynomial of src/Dsl.Runtime/VectorMath.cs and reports its error.

tanh(x) = x + x^3 * P(x^2) for |x| < 0.625, P of degree 4, by weighted least squares on the relative error of tanh,
against mpmath at 40 digits. Needs numpy and mpmath (Debian: python3-numpy, python3-mpmath); prints the coefficients c0..c4 and the largest
relative error of the float32 evaluation (Horner's scheme with fused multiply-adds, as the C# code does) in units of
float32 epsilon.
"""
import numpy as np
from mpmath import mp, mpf, tanh as mtanh

mp.dps = 40
A, DEGREE = 0.625, 4

xs = np.concatenate([A * np.cos(np.linspace(0, np.pi / 2, 400)), np.linspace(1e-6, A, 400)])
u = xs * xs
g = np.array([float((mtanh(mpf(x)) - mpf(x)) / mpf(x) ** 3) for x in xs])
weight = u / (np.tanh(xs) / xs)  # error of g times x^2 / (tanh(x)/x) is the relative error of tanh
coefficients, *_ = np.linalg.lstsq(np.vander(u, DEGREE + 1, increasing=True) * weight[:, None], g * weight, rcond=None)
print("coefficients c0..c4:", [float(c) for c in coefficients])

x32 = np.linspace(1e-7, A, 20001).astype(np.float32)
u32 = x32 * x32
p = np.zeros_like(x32)
for c in coefficients[::-1]:
    p = (p.astype(np.float64) * u32 + np.float32(c)).astype(np.float32)  # one rounding per step, as an FMA
t = (x32 * u32).astype(np.float32)                                            # x * u, rounded
y = (t.astype(np.float64) * p + x32).astype(np.float32)                       # fma(x * u, p, x)
reference = np.array([float(mtanh(mpf(float(x)))) for x in x32])
error = np.max(np.abs((y.astype(np.float64) - reference) / reference)) / np.finfo(np.float32).eps
print(f"largest relative error on (0, {A}): {error:.3f} float32 epsilon")
