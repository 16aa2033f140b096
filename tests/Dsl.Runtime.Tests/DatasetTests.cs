using System;
using System.Linq;
using Xunit;

namespace Dsl.Runtime.Tests;

public class DatasetTests
{
    [Fact]
    public void MoonsWithoutNoiseLieOnTheTwoHalfCircles()
    {
        Dataset d = Datasets.Moons(201, noise: 0, seed: 4);
        Assert.Equal(201, d.Count);
        Assert.Equal(100, d.Labels.Count(l => l == 0)); // n // 2 in the upper moon, as scikit-learn
        for (int s = 0; s < d.Count; s++)
        {
            double x = d.Inputs[2 * s], y = d.Inputs[2 * s + 1];
            double r = d.Labels[s] == 0 ? Math.Sqrt(x * x + y * y) : Math.Sqrt((x - 1) * (x - 1) + (y - 0.5) * (y - 0.5));
            Assert.Equal(1.0, r, 5);
            Assert.True(d.Labels[s] == 0 ? y >= -1e-6 : y <= 0.5 + 1e-6);
        }
        Assert.False(d.Labels.Take(20).All(l => l == d.Labels[0]), "samples are shuffled");
    }

    [Fact]
    public void MoonsAreDeterministicAndNoisy()
    {
        Assert.Equal(Datasets.Moons(50, 0.2, seed: 1).Inputs, Datasets.Moons(50, 0.2, seed: 1).Inputs);
        Assert.NotEqual(Datasets.Moons(50, 0.2, seed: 1).Inputs, Datasets.Moons(50, 0.2, seed: 2).Inputs);
        Assert.Throws<ArgumentOutOfRangeException>(() => Datasets.Moons(1, 0.2));
        Assert.Throws<ArgumentOutOfRangeException>(() => Datasets.Moons(10, -1));
    }

    [Fact]
    public void OneHotAndLabelTargets()
    {
        Dataset xor = Datasets.Xor();
        Assert.Equal(new float[] { 1, 0, 0, 1, 0, 1, 1, 0 }, xor.OneHot(2));
        var target = new float[3];
        Targets.FromLabels<float>(new[] { 1, 0, 1 }, target, classes: 1);
        Assert.Equal(new float[] { 1, 0, 1 }, target);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Targets.FromLabels<float>(new[] { 2 }, new float[1], classes: 1, firstIndex: 10));
        Assert.Contains("Label of sample 10 must be 0 or 1", e.Message);
    }
}
