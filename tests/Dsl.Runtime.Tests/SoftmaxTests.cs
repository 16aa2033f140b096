using System;
using System.Numerics;
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

    /// <summary>
    /// The float and double row loops (blocks of 64 rows, vector divisions along a row) give the bits of the documented
    /// scalar arithmetic, written out here: the maximum by <c>T.Max</c> from the first value, <c>z - max</c>, the runtime's
    /// vector exponential, the sum in order, then <c>e / sum</c>; the loss <c>sum over rows of t (lse - z)</c> with
    /// <c>lse = max + log(sum)</c> over the targets that are not 0, and <c>dz = scale (p tsum - t)</c>. Row counts that
    /// end inside and on a block, and widths shorter than, equal to and between vectors.
    /// </summary>
    [Theory]
    [InlineData(1, 1)]
    [InlineData(5, 3)]
    [InlineData(64, 10)]
    [InlineData(130, 10)]
    [InlineData(7, 16)]
    [InlineData(70, 29)]
    public void RowLoopsFollowTheDocumentedArithmeticBitForBit(int rows, int cols)
    {
        RowLoopsBitForBit<float>(rows, cols);
        RowLoopsBitForBit<double>(rows, cols);
    }

    private static void RowLoopsBitForBit<T>(int rows, int cols) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(rows * 100 + cols);
        T[] z = new T[rows * cols], t = new T[rows * cols];
        for (int i = 0; i < z.Length; i++) z[i] = T.CreateChecked(random.NextDouble() * 30 - 15);
        for (int r = 0; r < rows; r++)
        {
            t[r * cols + random.Next(cols)] = T.One;                              // one-hot rows, and some soft ones
            if (r % 3 == 0) t[r * cols + random.Next(cols)] += T.CreateChecked(0.25);
        }
        T scale = T.One / T.CreateChecked(rows);
        // The documented arithmetic, row by row.
        T[] shifted = new T[z.Length], expectedP = new T[z.Length], expectedDz = new T[z.Length], max = new T[rows];
        for (int r = 0; r < rows; r++)
        {
            max[r] = z[r * cols];
            for (int i = 1; i < cols; i++) max[r] = T.Max(max[r], z[r * cols + i]);
            for (int i = 0; i < cols; i++) shifted[r * cols + i] = z[r * cols + i] - max[r];
        }
        Activations.ExpInPlace<T>(shifted);
        T expectedLoss = T.Zero;
        for (int r = 0; r < rows; r++)
        {
            T sum = T.Zero;
            for (int i = 0; i < cols; i++) sum += shifted[r * cols + i];
            for (int i = 0; i < cols; i++) expectedP[r * cols + i] = shifted[r * cols + i] / sum;
            T lse = max[r] + T.Log(sum), tsum = T.Zero;
            for (int i = 0; i < cols; i++)
            {
                if (t[r * cols + i] != T.Zero) expectedLoss += t[r * cols + i] * (lse - z[r * cols + i]);
                tsum += t[r * cols + i];
            }
            for (int i = 0; i < cols; i++) expectedDz[r * cols + i] = scale * (expectedP[r * cols + i] * tsum - t[r * cols + i]);
        }
        T[] p = (T[])z.Clone(), dz = new T[z.Length];
        Activations.Softmax<T>(p, cols);
        T loss = LossFunctions.SoftmaxCrossEntropy<T>(z, p, t, dz, cols, scale);
        string what = $"{typeof(T).Name} {rows} x {cols}";
        for (int i = 0; i < z.Length; i++)
        {
            Assert.True(expectedP[i].Equals(p[i]), $"{what}: p[{i}] = {p[i]}, expected {expectedP[i]}");
            Assert.True(expectedDz[i].Equals(dz[i]), $"{what}: dz[{i}] = {dz[i]}, expected {expectedDz[i]}");
        }
        Assert.True(expectedLoss.Equals(loss), $"{what}: loss {loss}, expected {expectedLoss}");
    }
}
