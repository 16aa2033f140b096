using System;
using System.Linq;
using Dsl;
using Dsl.Runtime;
using Xunit;

namespace Dsl.Runtime.Tests;

public class InitializerTests
{
    // fan_in 300, fan_out 100: the expected spread of each initialiser, from its formula.
    [Theory]
    [InlineData(Init.GlorotUniform, 0.070710678, true)]   // U(-a, a), a = sqrt(6/400): std a/sqrt(3) = sqrt(2/400)
    [InlineData(Init.GlorotNormal, 0.070710678, false)]   // N(0, sqrt(2/400))
    [InlineData(Init.HeUniform, 0.081649658, true)]       // a = sqrt(6/300): std sqrt(2/300)
    [InlineData(Init.HeNormal, 0.081649658, false)]       // N(0, sqrt(2/300))
    [InlineData(Init.LeCunNormal, 0.057735027, false)]    // N(0, 1/sqrt(300))
    [InlineData(Init.Normal, 0.05, false)]                // N(0, 0.05), whatever the fans
    public void EachInitialiserHasTheSpreadItsFormulaGives(Init init, double std, bool uniform)
    {
        var w = new double[200_000];
        Initializers.Fill<double>(w, init, fanIn: 300, fanOut: 100, Initializers.CreateRandom(7));
        double mean = w.Average();
        double measured = Math.Sqrt(w.Select(x => (x - mean) * (x - mean)).Average());
        Assert.InRange(mean, -0.01 * std, 0.01 * std);
        Assert.InRange(measured / std, 0.99, 1.01);
        double largest = w.Max(Math.Abs);
        if (uniform) Assert.InRange(largest, 0.999 * std * Math.Sqrt(3), std * Math.Sqrt(3)); // bounded by a
        else Assert.True(largest > 4 * std, $"a normal sample of 200000 reaches beyond 4 sigma, largest was {largest / std:F2} sigma");
    }

    [Fact]
    public void TheSameSeedGivesTheSameWeights()
    {
        var a = new float[1000];
        var b = new float[1000];
        Initializers.Fill<float>(a, Init.Normal, 10, 10, Initializers.CreateRandom(3));
        Initializers.Fill<float>(b, Init.Normal, 10, 10, Initializers.CreateRandom(3));
        Assert.Equal(a, b);
        Initializers.Fill<float>(b, Init.Normal, 10, 10, Initializers.CreateRandom(4));
        Assert.NotEqual(a, b);
    }
}
