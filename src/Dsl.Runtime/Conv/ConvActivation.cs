using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using Dsl;

namespace Dsl.Runtime;

/// <summary>
/// The activations the convolution kernels apply to whole vectors as they store a layer's output (fused with the
/// bias), and their backward passes, which turn <c>dL/dy</c> into <c>dL/dz</c> from the saved output <c>y</c>.
/// </summary>
/// <remarks>
/// <para>In float: ReLU and Linear are exact; sigmoid is <c>1 / (1 + exp(-z))</c> (no cancellation; 0 below
/// <c>z = -87</c>, where the exact value is a subnormal), within 2.4 ulp; tanh is <c>z + z³·P(z²)</c> for
/// <c>|z| &lt; 0.625</c>, with P the degree-4 polynomial fitted by
/// <c>tests/Dsl.Runtime.Tests/Reference/fit_conv_activations.py</c>, and <c>sign(z)·(1 - e)/(1 + e)</c>,
/// <c>e = exp(-2|z|)</c>, above, within 1.5 ulp (<c>exp</c> is <see cref="FloatExp"/>; the bounds are checked by
/// ConvActivationTests). Softplus, and every activation in double
/// precision, use the scalar functions of <see cref="Fn"/> lane by lane: double exists for gradient checks, where
/// exactness matters more than speed. Every function works lane by lane, so a value's result never depends on its
/// position.</para>
/// <para>Backward: Linear <c>dz = dy</c>; ReLU <c>dz = y &gt; 0 ? dy : 0</c>; tanh <c>dz = dy·(1 - y²)</c>;
/// sigmoid <c>dz = dy·y·(1 - y)</c>; softplus <c>dz = dy·(1 - exp(-y))</c> (scalar, as <see cref="Fn.SoftplusDerivative{T}"/>).</para>
/// </remarks>
internal static unsafe class ConvActivation
{
    // tanh(z) = z + z³ (C0 + C1 u + C2 u² + C3 u³ + C4 u⁴), u = z², |z| < 0.625 (float).
    private const float TanhC0 = -0.3333328195794053f, TanhC1 = 0.13331442649269254f, TanhC2 = -0.05373975398307097f;
    private const float TanhC3 = 0.02063921756258465f, TanhC4 = -0.005705135902382531f;

    /// <summary>Whether <paramref name="act"/> is applied by the kernels (Softmax is applied per sample afterwards).</summary>
    public static bool IsElementwise(Act act) => act != Act.Softmax;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Apply<TV, T, S>(Act act, TV z) where TV : struct where T : unmanaged, IFloatingPointIeee754<T> where S : IConvSimd<TV, T>
    {
        switch (act)
        {
            case Act.ReLU:
                return S.Max(z, S.Zero);
            case Act.Tanh when typeof(T) == typeof(float):
                return Tanh<TV, T, S>(z);
            case Act.Sigmoid when typeof(T) == typeof(float):
            {
                // Below -87 the result is below the smallest normal float, and exp's clamp would leave it at 6e-39: flush to 0.
                TV one = S.Broadcast(T.One);
                TV sigmoid = S.Divide(one, S.Add(one, S.Exp(S.Subtract(S.Zero, z))));
                return S.Select(S.LessThan(z, S.Broadcast(T.CreateTruncating(-87.0))), S.Zero, sigmoid);
            }
            case Act.Tanh or Act.Sigmoid or Act.Softplus:
                return Scalar<TV, T, S>(act, z);
            default:
                return z;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Backward<TV, T, S>(Act act, TV dy, TV y) where TV : struct where T : unmanaged, IFloatingPointIeee754<T> where S : IConvSimd<TV, T>
    {
        switch (act)
        {
            case Act.ReLU:
                return S.And(dy, S.GreaterThan(y, S.Zero));
            case Act.Tanh:
                return S.Multiply(dy, S.Subtract(S.Broadcast(T.One), S.Multiply(y, y)));
            case Act.Sigmoid:
                return S.Multiply(dy, S.Multiply(y, S.Subtract(S.Broadcast(T.One), y)));
            case Act.Softplus:
                return S.Multiply(dy, ScalarDerivative<TV, T, S>(y));
            default:
                return dy;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Tanh<TV, T, S>(TV z) where TV : struct where T : unmanaged, IFloatingPointIeee754<T> where S : IConvSimd<TV, T>
    {
        TV one = S.Broadcast(T.One);
        TV a = S.Abs(z);
        TV e = S.Exp(S.Multiply(a, S.Broadcast(T.CreateTruncating(-2.0))));
        TV large = S.Divide(S.Subtract(one, e), S.Add(one, e));
        TV u = S.Multiply(a, a);
        TV p = S.Fma(S.Broadcast(T.CreateTruncating(TanhC4)), u, S.Broadcast(T.CreateTruncating(TanhC3)));
        p = S.Fma(p, u, S.Broadcast(T.CreateTruncating(TanhC2)));
        p = S.Fma(p, u, S.Broadcast(T.CreateTruncating(TanhC1)));
        p = S.Fma(p, u, S.Broadcast(T.CreateTruncating(TanhC0)));
        TV small = S.Fma(S.Multiply(a, u), p, a);
        return S.CopySign(S.Select(S.LessThan(a, S.Broadcast(T.CreateTruncating(0.625))), small, large), z);
    }

    private static TV Scalar<TV, T, S>(Act act, TV z) where TV : struct where T : unmanaged, IFloatingPointIeee754<T> where S : IConvSimd<TV, T>
    {
        T* lanes = stackalloc T[S.Count];
        S.Store(lanes, z);
        for (int i = 0; i < S.Count; i++)
            lanes[i] = act switch
            {
                Act.Tanh => T.Tanh(lanes[i]),
                Act.Sigmoid => Fn.Sigmoid(lanes[i]),
                _ => Fn.Softplus(lanes[i]),
            };
        return S.Load(lanes);
    }

    private static TV ScalarDerivative<TV, T, S>(TV y) where TV : struct where T : unmanaged, IFloatingPointIeee754<T> where S : IConvSimd<TV, T>
    {
        T* lanes = stackalloc T[S.Count];
        S.Store(lanes, y);
        for (int i = 0; i < S.Count; i++) lanes[i] = Fn.SoftplusDerivative(lanes[i]);
        return S.Load(lanes);
    }

    /// <summary>Applies <paramref name="act"/> to one sample's output where it is not element-wise (Softmax over all its values).</summary>
    public static void ApplyWhole<T>(Act act, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (act == Act.Softmax) Activations.Softmax(y, y.Length);
    }

    /// <summary>The backward pass of <see cref="ApplyWhole{T}"/>, in place on <paramref name="dy"/>.</summary>
    public static void BackwardWhole<T>(Act act, Span<T> dy, ReadOnlySpan<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (act == Act.Softmax) Activations.SoftmaxBackward(dy, y, y.Length);
    }
}
