using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Dsl.Runtime;

/// <summary>
/// Pooling for one sample at a time, called by <see cref="SpatialKernels"/>' pooling methods once per sample (the
/// samples split across the cores: each sample's outputs are written by one part, so the result does not depend on
/// the number of threads).
/// </summary>
/// <remarks>
/// The common 2x2 window with stride 2 in float runs on vectors: a row's values and their neighbours (lanes swapped in
/// pairs) are compared within each window row, then the two rows, and the even lanes hold the results; the backward
/// pass expands each gradient and its recorded index back to the window's pairs of lanes and keeps it where the index
/// matches. Every other window, stride and double precision take the scalar loops.
/// Ties go to the first value in reading order, as in PyTorch; a NaN wins over any number and the first NaN over
/// later ones (PyTorch propagates NaN).
/// </remarks>
internal static unsafe class PoolKernels
{
    /// <summary>Whether the vector path applies to <paramref name="g"/> for <typeparamref name="T"/> on this machine.</summary>
    public static bool Vectorised<T>(in SpatialGeometry g) where T : unmanaged, IFloatingPointIeee754<T>
        => typeof(T) == typeof(float) && g.Kernel == 2 && g.Stride == 2 && g.InSize <= 1 << 24
           && (ConvSimd512<T>.IsSupported || ConvSimd256<T>.IsSupported);

    public static void MaxForward<T>(T* y, int* argmax, T* x, in SpatialGeometry g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (Vectorised<T>(g))
        {
            if (ConvSimd512<T>.IsSupported) MaxPool2<T, Vector512<T>, ConvSimd512<T>>.Forward(y, argmax, x, g);
            else MaxPool2<T, Vector256<T>, ConvSimd256<T>>.Forward(y, argmax, x, g);
            return;
        }
        int o = 0;
        for (int c = 0; c < g.InChannels; c++)
            for (int oy = 0; oy < g.OutHeight; oy++)
                for (int ox = 0; ox < g.OutWidth; ox++, o++)
                {
                    int best = (c * g.InHeight + oy * g.Stride) * g.InWidth + ox * g.Stride;
                    T max = x[best];
                    for (int ky = 0; ky < g.Kernel; ky++)
                    {
                        int row = (c * g.InHeight + oy * g.Stride + ky) * g.InWidth + ox * g.Stride;
                        for (int kx = 0; kx < g.Kernel; kx++)
                        {
                            T v = x[row + kx];
                            if (v > max || T.IsNaN(v) && !T.IsNaN(max))
                            {
                                max = v;
                                best = row + kx;
                            }
                        }
                    }
                    y[o] = max;
                    argmax[o] = best;
                }
    }

    public static void MaxBackward<T>(T* dx, T* dy, int* argmax, in SpatialGeometry g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (Vectorised<T>(g))
        {
            if (ConvSimd512<T>.IsSupported) MaxPool2<T, Vector512<T>, ConvSimd512<T>>.Backward(dx, dy, argmax, g);
            else MaxPool2<T, Vector256<T>, ConvSimd256<T>>.Backward(dx, dy, argmax, g);
            return;
        }
        new Span<T>(dx, g.InSize).Clear();
        for (int o = 0; o < g.OutSize; o++) dx[argmax[o]] += dy[o];
    }

    public static void AvgForward<T>(T* y, T* x, in SpatialGeometry g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T scale = T.One / T.CreateChecked(g.Kernel * g.Kernel);
        int o = 0;
        for (int c = 0; c < g.InChannels; c++)
            for (int oy = 0; oy < g.OutHeight; oy++)
                for (int ox = 0; ox < g.OutWidth; ox++, o++)
                {
                    T sum = T.Zero;
                    for (int ky = 0; ky < g.Kernel; ky++)
                    {
                        T* row = x + (c * g.InHeight + oy * g.Stride + ky) * g.InWidth + ox * g.Stride;
                        for (int kx = 0; kx < g.Kernel; kx++) sum += row[kx];
                    }
                    y[o] = sum * scale;
                }
    }

    public static void AvgBackward<T>(T* dx, T* dy, in SpatialGeometry g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T scale = T.One / T.CreateChecked(g.Kernel * g.Kernel);
        new Span<T>(dx, g.InSize).Clear();
        int o = 0;
        for (int c = 0; c < g.InChannels; c++)
            for (int oy = 0; oy < g.OutHeight; oy++)
                for (int ox = 0; ox < g.OutWidth; ox++, o++)
                {
                    T share = dy[o] * scale;
                    for (int ky = 0; ky < g.Kernel; ky++)
                    {
                        T* row = dx + (c * g.InHeight + oy * g.Stride + ky) * g.InWidth + ox * g.Stride;
                        for (int kx = 0; kx < g.Kernel; kx++) row[kx] += share;
                    }
                }
    }
}

/// <summary>2x2 max pooling with stride 2 on vectors of float (see <see cref="PoolKernels"/>).</summary>
internal static unsafe class MaxPool2<T, TV, S>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TV : struct
    where S : IConvSimd<TV, T>
{
    /// <summary>
    /// One sample: for each window, the later of two values wins when it is greater, or when it is NaN and the earlier is
    /// not; the window's first row is decided first, then its second row against the first.
    /// </summary>
    public static void Forward(T* y, int* argmax, T* x, in SpatialGeometry g)
    {
        int lanes = S.Count, half = lanes / 2, h = g.InHeight, w = g.InWidth, oh = g.OutHeight, ow = g.OutWidth;
        TV swapped = S.SwapPairs(S.Indices);
        for (int c = 0; c < g.InChannels; c++)
            for (int oy = 0; oy < oh; oy++)
            {
                int top = (c * h + 2 * oy) * w;
                T* outRow = y + (c * oh + oy) * ow;
                int* indexRow = argmax + (c * oh + oy) * ow;
                for (int ox = 0; ox < ow; ox += half)
                {
                    int count = Math.Min(half, ow - ox), first = top + 2 * ox;
                    TV load = S.LessThan(S.Indices, S.Broadcast(T.CreateTruncating(w - 2 * ox)));
                    TV a = S.MaskLoad(x + first, load), b = S.MaskLoad(x + first + w, load);
                    TV at = S.Broadcast(T.CreateTruncating(first)), below = S.Broadcast(T.CreateTruncating(first + w));
                    // Within each row: lane 2i holds the window's left value, its swapped copy the right one.
                    TV upper = Pick(a, S.SwapPairs(a), S.Add(at, S.Indices), S.Add(at, swapped), out TV upperIndex);
                    TV lower = Pick(b, S.SwapPairs(b), S.Add(below, S.Indices), S.Add(below, swapped), out TV lowerIndex);
                    TV max = Pick(upper, lower, upperIndex, lowerIndex, out TV index);
                    S.MaskStore(outRow + ox, S.LessThan(S.Indices, S.Broadcast(T.CreateTruncating(count))), S.EvenToLow(max));
                    S.StoreInt32(indexRow + ox, S.EvenToLow(index), count);
                }
            }
    }

    /// <summary><c>later</c> where it beats <c>earlier</c> (greater, or NaN against a number), else <c>earlier</c>; the same for the indices.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Pick(TV earlier, TV later, TV earlierIndex, TV laterIndex, out TV index)
    {
        TV take = S.Or(S.GreaterThan(later, earlier), S.AndNot(S.EqualsTo(earlier, earlier), S.EqualsTo(later, later)));
        index = S.Select(take, laterIndex, earlierIndex);
        return S.Select(take, later, earlier);
    }

    /// <summary>One sample: each input gets the gradient of the window that chose it, and zero if none did.</summary>
    public static void Backward(T* dx, T* dy, int* argmax, in SpatialGeometry g)
    {
        int lanes = S.Count, half = lanes / 2, h = g.InHeight, w = g.InWidth, oh = g.OutHeight, ow = g.OutWidth;
        for (int c = 0; c < g.InChannels; c++)
        {
            for (int oy = 0; oy < oh; oy++)
            {
                // The window row's two input rows, from the same gradients and indices.
                int start = (c * h + 2 * oy) * w;
                T* gradients = dy + (c * oh + oy) * ow;
                int* indices = argmax + (c * oh + oy) * ow;
                for (int ix = 0; ix < w; ix += lanes)
                {
                    int count = Math.Clamp(ow - ix / 2, 0, half); // outputs whose windows cover these columns
                    TV d = S.LowToPairs(S.MaskLoad(gradients + ix / 2, S.LessThan(S.Indices, S.Broadcast(T.CreateTruncating(count)))));
                    TV chosen = S.LowToPairs(S.LoadInt32(indices + ix / 2, count));
                    TV upper = S.Add(S.Broadcast(T.CreateTruncating(start + ix)), S.Indices);
                    TV store = S.LessThan(S.Indices, S.Broadcast(T.CreateTruncating(w - ix)));
                    S.MaskStore(dx + start + ix, store, S.And(d, S.EqualsTo(chosen, upper)));
                    S.MaskStore(dx + start + w + ix, store, S.And(d, S.EqualsTo(chosen, S.Add(upper, S.Broadcast(T.CreateTruncating(w))))));
                }
            }
            if (h > 2 * oh) new Span<T>(dx + (c * h + 2 * oh) * w, (h - 2 * oh) * w).Clear(); // rows no window reads
        }
    }
}
