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
/// The common 2x2 window with stride 2 in float runs on vectors: each input row pair is split into even and odd
/// columns (two-vector permutes), so one vector holds one value of each of 16 (AVX-512) or 8 (AVX2) windows; the
/// backward pass compares each recorded index with the four positions of its window and interleaves the results back. Every other window, stride and double precision take the scalar loops.
/// Ties go to the first value in reading order, as in PyTorch; a NaN wins over any number and the first NaN over
/// later ones (PyTorch propagates NaN).
/// </remarks>
internal static unsafe class PoolKernels
{
    /// <summary>Whether the vector path applies to <paramref name="g"/> for <typeparamref name="T"/> on this machine.</summary>
    public static bool Vectorised<T>(in SpatialGeometry g) where T : unmanaged, IFloatingPointIeee754<T>
        => typeof(T) == typeof(float) && g.Kernel == 2 && g.Stride == 2 && g.InSize <= 1 << 24
           && ConvSimd256<T>.IsSupported;

    /// <summary>512-bit vectors where supported and the output rows hold more than 8 windows; 256-bit ones otherwise.</summary>
    private static bool Wide<T>(in SpatialGeometry g) where T : unmanaged, IFloatingPointIeee754<T>
        => ConvSimd512<T>.IsSupported && g.OutWidth > Vector256<T>.Count;

    public static void MaxForward<T>(T* y, int* argmax, T* x, in SpatialGeometry g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (Vectorised<T>(g))
        {
            if (Wide<T>(g)) MaxPool2<T, Vector512<T>, ConvSimd512<T>>.Forward(y, argmax, x, g);
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
            if (Wide<T>(g)) MaxPool2<T, Vector512<T>, ConvSimd512<T>>.Backward(dx, dy, argmax, g);
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
    /// One sample: the window's four values come from two rows, each split into its even and odd columns (one vector of
    /// windows each); the later of two values wins when it is greater, or when it is NaN and the earlier is not; the
    /// window's first row is decided first, then its second row against the first.
    /// </summary>
    public static void Forward(T* y, int* argmax, T* x, in SpatialGeometry g)
    {
        int lanes = S.Count, h = g.InHeight, w = g.InWidth, oh = g.OutHeight, ow = g.OutWidth;
        TV twice = S.Add(S.Indices, S.Indices), one = S.Broadcast(T.One), width = S.Broadcast(T.CreateTruncating(w));
        for (int ox = 0; ox < ow; ox += lanes)
        {
            // The masks depend on the columns only: the same for every row of every channel.
            int columns = w - 2 * ox, count = Math.Min(lanes, ow - ox); // input columns left in the row, windows here
            TV load0 = S.LessThan(S.Indices, S.Broadcast(T.CreateTruncating(columns)));
            TV load1 = S.LessThan(S.Indices, S.Broadcast(T.CreateTruncating(columns - lanes)));
            TV store = S.LessThan(S.Indices, S.Broadcast(T.CreateTruncating(count)));
            for (int c = 0; c < g.InChannels; c++)
                for (int oy = 0; oy < oh; oy++)
                {
                    int first = (c * h + 2 * oy) * w + 2 * ox;
                    T* upper = x + first, lower = upper + w;
                    TV a0 = S.MaskLoad(upper, load0), a1 = S.MaskLoad(upper + lanes, load1);
                    TV b0 = S.MaskLoad(lower, load0), b1 = S.MaskLoad(lower + lanes, load1);
                    TV left = S.Add(S.Broadcast(T.CreateTruncating(first)), twice); // index of each window's top-left value
                    TV best = Pick(S.Even(a0, a1), S.Odd(a0, a1), left, S.Add(left, one), out TV bestIndex);
                    TV leftBelow = S.Add(left, width);
                    TV below = Pick(S.Even(b0, b1), S.Odd(b0, b1), leftBelow, S.Add(leftBelow, one), out TV belowIndex);
                    TV max = Pick(best, below, bestIndex, belowIndex, out TV index);
                    int o = (c * oh + oy) * ow + ox;
                    S.MaskStore(y + o, store, max);
                    S.StoreInt32(argmax + o, index, count);
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
        int lanes = S.Count, h = g.InHeight, w = g.InWidth, oh = g.OutHeight, ow = g.OutWidth;
        TV twice = S.Add(S.Indices, S.Indices), one = S.Broadcast(T.One), width = S.Broadcast(T.CreateTruncating(w));
        // Each window row's two input rows, from the same gradients and indices; the columns past the last window (an
        // odd width) get the zeros of the gradients loaded past the row's end. The masks depend on the columns only.
        for (int ox = 0; ox < (w + 1) / 2; ox += lanes)
        {
            int count = Math.Clamp(ow - ox, 0, lanes), columns = w - 2 * ox;
            TV load = S.LessThan(S.Indices, S.Broadcast(T.CreateTruncating(count)));
            TV store0 = S.LessThan(S.Indices, S.Broadcast(T.CreateTruncating(columns)));
            TV store1 = S.LessThan(S.Indices, S.Broadcast(T.CreateTruncating(columns - lanes)));
            for (int c = 0; c < g.InChannels; c++)
                for (int oy = 0; oy < oh; oy++)
                {
                    int first = (c * h + 2 * oy) * w + 2 * ox, o = (c * oh + oy) * ow + ox;
                    TV d = S.MaskLoad(dy + o, load);
                    TV chosen = S.LoadInt32(argmax + o, count);
                    TV left = S.Add(S.Broadcast(T.CreateTruncating(first)), twice);
                    TV leftBelow = S.Add(left, width);
                    TV e = S.And(d, S.EqualsTo(chosen, left)), odd = S.And(d, S.EqualsTo(chosen, S.Add(left, one)));
                    S.MaskStore(dx + first, store0, S.InterleaveLow(e, odd));
                    S.MaskStore(dx + first + lanes, store1, S.InterleaveHigh(e, odd));
                    e = S.And(d, S.EqualsTo(chosen, leftBelow));
                    odd = S.And(d, S.EqualsTo(chosen, S.Add(leftBelow, one)));
                    S.MaskStore(dx + first + w, store0, S.InterleaveLow(e, odd));
                    S.MaskStore(dx + first + w + lanes, store1, S.InterleaveHigh(e, odd));
                }
        }
        if (h > 2 * oh) // rows no window reads
            for (int c = 0; c < g.InChannels; c++) new Span<T>(dx + (c * h + 2 * oh) * w, (h - 2 * oh) * w).Clear();
    }
}
