using System;
using System.Runtime.Intrinsics;
using Dsl;
using Xunit;
using Xunit.Abstractions;

namespace Dsl.Runtime.Tests;

/// <summary>
/// The float <c>exp</c> every vector activation shares (FloatExp), at each vector width, and the dense layers'
/// activations built on it (VectorMath over Simd512/256/128), against System.Math in ulps of the float result.
/// </summary>
public unsafe class FloatExpTests(ITestOutputHelper output)
{
    public static TheoryData<int> Widths()
    {
        var widths = new TheoryData<int> { 128 };
        if (Vector256.IsHardwareAccelerated) widths.Add(256);
        if (Vector512.IsHardwareAccelerated) widths.Add(512);
        return widths;
    }

    /// <summary>Runs <paramref name="act"/> (Linear stands for exp itself) over whole vectors of the given width.</summary>
    private static void Apply(int width, Act act, float[] values)
    {
        fixed (float* p = values)
        {
            switch (width)
            {
                case 512: Run<Vector512<float>, Simd512<float>>(act, p, values.Length); break;
                case 256: Run<Vector256<float>, Simd256<float>>(act, p, values.Length); break;
                default: Run<Vector128<float>, Simd128<float>>(act, p, values.Length); break;
            }
        }
    }

    private static void Run<TV, S>(Act act, float* p, int count) where TV : struct where S : ISimd<TV, float>
    {
        Assert.Equal(0, count % S.Count);
        for (int i = 0; i < count; i += S.Count)
        {
            TV v = S.Load(p + i);
            S.Store(p + i, act switch
            {
                Act.Tanh => VectorMath.Tanh<TV, float, S>(v),
                Act.Sigmoid => VectorMath.Sigmoid<TV, float, S>(v),
                _ => S.Exp(v),
            });
        }
    }

    private static double Exact(Act act, double z) => act switch
    {
        Act.Tanh => Math.Tanh(z),
        Act.Sigmoid => 1 / (1 + Math.Exp(-z)),
        _ => Math.Exp(z),
    };

    [Theory]
    [MemberData(nameof(Widths))]
    public void ExpTanhAndSigmoidAreWithinUlpsOfTheDoubleFunctions(int width)
    {
        foreach (var (act, low, high, maxUlps) in new[] { (Act.Linear, -87.0, 88.0, 1.5), (Act.Tanh, -12.0, 12.0, 2.0), (Act.Sigmoid, -60.0, 30.0, 3.0) })
        {
            const int count = 1 << 18;
            var values = new float[count];
            for (int i = 0; i < count; i++) values[i] = (float)(low + (high - low) * i / (count - 1));
            var results = (float[])values.Clone();
            Apply(width, act, results);
            (double worst, float at) = UlpError.Worst(values, results, z => Exact(act, z));
            output.WriteLine($"{width} bits, {act}: worst {worst:F3} ulp at {at:R}");
            Assert.True(worst <= maxUlps, $"{width} bits, {act}: {worst:F3} ulp at {at:R}, more than {maxUlps}");
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void EdgesAreAsDocumented(int width)
    {
        float[] inputs = [0f, -0f, -87.5f, -100f, float.NegativeInfinity, float.NaN, 88.5f, float.PositiveInfinity, 1f, -1f, 1e-30f, -1e-30f, 20f, -20f, 50f, -50f];
        var exp = (float[])inputs.Clone();
        Apply(width, Act.Linear, exp);
        Assert.Equal(1f, exp[0]);
        Assert.Equal(1f, exp[1]);
        Assert.Equal(0f, exp[2]); // below -87: 0 (the exact value, 9.8e-39, is not a normal float)
        Assert.Equal(0f, exp[3]);
        Assert.Equal(0f, exp[4]);
        Assert.True(float.IsNaN(exp[5]));
        float atHigh = exp[6];
        Assert.Equal((float)Math.Exp(88), atHigh, 1.5e-7f * atHigh); // clamped at 88
        Assert.Equal(atHigh, exp[7]);
        Assert.Equal((float)Math.E, exp[8], 2.4e-7f);
        Assert.Equal(1f, exp[10]);
        Assert.Equal(1f, exp[11]);

        var sigmoid = (float[])inputs.Clone();
        Apply(width, Act.Sigmoid, sigmoid);
        Assert.Equal(0.5f, sigmoid[0]);
        Assert.Equal(0f, sigmoid[3]); // below -87: 0, as PyTorch's 3.7e-44 rounds for a normal float
        Assert.Equal(0f, sigmoid[4]);
        Assert.True(float.IsNaN(sigmoid[5]));
        Assert.Equal(1f, sigmoid[7]);
        Assert.Equal(1f, sigmoid[14]);

        var tanh = (float[])inputs.Clone();
        Apply(width, Act.Tanh, tanh);
        Assert.Equal(0f, tanh[0]);
        Assert.True(float.IsNegative(tanh[1]) && tanh[1] == 0f); // -0 keeps its sign
        Assert.Equal(-1f, tanh[4]);
        Assert.True(float.IsNaN(tanh[5]));
        Assert.Equal(1f, tanh[7]);
        Assert.Equal(1e-30f, tanh[10]);
        Assert.Equal(-1e-30f, tanh[11]);
        Assert.Equal(1f, tanh[14]);
        Assert.Equal(-1f, tanh[15]);
    }
}

/// <summary>The largest error of float results against a double function, in ulps of the correctly rounded float result.</summary>
internal static class UlpError
{
    public static (double Worst, float At) Worst(float[] inputs, float[] results, Func<double, double> exact)
    {
        double worst = 0;
        float at = 0;
        for (int i = 0; i < inputs.Length; i++)
        {
            double value = exact(inputs[i]);
            float rounded = (float)value;
            double ulp = Math.Max(float.Epsilon, MathF.BitIncrement(Math.Abs(rounded)) - Math.Abs(rounded));
            double error = Math.Abs(results[i] - value) / ulp;
            if (error > worst) (worst, at) = (error, inputs[i]);
        }
        return (worst, at);
    }
}
