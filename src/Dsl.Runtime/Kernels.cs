using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Dsl.Runtime;

/// <summary>
/// Vector dot product and AXPY, used by the im2col convolution fallback (<see cref="SpatialKernels"/>), and the clearing
/// of a model's gradients at the start of <c>TrainStep</c>. Dense layers use <see cref="Gemm"/>. Every reduction runs
/// in a fixed order, so results do not depend on anything but the inputs.
/// </summary>
public static unsafe class Kernels
{
    /// <summary>
    /// Bytes from which <see cref="Clear{T}"/> splits a buffer across <see cref="Workers"/>. Measured in W3's step (5 MB of
    /// gradients, 2 cores, clearing on the caller alone and split alternated in one process): 1.8, 2.6 and 3.0% faster
    /// per step in slow phases of the host, 0.25% in a calm one. W2's 400 KB (about 3.5 us on one core) stays below it.
    /// </summary>
    internal const long ParallelClearBytes = 1 << 20;

    /// <summary>Bytes per part of a split <see cref="Clear{T}"/>: a multiple of the cache line.</summary>
    private const long ClearPartBytes = 256 * 1024;

    /// <summary>
    /// Sets every element of <paramref name="buffer"/> to zero (all bits clear), as <see cref="Span{T}.Clear"/>; buffers
    /// of at least <see cref="ParallelClearBytes"/> are cleared by all the workers, in parts of 256 KB.
    /// </summary>
    public static void Clear<T>(Span<T> buffer) where T : unmanaged
    {
        long bytes = (long)buffer.Length * sizeof(T);
        if (bytes < ParallelClearBytes || Workers.Degree == 1)
        {
            buffer.Clear();
            return;
        }
        fixed (T* p = buffer)
        {
            var job = new ClearJob { Start = (byte*)p, Bytes = bytes };
            Workers.Run(ref job, (int)((bytes + ClearPartBytes - 1) / ClearPartBytes));
        }
    }

    private struct ClearJob : IParallelPart
    {
        public byte* Start;
        public long Bytes;

        public readonly void Execute(int part)
        {
            long first = part * ClearPartBytes;
            new Span<byte>(Start + first, (int)Math.Min(ClearPartBytes, Bytes - first)).Clear();
        }
    }

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
