using System;
using System.Numerics;
using MathNet.Numerics.Distributions;

namespace Dsl.Runtime;

/// <summary>
/// Weight initialisers on MathNet.Numerics' seeded distributions. A generated model draws from one
/// <see cref="MathNet.Numerics.Random.MersenneTwister"/> seeded with the constructor's seed, layer by layer in
/// declaration order, each weight tensor in row-major order; biases start at zero.
/// </summary>
public static class Initializers
{
    /// <summary>The random source a model of seed <paramref name="seed"/> initialises from.</summary>
    public static Random CreateRandom(int seed) => new MathNet.Numerics.Random.MersenneTwister(seed, threadSafe: false);

    /// <summary>Fills <paramref name="w"/> as <paramref name="init"/> prescribes for the given fans.</summary>
    public static void Fill<T>(Span<T> w, Init init, int fanIn, int fanOut, Random random) where T : IFloatingPointIeee754<T>
    {
        if (fanIn <= 0 || fanOut <= 0) throw new ArgumentOutOfRangeException(nameof(fanIn), $"Fans must be positive, got fan_in {fanIn} and fan_out {fanOut}.");
        switch (init)
        {
            case Init.GlorotUniform: Uniform(w, Math.Sqrt(6.0 / (fanIn + fanOut)), random); break;
            case Init.GlorotNormal: Gaussian(w, Math.Sqrt(2.0 / (fanIn + fanOut)), random); break;
            case Init.HeUniform: Uniform(w, Math.Sqrt(6.0 / fanIn), random); break;
            case Init.HeNormal: Gaussian(w, Math.Sqrt(2.0 / fanIn), random); break;
            case Init.LeCunNormal: Gaussian(w, 1.0 / Math.Sqrt(fanIn), random); break;
            case Init.Normal: Gaussian(w, 0.05, random); break;
            default: throw new ArgumentOutOfRangeException(nameof(init), init, "Expected one of the values of Dsl.Init.");
        }
    }

    private static void Uniform<T>(Span<T> w, double limit, Random random) where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < w.Length; i++) w[i] = T.CreateChecked(ContinuousUniform.Sample(random, -limit, limit));
    }

    private static void Gaussian<T>(Span<T> w, double stddev, Random random) where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < w.Length; i++) w[i] = T.CreateChecked(Normal.Sample(random, 0.0, stddev));
    }
}
