using System;
using System.Linq;
using System.Numerics;
using System.Runtime.Intrinsics;
using Dsl;
using Xunit;

namespace Dsl.Runtime.Tests;

// Layers for the kernel tests. The seed network's three convolutions; padding (odd and even kernels, so the extra zero
// row and column go below and right); a filter count that is not a multiple of the 4-filter blocks; a kernel wider
// than the 5-column weight-gradient blocks; softmax over a whole sample; and two shapes the direct kernels leave to
// im2col: stride 2, and a map smaller than one vector.
internal readonly struct SeedL1 : IConvLayer
{
    public static int InChannels => 1; public static int InHeight => 28; public static int InWidth => 28;
    public static int OutChannels => 4; public static int OutHeight => 24; public static int OutWidth => 24;
    public static int Kernel => 5; public static int Stride => 1; public static int PadTop => 0; public static int PadLeft => 0;
    public static Act Activation => Act.Tanh;
}

internal readonly struct SeedL2 : IConvLayer
{
    public static int InChannels => 4; public static int InHeight => 24; public static int InWidth => 24;
    public static int OutChannels => 8; public static int OutHeight => 22; public static int OutWidth => 22;
    public static int Kernel => 3; public static int Stride => 1; public static int PadTop => 0; public static int PadLeft => 0;
    public static Act Activation => Act.Tanh;
}

internal readonly struct SeedL4 : IConvLayer
{
    public static int InChannels => 8; public static int InHeight => 11; public static int InWidth => 11;
    public static int OutChannels => 16; public static int OutHeight => 9; public static int OutWidth => 9;
    public static int Kernel => 3; public static int Stride => 1; public static int PadTop => 0; public static int PadLeft => 0;
    public static Act Activation => Act.ReLU;
}

internal readonly struct SameOddFiveFilters : IConvLayer
{
    public static int InChannels => 3; public static int InHeight => 9; public static int InWidth => 13;
    public static int OutChannels => 5; public static int OutHeight => 9; public static int OutWidth => 13;
    public static int Kernel => 3; public static int Stride => 1; public static int PadTop => 1; public static int PadLeft => 1;
    public static Act Activation => Act.Sigmoid;
}

internal readonly struct SameEvenKernel : IConvLayer
{
    public static int InChannels => 2; public static int InHeight => 6; public static int InWidth => 7;
    public static int OutChannels => 6; public static int OutHeight => 6; public static int OutWidth => 7;
    public static int Kernel => 2; public static int Stride => 1; public static int PadTop => 0; public static int PadLeft => 0;
    public static Act Activation => Act.Linear;
}

internal readonly struct SameFive : IConvLayer
{
    public static int InChannels => 1; public static int InHeight => 10; public static int InWidth => 10;
    public static int OutChannels => 4; public static int OutHeight => 10; public static int OutWidth => 10;
    public static int Kernel => 5; public static int Stride => 1; public static int PadTop => 2; public static int PadLeft => 2;
    public static Act Activation => Act.Tanh;
}

internal readonly struct WideKernel : IConvLayer
{
    public static int InChannels => 2; public static int InHeight => 12; public static int InWidth => 12;
    public static int OutChannels => 3; public static int OutHeight => 6; public static int OutWidth => 6;
    public static int Kernel => 7; public static int Stride => 1; public static int PadTop => 0; public static int PadLeft => 0;
    public static Act Activation => Act.Softplus;
}

// 13 columns: five column blocks, and accumulators for all rows of a part would pass the 64 KB the kernels allow.
internal readonly struct HugeKernel : IConvLayer
{
    public static int InChannels => 2; public static int InHeight => 20; public static int InWidth => 20;
    public static int OutChannels => 3; public static int OutHeight => 8; public static int OutWidth => 8;
    public static int Kernel => 13; public static int Stride => 1; public static int PadTop => 0; public static int PadLeft => 0;
    public static Act Activation => Act.ReLU;
}

internal readonly struct SoftmaxMap : IConvLayer
{
    public static int InChannels => 2; public static int InHeight => 8; public static int InWidth => 8;
    public static int OutChannels => 2; public static int OutHeight => 6; public static int OutWidth => 6;
    public static int Kernel => 3; public static int Stride => 1; public static int PadTop => 0; public static int PadLeft => 0;
    public static Act Activation => Act.Softmax;
}

// Output span 8: on AVX-512 machines this one runs on 256-bit vectors (16 lanes do not fit, 8 do).
internal readonly struct BetweenVectorWidths : IConvLayer
{
    public static int InChannels => 2; public static int InHeight => 4; public static int InWidth => 5;
    public static int OutChannels => 3; public static int OutHeight => 2; public static int OutWidth => 3;
    public static int Kernel => 3; public static int Stride => 1; public static int PadTop => 0; public static int PadLeft => 0;
    public static Act Activation => Act.Tanh;
}

internal readonly struct StrideTwo : IConvLayer
{
    public static int InChannels => 2; public static int InHeight => 9; public static int InWidth => 9;
    public static int OutChannels => 3; public static int OutHeight => 4; public static int OutWidth => 4;
    public static int Kernel => 3; public static int Stride => 2; public static int PadTop => 0; public static int PadLeft => 0;
    public static Act Activation => Act.ReLU;
}

internal readonly struct TinyMap : IConvLayer
{
    public static int InChannels => 2; public static int InHeight => 3; public static int InWidth => 4;
    public static int OutChannels => 2; public static int OutHeight => 1; public static int OutWidth => 2;
    public static int Kernel => 3; public static int Stride => 1; public static int PadTop => 0; public static int PadLeft => 0;
    public static Act Activation => Act.Tanh;
}

/// <summary>
/// <see cref="ConvKernels"/> against a plain double-precision convolution written out here: the forward output, the
/// weight and bias gradients (added to what was there) and the input gradient (overwriting what was there), in float
/// and double, for the direct kernels and the im2col fallback, and bit for bit across thread counts.
/// </summary>
[Collection(WorkersDegreeCollection.Name)]
public class ConvKernelTests
{
    [Fact] public void SeedFirstLayer() => CheckBoth<SeedL1>(direct: true);
    [Fact] public void SeedSecondLayer() => CheckBoth<SeedL2>(direct: true);
    [Fact] public void SeedThirdLayer() => CheckBoth<SeedL4>(direct: true);
    [Fact] public void SamePaddingWithFiveFilters() => CheckBoth<SameOddFiveFilters>(direct: true);
    [Fact] public void SamePaddingWithEvenKernel() => CheckBoth<SameEvenKernel>(direct: true);
    [Fact] public void SamePaddingWithFiveByFiveKernel() => CheckBoth<SameFive>(direct: true);
    [Fact] public void KernelWiderThanFiveColumns() => CheckBoth<WideKernel>(direct: true);
    [Fact] public void KernelOfThirteen() => CheckBoth<HugeKernel>(direct: true);
    [Fact] public void SoftmaxOverTheSample() => CheckBoth<SoftmaxMap>(direct: true);
    [Fact] public void MapBetweenTheVectorWidths() => CheckBoth<BetweenVectorWidths>(direct: true);
    [Fact] public void StrideTwoTakesIm2Col() => CheckBoth<StrideTwo>(direct: false);
    [Fact] public void MapSmallerThanAVectorTakesIm2Col() => CheckBoth<TinyMap>(direct: false);

    /// <summary>
    /// The direct kernels give every row a vector of positions can touch a masked store, even a row past the output:
    /// y and dx written into slices of larger arrays must come out the same bits as in arrays of their own size, with
    /// nothing around them written (2 rows a vector, 3, padding, the 256-bit kernels, double).
    /// </summary>
    [Fact]
    public void StoresStayInsideTheOutput()
    {
        StaysInside<float, SeedL1>();
        StaysInside<float, SeedL4>();
        StaysInside<float, SameFive>();
        StaysInside<float, BetweenVectorWidths>();
        StaysInside<double, SeedL2>();
        StaysInside<double, SameOddFiveFilters>();
    }

    private static void StaysInside<T, L>() where T : unmanaged, IFloatingPointIeee754<T> where L : IConvLayer
    {
        const int n = 3, margin = 40;
        var random = new Random(5);
        int inSize = L.InChannels * L.InHeight * L.InWidth, outSize = L.OutChannels * L.OutHeight * L.OutWidth;
        int weights = L.OutChannels * L.InChannels * L.Kernel * L.Kernel;
        T[] x = Random<T>(random, n * inSize), w = Random<T>(random, weights), b = Random<T>(random, L.OutChannels), dy = Random<T>(random, n * outSize);
        var workspace = new T[ConvKernels.WorkspaceLength<T, L>(n, training: true)];
        T[] y = new T[n * outSize], dx = new T[n * inSize];
        ConvKernels.Forward<T, L>(y, x, w, b, n, workspace);
        ConvKernels.Backward<T, L>(dx, new T[weights], new T[L.OutChannels], (T[])dy.Clone(), x, y, w, n, workspace);

        T sentinel = T.CreateTruncating(1234.5);
        T[] bigY = Enumerable.Repeat(sentinel, n * outSize + 2 * margin).ToArray(), bigDx = Enumerable.Repeat(sentinel, n * inSize + 2 * margin).ToArray();
        Span<T> y2 = bigY.AsSpan(margin, n * outSize), dx2 = bigDx.AsSpan(margin, n * inSize);
        ConvKernels.Forward<T, L>(y2, x, w, b, n, workspace);
        ConvKernels.Backward<T, L>(dx2, new T[weights], new T[L.OutChannels], (T[])dy.Clone(), x, y2, w, n, workspace);
        Assert.Equal(y, y2.ToArray());
        Assert.Equal(dx, dx2.ToArray());
        for (int i = 0; i < margin; i++)
        {
            Assert.Equal(sentinel, bigY[i]);
            Assert.Equal(sentinel, bigY[^(i + 1)]);
            Assert.Equal(sentinel, bigDx[i]);
            Assert.Equal(sentinel, bigDx[^(i + 1)]);
        }
    }

    private static void CheckBoth<L>(bool direct) where L : IConvLayer
    {
        if (Vector256.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Fma.IsSupported)
        {
            Assert.Equal(direct, ConvKernels.UsesDirect<float, L>());
            Assert.Equal(direct, ConvKernels.UsesDirect<double, L>());
        }
        Check<float, L>(1e-5);
        Check<double, L>(1e-12);
    }

    private static void Check<T, L>(double tolerance) where T : unmanaged, IFloatingPointIeee754<T> where L : IConvLayer
    {
        var random = new Random(L.InHeight * 31 + L.OutChannels);
        int inSize = L.InChannels * L.InHeight * L.InWidth, outSize = L.OutChannels * L.OutHeight * L.OutWidth;
        int weights = L.OutChannels * L.InChannels * L.Kernel * L.Kernel;
        var workspace = new T[ConvKernels.WorkspaceLength<T, L>(5, training: true)];
        // Two calls of different sizes on the same workspace, as the tiles of a batch are.
        foreach (int n in new[] { 5, 3 })
        {
            T[] x = Random<T>(random, n * inSize), w = Random<T>(random, weights), b = Random<T>(random, L.OutChannels);
            T[] dy = Random<T>(random, n * outSize);
            T[] dw = Random<T>(random, weights), db = Random<T>(random, L.OutChannels);
            T[] dx = Random<T>(random, n * inSize); // overwritten
            T[] dw0 = (T[])dw.Clone(), db0 = (T[])db.Clone(), dyCopy = (T[])dy.Clone();
            var y = new T[n * outSize];

            ConvKernels.Forward<T, L>(y, x, w, b, n, workspace);
            ConvKernels.Backward<T, L>(dx, dw, db, dy, x, y, w, n, workspace);

            Reference<L>(n, ToDouble(x), ToDouble(w), ToDouble(b), ToDouble(dyCopy), out double[] ey, out double[] edw, out double[] edb, out double[] edx);
            for (int i = 0; i < edw.Length; i++) edw[i] += double.CreateChecked(dw0[i]);
            for (int i = 0; i < edb.Length; i++) edb[i] += double.CreateChecked(db0[i]);
            AssertClose(ey, y, tolerance, $"{typeof(L).Name} {typeof(T).Name} y (n = {n})");
            AssertClose(edw, dw, tolerance, $"{typeof(L).Name} {typeof(T).Name} dW (n = {n})");
            AssertClose(edb, db, tolerance, $"{typeof(L).Name} {typeof(T).Name} db (n = {n})");
            AssertClose(edx, dx, tolerance, $"{typeof(L).Name} {typeof(T).Name} dx (n = {n})");
        }
    }

    /// <summary>The layer in double precision, straight from the definition.</summary>
    private static void Reference<L>(int n, double[] x, double[] w, double[] b, double[] dy, out double[] y, out double[] dw, out double[] db, out double[] dx)
        where L : IConvLayer
    {
        int c = L.InChannels, h = L.InHeight, wd = L.InWidth, f = L.OutChannels, k = L.Kernel, s = L.Stride, oh = L.OutHeight, ow = L.OutWidth;
        int inSize = c * h * wd, outSize = f * oh * ow;
        y = new double[n * outSize];
        dw = new double[w.Length];
        db = new double[f];
        dx = new double[n * inSize];
        for (int sample = 0; sample < n; sample++)
        {
            var z = new double[outSize];
            for (int o = 0; o < f; o++)
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++)
                    {
                        double sum = b[o];
                        for (int ch = 0; ch < c; ch++)
                            for (int ky = 0; ky < k; ky++)
                                for (int kx = 0; kx < k; kx++)
                                {
                                    int iy = oy * s + ky - L.PadTop, ix = ox * s + kx - L.PadLeft;
                                    if (iy >= 0 && iy < h && ix >= 0 && ix < wd)
                                        sum += w[((o * c + ch) * k + ky) * k + kx] * x[sample * inSize + (ch * h + iy) * wd + ix];
                                }
                        z[(o * oh + oy) * ow + ox] = sum;
                    }
            double[] ys = Activate(L.Activation, z);
            Array.Copy(ys, 0, y, sample * outSize, outSize);
            double[] dz = ActivationBackward(L.Activation, z, ys, dy.AsSpan(sample * outSize, outSize).ToArray());
            for (int o = 0; o < f; o++)
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++)
                    {
                        double g = dz[(o * oh + oy) * ow + ox];
                        db[o] += g;
                        for (int ch = 0; ch < c; ch++)
                            for (int ky = 0; ky < k; ky++)
                                for (int kx = 0; kx < k; kx++)
                                {
                                    int iy = oy * s + ky - L.PadTop, ix = ox * s + kx - L.PadLeft;
                                    if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                                    int wi = ((o * c + ch) * k + ky) * k + kx, xi = sample * inSize + (ch * h + iy) * wd + ix;
                                    dw[wi] += g * x[xi];
                                    dx[xi] += g * w[wi];
                                }
                    }
        }
    }

    private static double[] Activate(Act act, double[] z)
    {
        var y = new double[z.Length];
        for (int i = 0; i < z.Length; i++)
            y[i] = act switch
            {
                Act.Tanh => Math.Tanh(z[i]),
                Act.Sigmoid => 1 / (1 + Math.Exp(-z[i])),
                Act.ReLU => Math.Max(z[i], 0),
                Act.Softplus => Math.Log(1 + Math.Exp(z[i])),
                _ => z[i],
            };
        if (act == Act.Softmax)
        {
            double max = double.NegativeInfinity, sum = 0;
            foreach (double v in z) max = Math.Max(max, v);
            for (int i = 0; i < z.Length; i++) sum += y[i] = Math.Exp(z[i] - max);
            for (int i = 0; i < z.Length; i++) y[i] /= sum;
        }
        return y;
    }

    private static double[] ActivationBackward(Act act, double[] z, double[] y, double[] dy)
    {
        var dz = new double[z.Length];
        double dot = 0;
        for (int i = 0; i < z.Length; i++) dot += dy[i] * y[i];
        for (int i = 0; i < z.Length; i++)
            dz[i] = act switch
            {
                Act.Tanh => dy[i] * (1 - y[i] * y[i]),
                Act.Sigmoid => dy[i] * y[i] * (1 - y[i]),
                Act.ReLU => z[i] > 0 ? dy[i] : 0,
                Act.Softplus => dy[i] / (1 + Math.Exp(-z[i])),
                Act.Softmax => y[i] * (dy[i] - dot),
                _ => dy[i],
            };
        return dz;
    }

    [Fact]
    public void BitIdenticalAtEveryDegree()
    {
        BitIdentical<float, SeedL1>();
        BitIdentical<float, SeedL2>();
        BitIdentical<float, SeedL4>();
        BitIdentical<float, SameOddFiveFilters>();
        BitIdentical<double, WideKernel>();
    }

    private static void BitIdentical<T, L>() where T : unmanaged, IFloatingPointIeee754<T> where L : IConvLayer
    {
        const int n = 13;
        var random = new Random(7);
        int inSize = L.InChannels * L.InHeight * L.InWidth, outSize = L.OutChannels * L.OutHeight * L.OutWidth;
        int weights = L.OutChannels * L.InChannels * L.Kernel * L.Kernel;
        T[] x = Random<T>(random, n * inSize), w = Random<T>(random, weights), b = Random<T>(random, L.OutChannels), dy = Random<T>(random, n * outSize);
        (T[] y, T[] dw, T[] db, T[] dx)? first = null;
        int saved = Workers.Degree;
        try
        {
            foreach (int degree in new[] { 1, 2, 3, 4 })
            {
                Workers.Degree = degree;
                var workspace = new T[ConvKernels.WorkspaceLength<T, L>(n, training: true)];
                var y = new T[n * outSize];
                T[] dw = new T[weights], db = new T[L.OutChannels], dx = new T[n * inSize], d = (T[])dy.Clone();
                ConvKernels.Forward<T, L>(y, x, w, b, n, workspace);
                ConvKernels.Backward<T, L>(dx, dw, db, d, x, y, w, n, workspace);
                if (first is not { } f) first = (y, dw, db, dx);
                else
                {
                    Assert.Equal(f.y, y);
                    Assert.Equal(f.dw, dw);
                    Assert.Equal(f.db, db);
                    Assert.Equal(f.dx, dx);
                }
            }
        }
        finally
        {
            Workers.Degree = saved;
        }
    }

    [Fact]
    public void WrongSizesAreRejectedWithBothSizes()
    {
        var w = new float[100];
        var error = Assert.Throws<ArgumentException>(() => ConvKernels.Forward<float, SeedL1>(new float[2304], new float[700], w, new float[4], 1, new float[10]));
        Assert.Contains("700", error.Message);
        Assert.Contains("784", error.Message);
        error = Assert.Throws<ArgumentException>(() => ConvKernels.Forward<float, SeedL1>(new float[2304], new float[784], new float[99], new float[4], 1, new float[10]));
        Assert.Contains("[4, 1, 5, 5]", error.Message);
        error = Assert.Throws<ArgumentException>(() =>
            ConvKernels.Backward<float, SeedL1>(default, new float[100], new float[4], new float[2304], new float[784], new float[2304], w, 1, new float[10]));
        Assert.Contains("workspace", error.Message);
    }

    [Fact]
    public void WorkspaceTooLargeForAnArrayIsRejected()
    {
        if (!ConvKernels.UsesDirect<float, SeedL2>()) return; // the im2col workspace does not grow with the samples
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ConvKernels.WorkspaceLength<float, SeedL2>(1_000_000, training: true));
        Assert.Contains("1000000 samples", error.Message);
        Assert.Contains("[8 x 4 x 3 x 3]", error.Message);
    }

    internal static T[] Random<T>(Random random, int length) where T : IFloatingPointIeee754<T>
    {
        var values = new T[length];
        for (int i = 0; i < length; i++) values[i] = T.CreateChecked(random.NextDouble() * 2 - 1);
        return values;
    }

    private static double[] ToDouble<T>(T[] values) where T : IFloatingPointIeee754<T>
        => Array.ConvertAll(values, v => double.CreateChecked(v));

    /// <summary>Every value within <paramref name="tolerance"/> of the largest magnitude in the expected tensor.</summary>
    private static void AssertClose<T>(double[] expected, T[] actual, double tolerance, string what) where T : IFloatingPointIeee754<T>
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = 1e-30;
        foreach (double v in expected) scale = Math.Max(scale, Math.Abs(v));
        for (int i = 0; i < expected.Length; i++)
        {
            double a = double.CreateChecked(actual[i]);
            Assert.True(Math.Abs(a - expected[i]) <= tolerance * scale,
                $"{what}[{i}]: expected {expected[i]:R}, got {a:R} (difference {Math.Abs(a - expected[i]):E2}, scale {scale:E2})");
        }
    }
}
