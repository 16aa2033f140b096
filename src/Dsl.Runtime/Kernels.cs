using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Dsl.Runtime;

/// <summary>
/// Vector dot product and AXPY, used by the im2col convolution fallback (<see cref="SpatialKernels"/>). Dense layers
/// use <see cref="Gemm"/>. Every reduction runs in a fixed order, so results do not depend on anything but the inputs.
/// </summary>
public static class Kernels
{
    /// <summary><c>sum_i a[i] * b[i]</c>, vectorised; lanes are reduced in a fixed order.</summary>
    public static T Dot<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (b.Length < a.Length) throw new ArgumentException($"Dot needs spans of equal length, got {a.Length} and {b.Length}.");
        int i = 0;
        T sum = T.Zero;
        if (Vector.IsHardwareAccelerated && a.Length >= Vector<T>.Count)
        {
            ReadOnlySpan<Vector<T>> va = MemoryMarshal.Cast<T, Vector<T>>(a);
            ReadOnlySpan<Vector<T>> vb = MemoryMarshal.Cast<T, Vector<T>>(b.Slice(0, a.Length));
            Vector<T> acc = Vector<T>.Zero;
            for (int v = 0; v < va.Length; v++) acc += va[v] * vb[v];
            sum = Vector.Sum(acc);
            i = va.Length * Vector<T>.Count;
        }
        for (; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }

    /// <summary><c>y[i] += alpha * x[i]</c>, vectorised.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Axpy<T>(Span<T> y, T alpha, ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.Length < y.Length) throw new ArgumentException($"Axpy needs spans of equal length, got {y.Length} and {x.Length}.");
        int i = 0;
        if (Vector.IsHardwareAccelerated && y.Length >= Vector<T>.Count)
        {
            Span<Vector<T>> vy = MemoryMarshal.Cast<T, Vector<T>>(y);
            ReadOnlySpan<Vector<T>> vx = MemoryMarshal.Cast<T, Vector<T>>(x.Slice(0, y.Length));
            Vector<T> va = new(alpha);
            for (int v = 0; v < vy.Length; v++) vy[v] += va * vx[v];
            i = vy.Length * Vector<T>.Count;
        }
        for (; i < y.Length; i++) y[i] += alpha * x[i];
    }
}
