using System;
using Dsl.Runtime;
using Xunit;

namespace Dsl.Runtime.Tests;

/// <summary>
/// <see cref="Kernels.Clear{T}"/>, which every generated <c>TrainStep</c> calls on its gradients: below
/// <see cref="Kernels.ParallelClearBytes"/> on the caller, from there on split across the workers in 256 KB parts.
/// </summary>
[Collection(WorkersDegreeCollection.Name)]
public class ClearTests
{
    // Floats: a small buffer, one just under and one at the parallel threshold, W3's 1 238 730 gradients (4.95 MB, a last
    // part of 230 KB), and an odd length whose last part is 4 bytes long.
    [Theory]
    [InlineData(1)]
    [InlineData(1000)]
    [InlineData((1 << 18) - 1)]
    [InlineData(1 << 18)]
    [InlineData(1_238_730)]
    [InlineData(3 * 65536 + 1)]
    public void ClearsEveryElementAndNothingAround(int length)
    {
        int saved = Workers.Degree;
        try
        {
            foreach (int degree in new[] { 1, 2, 3 })
            {
                Workers.Degree = degree;
                // The span sits inside a larger array, 3 elements in, so the values around it show any overrun.
                var array = new float[length + 6];
                for (int i = 0; i < array.Length; i++) array[i] = i + 1;
                Kernels.Clear<float>(array.AsSpan(3, length));
                for (int i = 0; i < 3; i++) Assert.Equal(i + 1, array[i]);
                for (int i = 3; i < 3 + length; i++)
                    if (BitConverter.SingleToInt32Bits(array[i]) != 0) Assert.Fail($"degree {degree}, length {length}: element {i - 3} is {array[i]}, expected +0");
                for (int i = 3 + length; i < array.Length; i++) Assert.Equal(i + 1, array[i]);
            }
        }
        finally { Workers.Degree = saved; }
    }

    [Fact]
    public void ClearsDoublesPastTheThreshold()
    {
        var array = new double[(1 << 17) + 5]; // 1 MB + 40 bytes
        Array.Fill(array, -0.0);
        array[^1] = double.NaN;
        Kernels.Clear<double>(array);
        foreach (double v in array) Assert.Equal(0L, BitConverter.DoubleToInt64Bits(v));
    }

    [Fact]
    public void SplitClearAllocatesNothing()
    {
        var array = new float[1 << 20];
        Assert.Equal(0, AllocationTests.Allocated(() => Kernels.Clear<float>(array)));
    }
}
