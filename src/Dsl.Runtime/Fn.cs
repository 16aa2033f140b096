using System.Numerics;
using System.Runtime.CompilerServices;

namespace Dsl.Runtime;

/// <summary>
/// Scalar activation functions and their derivatives, numerically stable, generic over <c>float</c>/<c>double</c>.
/// Derivatives are written in terms of the activation's output <c>y</c>, which is what the backward pass keeps.
/// </summary>
public static class Fn
{
    /// <summary><c>1 / (1 + exp(-z))</c>, evaluated without overflow for large |z|.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sigmoid<T>(T z) where T : IFloatingPointIeee754<T>
    {
        if (z >= T.Zero) return T.One / (T.One + T.Exp(-z));
        T e = T.Exp(z);
        return e / (T.One + e);
    }

    /// <summary><c>log(1 + exp(z)) = max(z, 0) + log(1 + exp(-|z|))</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Softplus<T>(T z) where T : IFloatingPointIeee754<T>
        => T.Max(z, T.Zero) + T.LogP1(T.Exp(-T.Abs(z)));

    /// <summary><c>max(z, 0)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T ReLU<T>(T z) where T : IFloatingPointIeee754<T> => z > T.Zero ? z : T.Zero;

    /// <summary>Sigmoid'(z) from y = sigmoid(z): <c>y (1 - y)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T SigmoidDerivative<T>(T y) where T : IFloatingPointIeee754<T> => y * (T.One - y);

    /// <summary>Tanh'(z) from y = tanh(z): <c>1 - y²</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T TanhDerivative<T>(T y) where T : IFloatingPointIeee754<T> => T.One - y * y;

    /// <summary>ReLU'(z) from y = relu(z): <c>1 if y &gt; 0 else 0</c> (0 at z = 0, as PyTorch).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T ReLUDerivative<T>(T y) where T : IFloatingPointIeee754<T> => y > T.Zero ? T.One : T.Zero;

    /// <summary>Softplus'(z) = sigmoid(z) from y = softplus(z): <c>1 - exp(-y) = -expm1(-y)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T SoftplusDerivative<T>(T y) where T : IFloatingPointIeee754<T> => -T.ExpM1(-y);
}
