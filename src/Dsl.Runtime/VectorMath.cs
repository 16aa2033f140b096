using System;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Dsl.Runtime;

/// <summary>
/// The activations on whole vectors, written once over <see cref="ISimd{TV, T}"/>. Each is a lane-by-lane function,
/// so a value's result does not depend on its lane or on the vector width's tail handling (tails are padded into a
/// full vector, never computed by a different scalar formula).
/// </summary>
/// <remarks>
/// Formulas (within a few float ulp of the exact function in float; in double within 2e-14 relative, the tanh formula
/// above 2⁻⁶ losing a little to the cancellation in <c>1 - e</c>):
/// <list type="bullet">
/// <item>sigmoid: <c>1 / (1 + exp(-x))</c> (no cancellation; 0 below <c>x = -87</c> in float, where the exact value is
/// not a normal float; in double <c>exp</c> overflowing to infinity gives 0).</item>
/// <item>tanh: for <c>|x| &lt; 0.625</c> in float, <c>x + x³ P(x²)</c> with a degree-4 least-squares polynomial
/// (relative error below 0.63 float epsilon, fitted in <c>tests/Dsl.Runtime.Tests/Reference/fit_tanh.py</c>); in double, below
/// <c>|x| = 2⁻⁶</c> the Taylor series to <c>x⁹</c>; above, <c>(1 - e) / (1 + e)</c> with <c>e = exp(-2|x|)</c>, and
/// the sign of x copied back.</item>
/// <item>softplus: <c>max(x, 0) + log1p(exp(-|x|))</c>, with <c>log1p(e) = log(u) - ((u - 1) - e) / u</c>,
/// <c>u = 1 + e</c> (exact rounding correction, so tiny <c>e</c> keeps its relative accuracy).</item>
/// <item>relu: <c>max(x, 0)</c>.</item>
/// </list>
/// </remarks>
internal static class VectorMath
{
    // tanh(x) = x + x^3 (c0 + c1 u + c2 u^2 + c3 u^3 + c4 u^4), u = x^2, |x| < 0.625 (float).
    private const double TanhC0 = -0.3333328427324134, TanhC1 = 0.13331512855790528, TanhC2 = -0.05374588931554123;
    private const double TanhC3 = 0.02065961885359655, TanhC4 = -0.005728049518561262;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Sigmoid<TV, T, S>(TV x) where TV : struct where T : unmanaged, IFloatingPointIeee754<T> where S : ISimd<TV, T>
    {
        // Below -87 the result is below the smallest normal float, and exp's clamp would leave it at 6e-39: flush to 0.
        TV one = S.Broadcast(T.One);
        TV sigmoid = S.Divide(one, S.Add(one, S.Exp(S.Subtract(S.Zero, x))));
        return typeof(T) == typeof(float) ? S.SelectLess(x, S.Broadcast(T.CreateTruncating(-87.0)), S.Zero, sigmoid) : sigmoid;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Tanh<TV, T, S>(TV x) where TV : struct where T : unmanaged, IFloatingPointIeee754<T> where S : ISimd<TV, T>
    {
        TV one = S.Broadcast(T.One);
        TV a = S.Abs(x);
        TV e = S.Exp(S.Multiply(a, S.Broadcast(T.CreateTruncating(-2.0))));
        TV large = S.Divide(S.Subtract(one, e), S.Add(one, e));
        TV u = S.Multiply(a, a);
        TV p;
        T threshold;
        if (typeof(T) == typeof(float))
        {
            p = S.Fma(S.Broadcast(T.CreateTruncating(TanhC4)), u, S.Broadcast(T.CreateTruncating(TanhC3)));
            p = S.Fma(p, u, S.Broadcast(T.CreateTruncating(TanhC2)));
            p = S.Fma(p, u, S.Broadcast(T.CreateTruncating(TanhC1)));
            p = S.Fma(p, u, S.Broadcast(T.CreateTruncating(TanhC0)));
            threshold = T.CreateTruncating(0.625);
        }
        else
        {
            // Taylor: -1/3 + 2/15 u - 17/315 u^2 + 62/2835 u^3; the next term is below 2^-60 relative for |x| < 2^-6.
            p = S.Fma(S.Broadcast(T.CreateTruncating(62.0 / 2835)), u, S.Broadcast(T.CreateTruncating(-17.0 / 315)));
            p = S.Fma(p, u, S.Broadcast(T.CreateTruncating(2.0 / 15)));
            p = S.Fma(p, u, S.Broadcast(T.CreateTruncating(-1.0 / 3)));
            threshold = T.CreateTruncating(1.0 / 64);
        }
        TV small = S.Fma(S.Multiply(a, u), p, a);
        return S.CopySign(S.SelectLess(a, S.Broadcast(threshold), small, large), x);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Softplus<TV, T, S>(TV x) where TV : struct where T : unmanaged, IFloatingPointIeee754<T> where S : ISimd<TV, T>
    {
        TV one = S.Broadcast(T.One);
        TV e = S.Exp(S.Subtract(S.Zero, S.Abs(x)));
        TV u = S.Add(one, e);
        TV log1p = S.Subtract(S.Log(u), S.Divide(S.Subtract(S.Subtract(u, one), e), u));
        return S.Add(S.Max(x, S.Zero), log1p);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV ReLU<TV, T, S>(TV x) where TV : struct where T : unmanaged, IFloatingPointIeee754<T> where S : ISimd<TV, T>
        => S.Max(x, S.Zero);

    /// <summary>
    /// Applies <paramref name="act"/> in place to <paramref name="length"/> values at <paramref name="p"/>: whole vectors,
    /// then the tail padded into one vector on the stack. Softmax and Linear are not handled here (no-op for Linear).
    /// </summary>
    public static unsafe void Apply<TV, T, S>(T* p, int length, Act act) where TV : struct where T : unmanaged, IFloatingPointIeee754<T> where S : ISimd<TV, T>
    {
        switch (act)
        {
            case Act.Sigmoid: Apply<TV, T, S, SigmoidOp<TV, T, S>>(p, length); break;
            case Act.Tanh: Apply<TV, T, S, TanhOp<TV, T, S>>(p, length); break;
            case Act.ReLU: Apply<TV, T, S, ReLUOp<TV, T, S>>(p, length); break;
            case Act.Softplus: Apply<TV, T, S, SoftplusOp<TV, T, S>>(p, length); break;
            case Act.Linear: break;
            default: throw new ArgumentException($"Expected an element-wise activation (Linear, Sigmoid, Tanh, ReLU, Softplus), got {act}.", nameof(act));
        }
    }

    private static unsafe void Apply<TV, T, S, F>(T* p, int length) where TV : struct where T : unmanaged, IFloatingPointIeee754<T> where S : ISimd<TV, T> where F : struct, IOp<TV>
    {
        int count = S.Count, i = 0;
        for (; i <= length - count; i += count) S.Store(p + i, F.Of(S.Load(p + i)));
        if (i == length) return;
        T* tail = stackalloc T[count];
        for (int k = 0; k < count; k++) tail[k] = k < length - i ? p[i + k] : T.Zero;
        S.Store(tail, F.Of(S.Load(tail)));
        for (int k = 0; k < length - i; k++) p[i + k] = tail[k];
    }

    private interface IOp<TV>
    {
        static abstract TV Of(TV x);
    }

    private readonly struct SigmoidOp<TV, T, S> : IOp<TV> where TV : struct where T : unmanaged, IFloatingPointIeee754<T> where S : ISimd<TV, T>
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TV Of(TV x) => Sigmoid<TV, T, S>(x);
    }

    private readonly struct TanhOp<TV, T, S> : IOp<TV> where TV : struct where T : unmanaged, IFloatingPointIeee754<T> where S : ISimd<TV, T>
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TV Of(TV x) => Tanh<TV, T, S>(x);
    }

    private readonly struct ReLUOp<TV, T, S> : IOp<TV> where TV : struct where T : unmanaged, IFloatingPointIeee754<T> where S : ISimd<TV, T>
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TV Of(TV x) => ReLU<TV, T, S>(x);
    }

    private readonly struct SoftplusOp<TV, T, S> : IOp<TV> where TV : struct where T : unmanaged, IFloatingPointIeee754<T> where S : ISimd<TV, T>
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TV Of(TV x) => Softplus<TV, T, S>(x);
    }
}
