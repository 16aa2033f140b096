using System;
using System.Numerics;
using Dsl;
using Xunit;

namespace Dsl.Runtime.Tests;

/// <summary>
/// <see cref="ConvKernels.ForwardMaxPool{T, TLayer}"/> and <see cref="ConvKernels.BackwardMaxPool{T, TLayer}"/> (what
/// generated code calls for a convolution followed by max pooling) against the separate calls they replace, at 1 to 3
/// threads: the same bits for the outputs, the indices, dL/dy, dL/db and dL/dx. dL/dW is the same bits where the windows
/// overlap (the dense sum); where they do not, it is summed over the windows' winners only, a different order of the
/// same products, so it must agree with the dense sum to rounding and be the same bits at every degree. Cases: the seed
/// network's two pooled convolutions (four and two sets of accumulators, the last row and column no window reads),
/// padding with three channels (channels laid out one by one), a 5x5 kernel on one channel, 3x3 windows with stride 3,
/// double precision, overlapping windows, and the im2col path (stride 2).
/// </summary>
[Collection(WorkersDegreeCollection.Name)]
public class ConvPoolFusionTests
{
    [Fact] public void SeedSecondConvolutionThenPool() => SameAsSeparate<float, SeedL2>(2, 2);
    [Fact] public void SeedThirdConvolutionThenPoolDroppingTheLastRowAndColumn() => SameAsSeparate<float, SeedL4>(2, 2);
    [Fact] public void PaddedThreeChannelSigmoidThenPool() => SameAsSeparate<float, SameOddFiveFilters>(2, 2);
    [Fact] public void FiveByFiveKernelOnOneChannelThenPool() => SameAsSeparate<float, SameFive>(2, 2);
    [Fact] public void ThreeByThreeWindowsWithStrideThree() => SameAsSeparate<float, SeedL2>(3, 3);
    [Fact] public void SeedSecondConvolutionThenPoolInDouble() => SameAsSeparate<double, SeedL2>(2, 2);
    [Fact] public void ThreeByThreeWindowsWithStrideTwoInDouble() => SameAsSeparate<double, SeedL2>(3, 2);
    [Fact] public void StrideTwoConvolutionTakesIm2Col() => SameAsSeparate<float, StrideTwo>(2, 2);

    private static void SameAsSeparate<T, L>(int window, int stride) where T : unmanaged, IFloatingPointIeee754<T> where L : IConvLayer
    {
        const int n = 7;
        int ph = (L.OutHeight - window) / stride + 1, pw = (L.OutWidth - window) / stride + 1;
        var pool = new SpatialGeometry(L.OutChannels, L.OutHeight, L.OutWidth, L.OutChannels, window, stride, 0, 0, ph, pw);
        var random = new Random(11);
        int inSize = L.InChannels * L.InHeight * L.InWidth, outSize = L.OutChannels * L.OutHeight * L.OutWidth;
        int weights = L.OutChannels * L.InChannels * L.Kernel * L.Kernel;
        T[] x = ConvKernelTests.Random<T>(random, n * inSize), w = ConvKernelTests.Random<T>(random, weights), b = ConvKernelTests.Random<T>(random, L.OutChannels);
        T[] dPooled = ConvKernelTests.Random<T>(random, n * pool.OutSize);
        // dL/dW starts nonzero: both paths add to it.
        T[] dw0 = ConvKernelTests.Random<T>(random, weights);
        double tolerance = typeof(T) == typeof(float) ? 2e-6 : 1e-14;
        T[]? firstDw = null;
        int saved = Workers.Degree;
        try
        {
            foreach (int degree in new[] { 1, 2, 3 })
            {
                Workers.Degree = degree;
                // Separate: convolution, pooling; pooling backward, convolution backward.
                var ws1 = new T[ConvKernels.WorkspaceLength<T, L>(n, training: true)];
                T[] y1 = new T[n * outSize], p1 = new T[n * pool.OutSize], dy1 = new T[n * outSize], dx1 = new T[n * inSize], dw1 = (T[])dw0.Clone(), db1 = new T[L.OutChannels];
                int[] i1 = new int[n * pool.OutSize];
                ConvKernels.Forward<T, L>(y1, x, w, b, n, ws1);
                SpatialKernels.MaxPoolForward<T>(p1, i1, y1, n, pool);
                SpatialKernels.MaxPoolBackward<T>(dy1, dPooled, i1, n, pool);
                ConvKernels.Backward<T, L>(dx1, dw1, db1, dy1, x, y1, w, n, ws1);
                // Fused; dy starts as garbage, which the routing must overwrite everywhere.
                var ws2 = new T[ConvKernels.WorkspaceLength<T, L>(n, training: true)];
                T[] y2 = new T[n * outSize], p2 = new T[n * pool.OutSize], dy2 = ConvKernelTests.Random<T>(random, n * outSize), dx2 = new T[n * inSize], dw2 = (T[])dw0.Clone(), db2 = new T[L.OutChannels];
                int[] i2 = new int[n * pool.OutSize];
                ConvKernels.ForwardMaxPool<T, L>(y2, p2, i2, x, w, b, n, ws2, pool);
                ConvKernels.BackwardMaxPool<T, L>(dx2, dw2, db2, dy2, dPooled, i2, x, y2, w, n, ws2, pool);
                Assert.Equal(y1, y2);
                Assert.Equal(p1, p2);
                Assert.Equal(i1, i2);
                Assert.Equal(dy1, dy2);
                Assert.Equal(db1, db2);
                Assert.Equal(dx1, dx2);
                Assert.Contains(p1, v => v != T.Zero);
                // dL/dW: the dense sum's bits with overlapping windows; else the dense sum to rounding (relative to the
                // sum of the products' magnitudes, bounded here by the largest gradient times the products per weight).
                if (stride < window) Assert.Equal(dw1, dw2);
                double scale = 0;
                for (int i = 0; i < weights; i++) scale = Math.Max(scale, Math.Abs(double.CreateChecked(dw1[i] - dw0[i])));
                Assert.True(scale > 0.01, $"the gradient is too small to test: {scale}");
                for (int i = 0; i < weights; i++)
                {
                    double dense = double.CreateChecked(dw1[i]), fused = double.CreateChecked(dw2[i]);
                    Assert.True(Math.Abs(dense - fused) <= tolerance * (scale + Math.Abs(dense)) * Math.Sqrt(n * pool.OutSize),
                        $"dW[{i}]: dense {dense}, fused {fused} at degree {degree}");
                }
                // The same bits at every degree.
                if (firstDw is null) firstDw = dw2;
                else Assert.Equal(firstDw, dw2);
            }
        }
        finally
        {
            Workers.Degree = saved;
        }
    }

    [Fact]
    public void APoolingThatDoesNotReadTheConvolutionsOutputIsRejected()
    {
        var w = new float[288];
        var wrong = new SpatialGeometry(8, 24, 24, 8, 2, 2, 0, 0, 12, 12); // SeedL2 writes [8, 22, 22]
        var error = Assert.Throws<ArgumentException>(() => ConvKernels.ForwardMaxPool<float, SeedL2>(new float[3872], new float[1152], new int[1152],
            new float[2304], w, new float[8], 1, new float[ConvKernels.WorkspaceLength<float, SeedL2>(1, training: true)], wrong));
        Assert.Contains("[8, 24, 24]", error.Message);
        Assert.Contains("[8, 22, 22]", error.Message);
        var outside = new SpatialGeometry(8, 22, 22, 8, 2, 2, 0, 0, 12, 11); // 12 windows of 2 need 24 rows
        error = Assert.Throws<ArgumentException>(() => ConvKernels.ForwardMaxPool<float, SeedL2>(new float[3872], new float[1056], new int[1056],
            new float[2304], w, new float[8], 1, new float[ConvKernels.WorkspaceLength<float, SeedL2>(1, training: true)], outside));
        Assert.Contains("[12, 11]", error.Message);
        var pool = new SpatialGeometry(8, 22, 22, 8, 2, 2, 0, 0, 11, 11);
        error = Assert.Throws<ArgumentException>(() => ConvKernels.BackwardMaxPool<float, SeedL2>(default, new float[288], new float[8], new float[3872],
            new float[900], new int[968], new float[2304], new float[3872], w, 1, new float[ConvKernels.WorkspaceLength<float, SeedL2>(1, training: true)], pool));
        Assert.Contains("dPooled holds 900", error.Message);
        Assert.Contains("968", error.Message);
    }
}
