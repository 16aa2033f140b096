using System;
using System.Runtime.Intrinsics;
using Dsl;
using Xunit;
using Xunit.Abstractions;

namespace Dsl.Runtime.Tests;

/// <summary>
/// The float activations the convolution kernels apply to whole vectors (ConvActivation, FloatExp) against the double
/// functions of System.Math, in ulps of the float result, over a dense range and at the edges.
/// </summary>
public unsafe class ConvActivationTests(ITestOutputHelper output)
{
    private delegate void Apply(float* values, int count);

    private static Apply? Vectorised(Act act)
    {
        if (ConvSimd512<float>.IsSupported)
            return (p, count) => Run<Vector512<float>, ConvSimd512<float>>(act, p, count);
        if (ConvSimd256<float>.IsSupported)
            return (p, count) => Run<Vector256<float>, ConvSimd256<float>>(act, p, count);
        return null;
    }

    private static void Run<TV, S>(Act act, float* p, int count) where TV : struct where S : IConvSimd<TV, float>
    {
        for (int i = 0; i + S.Count <= count; i += S.Count)
            S.Store(p + i, act == Act.Linear ? S.Exp(S.Load(p + i)) : ConvActivation.Apply<TV, float, S>(act, S.Load(p + i)));
    }

    /// <summary>Act.Linear stands for the exp used inside tanh and sigmoid.</summary>
    [Theory]
    [InlineData(Act.Tanh, -12.0, 12.0, 2.0)]
    [InlineData(Act.Sigmoid, -60.0, 30.0, 3.0)]
    [InlineData(Act.Linear, -87.0, 88.0, 1.5)]
    public void WithinUlpsOfTheDoubleFunction(Act act, double low, double high, double maxUlps)
    {
        Apply? apply = Vectorised(act);
        if (apply is null) return; // no AVX2: the kernels take the scalar path
        const int count = 1 << 20;
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)(low + (high - low) * i / (count - 1));
        values[0] = 0f;
        values[1] = -0f;
        values[2] = 1e-30f;
        values[3] = -3e-8f;
        var results = (float[])values.Clone();
        fixed (float* p = results) apply(p, count);
        (double worst, float at) = UlpError.Worst(values, results, z => act switch
        {
            Act.Tanh => Math.Tanh(z),
            Act.Sigmoid => 1 / (1 + Math.Exp(-z)),
            _ => Math.Exp(z),
        });
        output.WriteLine($"{act}: worst {worst:F3} ulp at {at:R}");
        Assert.True(worst <= maxUlps, $"{act}: {worst:F3} ulp at {at:R}, more than {maxUlps}");
    }

    [Fact]
    public void EdgesAreExact()
    {
        Apply? tanh = Vectorised(Act.Tanh), sigmoid = Vectorised(Act.Sigmoid);
        if (tanh is null || sigmoid is null) return;
        float[] z = new float[16];
        float[] inputs = [0f, -0f, float.PositiveInfinity, float.NegativeInfinity, 100f, -100f, float.NaN, 1e-40f];
        inputs.CopyTo(z, 0);
        var t = (float[])z.Clone();
        var s = (float[])z.Clone();
        fixed (float* p = t) tanh(p, 16);
        fixed (float* p = s) sigmoid(p, 16);
        Assert.Equal([0f, -0f, 1f, -1f, 1f, -1f], t[..6]);
        Assert.True(float.IsNegative(t[1]));
        Assert.True(float.IsNaN(t[6]));
        Assert.Equal(1e-40f, t[7]);
        Assert.Equal([0.5f, 0.5f, 1f, 0f, 1f], s[..5]);
        Assert.Equal(0f, s[5]); // exactly 3.7e-44, a subnormal: flushed
        Assert.True(float.IsNaN(s[6]));
    }
}
