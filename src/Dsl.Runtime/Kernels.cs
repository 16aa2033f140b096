using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Dsl.Runtime;

/// <summary>
/// SIMD kernels the generated code calls for layers too large to unroll into scalar statements.
/// Every reduction runs in a fixed order, so results do not depend on anything but the inputs.
/// Matrices are row-major; a Dense weight is <c>[out, in]</c> as in PyTorch.
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

    /// <summary>
    /// Dense forward for <paramref name="n"/> samples: <c>y[s, o] = b[o] + sum_i w[o, i] * x[s, i]</c>
    /// (activation not applied). The blocked, multi-core product of <see cref="Gemm.DenseForward{T}"/>.
    /// </summary>
    /// <param name="y">Output <c>[n, outSize]</c>.</param>
    /// <param name="x">Input <c>[n, inSize]</c>.</param>
    /// <param name="w">Weight <c>[outSize, inSize]</c>.</param>
    /// <param name="b">Bias <c>[outSize]</c>.</param>
    /// <param name="n">Number of samples.</param>
    /// <param name="inSize">Inputs per sample.</param>
    /// <param name="outSize">Outputs per sample.</param>
    public static void DenseForward<T>(Span<T> y, ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> b, int n, int inSize, int outSize)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Gemm.DenseForward(y, x, w, b, n, inSize, outSize);

    /// <summary>
    /// Dense backward for <paramref name="n"/> samples, given <c>dz = dL/d(pre-activation)</c>:
    /// <c>dw[o, i] += sum_s dz[s, o] x[s, i]</c>, <c>db[o] += sum_s dz[s, o]</c>, and, unless <paramref name="dx"/> is empty,
    /// <c>dx[s, i] = sum_o dz[s, o] w[o, i]</c>. Samples are accumulated in order
    /// (<see cref="Gemm.DenseWeightGradient{T}"/> and <see cref="Gemm.DenseInputGradient{T}"/>).
    /// </summary>
    public static void DenseBackward<T>(Span<T> dx, Span<T> dw, Span<T> db, ReadOnlySpan<T> dz, ReadOnlySpan<T> x, ReadOnlySpan<T> w,
        int n, int inSize, int outSize)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Gemm.DenseWeightGradient(dw, db, dz, x, n, inSize, outSize);
        if (!dx.IsEmpty) Gemm.DenseInputGradient(dx, dz, w, n, inSize, outSize);
    }
}
