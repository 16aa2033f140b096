using System;
using Xunit;

namespace Dsl.Runtime.Tests;

/// <summary>
/// The softmax and the fused softmax cross-entropy, whose exponentials are vectorised: against double-precision
/// formulas, and a row's result must not depend on where it sits in the buffer (the tail of a buffer is padded into a
/// vector, so sample 7 of a batch gets the same bits as the same sample alone).
/// </summary>
public class SoftmaxTests
{
    private static float[] Logits(int rows, int cols, int seed)
    {
        var random = new Random(seed);
        var z = new float[rows * cols];
        for (int i = 0; i < z.Length; i++) z[i] = (float)(random.NextDouble() * 40 - 20);
        return z;
    }

    [Theory]
    [InlineData(10)]
    [InlineData(16)]
    [InlineData(37)]
    public void SoftmaxAgreesWithDoublePrecisionAndIgnoresTheRowsPlace(int cols)
    {
        const int rows = 13;
        float[] z = Logits(rows, cols, cols);
        var y = (float[])z.Clone();
        Activations.Softmax<float>(y, cols);
        for (int r = 0; r < rows; r++)
        {
            double max = double.NegativeInfinity, sum = 0;
            for (int i = 0; i < cols; i++) max = Math.Max(max, z[r * cols + i]);
            // z - max rounded to float, as the kernel has it: the rest is compared against exact arithmetic.
            for (int i = 0; i < cols; i++) sum += Math.Exp(z[r * cols + i] - (float)max);
            for (int i = 0; i < cols; i++)
            {
                double expected = Math.Exp(z[r * cols + i] - (float)max) / sum;
                Assert.True(Math.Abs(y[r * cols + i] - expected) <= 1e-6 * expected + 1e-30, $"row {r} col {i}: {y[r * cols + i]} vs {expected}");
            }
            // The same row alone, at the start of its own buffer: the same bits.
            float[] alone = z.AsSpan(r * cols, cols).ToArray();
            Activations.Softmax<float>(alone, cols);
            Assert.Equal(y.AsSpan(r * cols, cols).ToArray(), alone);
        }
    }

    [Fact]
    public void SoftmaxCrossEntropyMatchesLogSumExpInDouble()
    {
        const int rows = 9, cols = 10;
        float[] z = Logits(rows, cols, 5);
        var p = (float[])z.Clone();
        Activations.Softmax<float>(p, cols);
        var t = new float[rows * cols];
        for (int r = 0; r < rows; r++) t[r * cols + (r * 3) % cols] = 1f;
        var dz = new float[rows * cols];
        float loss = LossFunctions.SoftmaxCrossEntropy<float>(z, p, t, dz, cols, 1f / rows);
        double expected = 0;
        for (int r = 0; r < rows; r++)
        {
            double max = double.NegativeInfinity, sum = 0;
            for (int i = 0; i < cols; i++) max = Math.Max(max, z[r * cols + i]);
            for (int i = 0; i < cols; i++) sum += Math.Exp(z[r * cols + i] - max);
            expected += max + Math.Log(sum) - z[r * cols + (r * 3) % cols];
            for (int i = 0; i < cols; i++) Assert.Equal((p[r * cols + i] - t[r * cols + i]) / rows, dz[r * cols + i], 1e-7);
        }
        Assert.Equal(expected, loss, expected * 1e-6);
        var e = Assert.Throws<ArgumentException>(() => LossFunctions.SoftmaxCrossEntropy<float>(z, p, t, z, cols, 1f));
        Assert.Contains("must not share memory", e.Message);
    }
}
