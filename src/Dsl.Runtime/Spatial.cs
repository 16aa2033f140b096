using System;
using System.Numerics;

namespace Dsl.Runtime;

/// <summary>
/// The fixed geometry of a convolution or pooling layer, computed at compile time by the generator.
/// Maps are <c>[channels, height, width]</c> row-major, one sample after another.
/// </summary>
/// <param name="InChannels">Input channels.</param>
/// <param name="InHeight">Input height.</param>
/// <param name="InWidth">Input width.</param>
/// <param name="OutChannels">Output channels (filters; for pooling, the input channels).</param>
/// <param name="Kernel">Side of the square window.</param>
/// <param name="Stride">Step between windows.</param>
/// <param name="PadTop">Zero rows added above the input (Same padding); the rest of the total goes below.</param>
/// <param name="PadLeft">Zero columns added left of the input; the rest goes right.</param>
/// <param name="OutHeight">Output height.</param>
/// <param name="OutWidth">Output width.</param>
public readonly record struct SpatialGeometry(int InChannels, int InHeight, int InWidth, int OutChannels, int Kernel, int Stride,
    int PadTop, int PadLeft, int OutHeight, int OutWidth)
{
    /// <summary>Values in one input sample.</summary>
    public int InSize => InChannels * InHeight * InWidth;

    /// <summary>Values in one output sample.</summary>
    public int OutSize => OutChannels * OutHeight * OutWidth;

    /// <summary>Rows of the unrolled patch matrix: <c>InChannels·Kernel²</c>.</summary>
    public int PatchSize => InChannels * Kernel * Kernel;

    /// <summary>Output positions per channel: <c>OutHeight·OutWidth</c>.</summary>
    public int Positions => OutHeight * OutWidth;

    /// <summary>Scratch values a convolution needs (the patch matrix of one sample).</summary>
    public int ScratchSize => PatchSize * Positions;
}

/// <summary>
/// Convolution and pooling kernels. A convolution unrolls each sample's patches into a <c>[C·k², outH·outW]</c> matrix
/// (im2col) and multiplies it by the weight <c>[outC, C·k²]</c>, so the inner loops run over contiguous output positions
/// with SIMD; every sum is accumulated in a fixed order.
/// </summary>
public static class SpatialKernels
{
    /// <summary>Unrolls one sample's patches: <c>col[(c·k + ky)·k + kx, oy·outW + ox] = x[c, oy·s + ky - padTop, ox·s + kx - padLeft]</c>, zero outside.</summary>
    public static void Im2Col<T>(Span<T> col, ReadOnlySpan<T> x, in SpatialGeometry g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int k = g.Kernel, positions = g.Positions;
        for (int c = 0; c < g.InChannels; c++)
            for (int ky = 0; ky < k; ky++)
                for (int kx = 0; kx < k; kx++)
                {
                    Span<T> row = col.Slice(((c * k + ky) * k + kx) * positions, positions);
                    for (int oy = 0; oy < g.OutHeight; oy++)
                    {
                        int iy = oy * g.Stride + ky - g.PadTop;
                        Span<T> dst = row.Slice(oy * g.OutWidth, g.OutWidth);
                        if ((uint)iy >= (uint)g.InHeight)
                        {
                            dst.Clear();
                            continue;
                        }
                        ReadOnlySpan<T> src = x.Slice((c * g.InHeight + iy) * g.InWidth, g.InWidth);
                        int ix = kx - g.PadLeft;
                        if (g.Stride == 1 && ix >= 0 && ix + g.OutWidth <= g.InWidth)
                        {
                            src.Slice(ix, g.OutWidth).CopyTo(dst);
                            continue;
                        }
                        for (int ox = 0; ox < g.OutWidth; ox++, ix += g.Stride)
                            dst[ox] = (uint)ix < (uint)g.InWidth ? src[ix] : T.Zero;
                    }
                }
    }

    /// <summary>Adds a patch matrix back onto one sample's map: the transpose of <see cref="Im2Col{T}"/>.</summary>
    public static void Col2ImAdd<T>(Span<T> x, ReadOnlySpan<T> col, in SpatialGeometry g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int k = g.Kernel, positions = g.Positions;
        for (int c = 0; c < g.InChannels; c++)
            for (int ky = 0; ky < k; ky++)
                for (int kx = 0; kx < k; kx++)
                {
                    ReadOnlySpan<T> row = col.Slice(((c * k + ky) * k + kx) * positions, positions);
                    for (int oy = 0; oy < g.OutHeight; oy++)
                    {
                        int iy = oy * g.Stride + ky - g.PadTop;
                        if ((uint)iy >= (uint)g.InHeight) continue;
                        Span<T> dst = x.Slice((c * g.InHeight + iy) * g.InWidth, g.InWidth);
                        ReadOnlySpan<T> src = row.Slice(oy * g.OutWidth, g.OutWidth);
                        int ix = kx - g.PadLeft;
                        if (g.Stride == 1 && ix >= 0 && ix + g.OutWidth <= g.InWidth)
                        {
                            Kernels.Axpy(dst.Slice(ix, g.OutWidth), T.One, src);
                            continue;
                        }
                        for (int ox = 0; ox < g.OutWidth; ox++, ix += g.Stride)
                            if ((uint)ix < (uint)g.InWidth) dst[ix] += src[ox];
                    }
                }
    }

    /// <summary>
    /// Convolution forward for <paramref name="n"/> samples: <c>y[o, p] = b[o] + sum_r w[o, r] · col[r, p]</c>
    /// (activation not applied). <paramref name="scratch"/> holds at least <see cref="SpatialGeometry.ScratchSize"/> values.
    /// </summary>
    public static void ConvForward<T>(Span<T> y, ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> b, int n, in SpatialGeometry g, Span<T> scratch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int patch = g.PatchSize, positions = g.Positions;
        Span<T> col = scratch.Slice(0, g.ScratchSize);
        for (int s = 0; s < n; s++)
        {
            Im2Col(col, x.Slice(s * g.InSize, g.InSize), g);
            Span<T> ys = y.Slice(s * g.OutSize, g.OutSize);
            for (int o = 0; o < g.OutChannels; o++)
            {
                Span<T> yo = ys.Slice(o * positions, positions);
                yo.Fill(b[o]);
                ReadOnlySpan<T> wo = w.Slice(o * patch, patch);
                for (int r = 0; r < patch; r++) Kernels.Axpy(yo, wo[r], col.Slice(r * positions, positions));
            }
        }
    }

    /// <summary>
    /// Convolution backward for <paramref name="n"/> samples, given <c>dz = dL/d(pre-activation)</c>:
    /// <c>dw[o, r] += sum_p dz[o, p] · col[r, p]</c>, <c>db[o] += sum_p dz[o, p]</c>, and unless <paramref name="dx"/> is empty
    /// <c>dx = col2im(wᵀ dz)</c>. <paramref name="scratch"/> holds at least twice <see cref="SpatialGeometry.ScratchSize"/> values.
    /// </summary>
    public static void ConvBackward<T>(Span<T> dx, Span<T> dw, Span<T> db, ReadOnlySpan<T> dz, ReadOnlySpan<T> x, ReadOnlySpan<T> w,
        int n, in SpatialGeometry g, Span<T> scratch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int patch = g.PatchSize, positions = g.Positions;
        Span<T> col = scratch.Slice(0, g.ScratchSize);
        Span<T> dcol = scratch.Slice(g.ScratchSize, g.ScratchSize);
        for (int s = 0; s < n; s++)
        {
            Im2Col(col, x.Slice(s * g.InSize, g.InSize), g);
            ReadOnlySpan<T> dzs = dz.Slice(s * g.OutSize, g.OutSize);
            for (int o = 0; o < g.OutChannels; o++)
            {
                ReadOnlySpan<T> dzo = dzs.Slice(o * positions, positions);
                Span<T> dwo = dw.Slice(o * patch, patch);
                T sum = T.Zero;
                foreach (T v in dzo) sum += v;
                db[o] += sum;
                for (int r = 0; r < patch; r++) dwo[r] += Kernels.Dot(dzo, col.Slice(r * positions, positions));
            }
            if (dx.IsEmpty) continue;
            dcol.Clear();
            for (int o = 0; o < g.OutChannels; o++)
            {
                ReadOnlySpan<T> dzo = dzs.Slice(o * positions, positions);
                ReadOnlySpan<T> wo = w.Slice(o * patch, patch);
                for (int r = 0; r < patch; r++) Kernels.Axpy(dcol.Slice(r * positions, positions), wo[r], dzo);
            }
            Span<T> dxs = dx.Slice(s * g.InSize, g.InSize);
            dxs.Clear();
            Col2ImAdd(dxs, dcol, g);
        }
    }

    /// <summary>
    /// Max pooling forward for <paramref name="n"/> samples: <c>y[s, c, oy, ox]</c> = the maximum of the window at
    /// <c>(oy·stride, ox·stride)</c>, and <paramref name="argmax"/> records the input index (within the sample) of that
    /// maximum: the first in reading order on ties, as PyTorch, and the first NaN if any. Samples are split across
    /// <see cref="Workers"/>; 2x2 windows with stride 2 in float run on vectors (see <c>PoolKernels</c>).
    /// </summary>
    public static unsafe void MaxPoolForward<T>(Span<T> y, Span<int> argmax, ReadOnlySpan<T> x, int n, in SpatialGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckPool(y.Length, x.Length, n, g);
        if (argmax.Length < n * g.OutSize) throw new ArgumentException($"argmax holds {argmax.Length} values, but {n} samples need {n * g.OutSize}.", nameof(argmax));
        fixed (T* py = y, px = x)
        fixed (int* pi = argmax)
        {
            var job = new PoolJob<T> { Kind = 0, Y = py, X = px, Index = pi, Geometry = g };
            Workers.Run(ref job, n);
        }
    }

    /// <summary>Max pooling backward: each output's gradient goes to the input that was its maximum; every other input gets 0.</summary>
    public static unsafe void MaxPoolBackward<T>(Span<T> dx, ReadOnlySpan<T> dy, ReadOnlySpan<int> argmax, int n, in SpatialGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckPool(dy.Length, dx.Length, n, g);
        if (argmax.Length < n * g.OutSize) throw new ArgumentException($"argmax holds {argmax.Length} values, but {n} samples need {n * g.OutSize}.", nameof(argmax));
        fixed (T* pdx = dx, pdy = dy)
        fixed (int* pi = argmax)
        {
            var job = new PoolJob<T> { Kind = 1, Y = pdy, X = pdx, Index = pi, Geometry = g };
            Workers.Run(ref job, n);
        }
    }

    /// <summary>Average pooling forward: <c>y = (1/k²) · sum of the window</c>, samples split across <see cref="Workers"/>.</summary>
    public static unsafe void AvgPoolForward<T>(Span<T> y, ReadOnlySpan<T> x, int n, in SpatialGeometry g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckPool(y.Length, x.Length, n, g);
        fixed (T* py = y, px = x)
        {
            var job = new PoolJob<T> { Kind = 2, Y = py, X = px, Geometry = g };
            Workers.Run(ref job, n);
        }
    }

    /// <summary>Average pooling backward: each output's gradient, divided by k², goes to every input of its window.</summary>
    public static unsafe void AvgPoolBackward<T>(Span<T> dx, ReadOnlySpan<T> dy, int n, in SpatialGeometry g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckPool(dy.Length, dx.Length, n, g);
        fixed (T* pdx = dx, pdy = dy)
        {
            var job = new PoolJob<T> { Kind = 3, Y = pdy, X = pdx, Geometry = g };
            Workers.Run(ref job, n);
        }
    }

    private static void CheckPool(int outputLength, int inputLength, int n, in SpatialGeometry g)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        if (outputLength < n * g.OutSize) throw new ArgumentException($"the output side holds {outputLength} values, but {n} samples of {g.OutSize} need {n * g.OutSize}.");
        if (inputLength < n * g.InSize) throw new ArgumentException($"the input side holds {inputLength} values, but {n} samples of {g.InSize} need {n * g.InSize}.");
    }

    /// <summary>One pooling pass, one part per sample. Y is the output side (y or dy), X the input side (x or dx).</summary>
    private unsafe struct PoolJob<T> : IParallelPart where T : unmanaged, IFloatingPointIeee754<T>
    {
        public int Kind; // 0 max forward, 1 max backward, 2 average forward, 3 average backward
        public T* Y, X;
        public int* Index;
        public SpatialGeometry Geometry;

        public readonly void Execute(int s)
        {
            SpatialGeometry g = Geometry;
            T* y = Y + s * g.OutSize, x = X + s * g.InSize;
            int* index = Index + s * g.OutSize;
            switch (Kind)
            {
                case 0: PoolKernels.MaxForward(y, index, x, g); break;
                case 1: PoolKernels.MaxBackward(x, y, index, g); break;
                case 2: PoolKernels.AvgForward(y, x, g); break;
                default: PoolKernels.AvgBackward(x, y, g); break;
            }
        }
    }
}

/// <summary>
/// Inverted dropout with a small deterministic generator (SplitMix64), so a model's masks depend only on its seed and
/// the number of steps taken, and the state can be saved and restored to repeat a mask.
/// </summary>
public static class Dropout
{
    /// <summary>The generator state a model of seed <paramref name="seed"/> starts from.</summary>
    public static ulong InitialState(int seed) => 0x9E3779B97F4A7C15UL ^ (ulong)(uint)seed * 0xD1B54A32D192ED03UL;

    /// <summary>
    /// Draws a mask (<c>1/(1 - rate)</c> with probability <c>1 - rate</c>, else 0) into <paramref name="mask"/> and writes
    /// <c>y = x · mask</c>.
    /// </summary>
    public static void Forward<T>(Span<T> y, Span<T> mask, ReadOnlySpan<T> x, double rate, ref ulong state) where T : IFloatingPointIeee754<T>
    {
        T keep = T.CreateChecked(1 / (1 - rate));
        for (int i = 0; i < x.Length; i++)
        {
            mask[i] = NextDouble(ref state) >= rate ? keep : T.Zero;
            y[i] = x[i] * mask[i];
        }
    }

    /// <summary><c>dx = dy · mask</c>.</summary>
    public static void Backward<T>(Span<T> dx, ReadOnlySpan<T> dy, ReadOnlySpan<T> mask) where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < mask.Length; i++) dx[i] = dy[i] * mask[i];
    }

    /// <summary>A uniform double in [0, 1) from SplitMix64.</summary>
    public static double NextDouble(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (z >> 11) * (1.0 / (1UL << 53));
    }
}
