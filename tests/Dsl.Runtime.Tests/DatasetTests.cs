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

    [Theory]
    [InlineData(3)]    // below the parallel threshold: on the calling thread
    [InlineData(100)]  // 100 x 784 values: split across the workers
    public void GatherInputsCopiesTheChosenRowsInOrder(int batch)
    {
        const int features = 784, count = 500;
        var inputs = new float[count * features];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = i * 0.5f;
        var data = new Dataset(inputs, new int[count], features);
        int[] indices = Enumerable.Range(0, batch).Select(j => (j * 379 + 11) % count).ToArray();
        indices[batch - 1] = indices[0]; // repeats are allowed
        var destination = new float[batch * features + 5];
        Array.Fill(destination, -1f);
        data.GatherInputs(indices, destination);
        for (int j = 0; j < batch; j++)
            for (int f = 0; f < features; f++)
                Assert.Equal((indices[j] * features + f) * 0.5f, destination[j * features + f]);
        Assert.All(destination[(batch * features)..], v => Assert.Equal(-1f, v)); // past the batch: untouched
    }

    [Fact]
    public void GatherInputsRejectsBadIndicesAndShortBuffersWithoutWriting()
    {
        var data = new Dataset(new float[] { 1, 2, 3, 4, 5, 6 }, new[] { 0, 1, 0 }, features: 2);
        var destination = new float[4];
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => data.GatherInputs(new[] { 1, 3 }, destination));
        Assert.Contains("Index 1 of the batch names sample 3, but the data set has samples 0 to 2", e.Message);
        Assert.All(destination, v => Assert.Equal(0f, v)); // checked before anything is copied
        Assert.Throws<ArgumentOutOfRangeException>(() => data.GatherInputs(new[] { -1 }, destination));
        var s = Assert.Throws<ArgumentException>(() => data.GatherInputs(new[] { 0, 1, 2 }, destination));
        Assert.Contains("destination needs 3 x 2 = 6 values for 3 samples, but has 4", s.Message);
        data.GatherInputs(new[] { 2, 0 }, destination);
        Assert.Equal(new float[] { 5, 6, 1, 2 }, destination);
    }
}
