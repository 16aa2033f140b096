using System;

namespace Dsl.Runtime.Tests;

/// <summary>Small deterministic data sets for the training API tests.</summary>
internal static class TrainingData
{
    /// <summary>
    /// <paramref name="count"/> samples of 4 features in [-1, 1) from a seeded generator, labelled 1 when
    /// <c>x0 + 0.5·x1 - x2·x3 &gt; 0</c>, else 0: learnable by <see cref="SmallNet"/>, not trivially.
    /// </summary>
    public static Dataset Classes(int count, int seed)
    {
        var random = new Random(seed);
        var x = new float[count * 4];
        var labels = new int[count];
        for (int s = 0; s < count; s++)
        {
            for (int i = 0; i < 4; i++) x[s * 4 + i] = (float)(random.NextDouble() * 2 - 1);
            labels[s] = x[s * 4] + 0.5f * x[s * 4 + 1] - x[s * 4 + 2] * x[s * 4 + 3] > 0 ? 1 : 0;
        }
        return new Dataset(x, labels, 4);
    }

    /// <summary>
    /// The polynomial <c>y = x³ - x/2</c> at the midpoints of <paramref name="count"/> equal cells of [-1, 1], as dense targets
    /// (one per sample): a regression for <see cref="PolyNet"/>.
    /// </summary>
    public static Dataset Polynomial(int count)
    {
        var x = new float[count];
        var y = new float[count];
        for (int i = 0; i < count; i++)
        {
            double v = -1 + (2.0 * i + 1) / count;
            x[i] = (float)v;
            y[i] = (float)(v * v * v - 0.5 * v);
        }
        return new Dataset(x, y, features: 1, targetSize: 1);
    }
}
