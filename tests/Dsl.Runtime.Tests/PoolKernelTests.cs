using System;
using Xunit;

namespace Dsl.Runtime.Tests;

/// <summary>
/// Max and average pooling against plain loops written out here, on values with many ties and some NaNs: the outputs
/// and the recorded indices exactly (first maximum in reading order, first NaN if any), the input gradients exactly,
/// for shapes that take the vectorised 2x2 path (odd sizes, rows longer and shorter than a vector) and the scalar one.
/// </summary>
public class PoolKernelTests
{
    public static TheoryData<int, int, int, int, int> Shapes => new()
    {
        // channels, height, width, window, stride
        { 8, 22, 22, 2, 2 }, // the seed network's first pooling
        { 16, 9, 9, 2, 2 },  // its second: the last row and column are never read
        { 2, 5, 37, 2, 2 },  // rows longer than two vectors, odd
        { 3, 4, 3, 2, 2 },   // rows shorter than a vector
        { 2, 7, 6, 2, 1 },   // overlapping windows: the scalar path
        { 2, 7, 7, 3, 3 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MaxPoolingMatchesTheDefinition(int channels, int height, int width, int window, int stride)
    {
        var g = Geometry(channels, height, width, window, stride);
        const int n = 3;
        var random = new Random(height * 100 + width);
        float[] x = new float[n * g.InSize];
        float[] levels = [-1f, 0f, 0.5f, 1f];
        for (int i = 0; i < x.Length; i++) x[i] = random.Next(50) == 0 ? float.NaN : levels[random.Next(levels.Length)];
        float[] y = new float[n * g.OutSize], dy = new float[n * g.OutSize], dx = new float[n * g.InSize];
        int[] argmax = new int[n * g.OutSize];
        for (int i = 0; i < dy.Length; i++) dy[i] = (float)(random.NextDouble() - 0.5);
        Array.Fill(dx, 123f); // every value must be overwritten

        SpatialKernels.MaxPoolForward<float>(y, argmax, x, n, g);
        SpatialKernels.MaxPoolBackward<float>(dx, dy, argmax, n, g);

        for (int s = 0; s < n; s++)
        {
            var expectedDx = new float[g.InSize];
            int o = s * g.OutSize;
            for (int c = 0; c < channels; c++)
                for (int oy = 0; oy < g.OutHeight; oy++)
                    for (int ox = 0; ox < g.OutWidth; ox++, o++)
                    {
                        int best = -1;
                        for (int ky = 0; ky < window; ky++)
                            for (int kx = 0; kx < window; kx++)
                            {
                                int i = (c * height + oy * stride + ky) * width + ox * stride + kx;
                                float v = x[s * g.InSize + i];
                                if (best < 0) best = i;
                                else
                                {
                                    float m = x[s * g.InSize + best];
                                    if (!float.IsNaN(m) && (float.IsNaN(v) || v > m)) best = i;
                                }
                            }
                        Assert.Equal(best, argmax[o]);
                        Assert.Equal(BitConverter.SingleToInt32Bits(x[s * g.InSize + best]), BitConverter.SingleToInt32Bits(y[o]));
                        expectedDx[best] += dy[o];
                    }
            Assert.Equal(expectedDx, dx.AsSpan(s * g.InSize, g.InSize).ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void AveragePoolingMatchesTheDefinition(int channels, int height, int width, int window, int stride)
    {
        var g = Geometry(channels, height, width, window, stride);
        const int n = 2;
        var random = new Random(7);
        double[] x = new double[n * g.InSize], dy = new double[n * g.OutSize];
        for (int i = 0; i < x.Length; i++) x[i] = random.NextDouble();
        for (int i = 0; i < dy.Length; i++) dy[i] = random.NextDouble();
        double[] y = new double[n * g.OutSize], dx = new double[n * g.InSize];
        Array.Fill(dx, 123.0);
        SpatialKernels.AvgPoolForward<double>(y, x, n, g);
        SpatialKernels.AvgPoolBackward<double>(dx, dy, n, g);
        var expectedDx = new double[dx.Length];
        int o = 0;
        for (int s = 0; s < n; s++)
            for (int c = 0; c < channels; c++)
                for (int oy = 0; oy < g.OutHeight; oy++)
                    for (int ox = 0; ox < g.OutWidth; ox++, o++)
                    {
                        double sum = 0;
                        for (int ky = 0; ky < window; ky++)
                            for (int kx = 0; kx < window; kx++)
                                sum += x[s * g.InSize + (c * height + oy * stride + ky) * width + ox * stride + kx];
                        Assert.Equal(sum / (window * window), y[o], 14);
                        for (int ky = 0; ky < window; ky++)
                            for (int kx = 0; kx < window; kx++)
                                expectedDx[s * g.InSize + (c * height + oy * stride + ky) * width + ox * stride + kx] += dy[o] / (window * window);
                    }
        for (int i = 0; i < dx.Length; i++) Assert.Equal(expectedDx[i], dx[i], 14);
    }

    private static SpatialGeometry Geometry(int channels, int height, int width, int window, int stride)
        => new(channels, height, width, channels, window, stride, 0, 0, (height - window) / stride + 1, (width - window) / stride + 1);
}
