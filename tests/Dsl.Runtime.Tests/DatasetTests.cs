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

    /// <summary>A set of bytes: value <c>(j * 7 + f * 3) % 256</c> for sample j, feature f, so every byte value occurs.</summary>
    private static (Dataset Bytes, Dataset Floats) ByteAndFloatSets(int count, int features, float divisor)
    {
        var bytes = new byte[count * features];
        for (int j = 0; j < count; j++)
            for (int f = 0; f < features; f++) bytes[j * features + f] = (byte)((j * 7 + f * 3) % 256);
        var floats = new float[bytes.Length];
        for (int i = 0; i < bytes.Length; i++) floats[i] = bytes[i] / divisor; // the scalar division C# does
        int[] labels = Enumerable.Range(0, count).Select(j => j % 10).ToArray();
        return (new Dataset(bytes, divisor, labels, features), new Dataset(floats, labels, features));
    }

    [Theory]
    [InlineData(3, 784, 255f)]    // below the parallel threshold: on the calling thread
    [InlineData(100, 784, 255f)]  // split across the workers; 784 = 49 vectors of 16
    [InlineData(100, 785, 255f)]  // a row that ends in single bytes, rows not aligned to 16
    [InlineData(40, 300, 3.7f)]   // another divisor: the quotients are rounded, not exact
    public void ByteSetGathersTheSameFloatsAsAFloatSetMadeByDividing(int batch, int features, float divisor)
    {
        const int count = 600;
        var (bytes, floats) = ByteAndFloatSets(count, features, divisor);
        int[] indices = Enumerable.Range(0, batch).Select(j => (j * 379 + 11) % count).ToArray();
        indices[batch - 1] = indices[0];
        var fromBytes = new float[batch * features + 3];
        var fromFloats = new float[batch * features + 3];
        Array.Fill(fromBytes, -1f);
        Array.Fill(fromFloats, -1f);
        bytes.GatherInputs(indices, fromBytes);
        floats.GatherInputs(indices, fromFloats);
        Assert.Equal(fromFloats, fromBytes); // bit for bit (xunit compares floats exactly), the 3 past the batch untouched
        Assert.Equal((indices[1] * 7 + 5 * 3) % 256 / divisor, fromBytes[features + 5]);
    }

    [Fact]
    public void EveryByteValueConvertsToItsScalarQuotient()
    {
        var all = Enumerable.Range(0, 256).Select(b => (byte)b).ToArray();
        foreach (float divisor in new[] { 255f, 1f, 3f, 0.1f, 127.5f })
        {
            var set = new Dataset(all, divisor, new int[1], features: 256); // one sample of every byte value
            var row = new float[256];
            set.GatherInputs(new[] { 0 }, row);
            for (int b = 0; b < 256; b++) Assert.Equal(BitConverter.SingleToInt32Bits(b / divisor), BitConverter.SingleToInt32Bits(row[b]));
            Assert.Equal(row, set.Inputs);
        }
    }

    [Fact]
    public void ByteSetCopiesSplitsAndMakesItsFloatsOnce()
    {
        var (bytes, floats) = ByteAndFloatSets(50, 20, 255f);
        Assert.NotNull(bytes.ByteInputs);
        Assert.Null(floats.ByteInputs);
        Assert.Equal((255f, 1f), (bytes.Divisor, floats.Divisor));

        var rows = new float[5 * 20];
        bytes.CopyInputs(10, 5, rows);
        Assert.Equal(floats.Inputs.AsSpan(10 * 20, 5 * 20).ToArray(), rows);
        floats.CopyInputs(10, 5, rows);
        Assert.Equal(floats.Inputs.AsSpan(10 * 20, 5 * 20).ToArray(), rows);
        Assert.Throws<ArgumentOutOfRangeException>(() => bytes.CopyInputs(48, 5, rows));
        var shortBuffer = Assert.Throws<ArgumentException>(() => bytes.CopyInputs(0, 6, rows));
        Assert.Contains("destination needs 6 x 20 = 120 values, but has 100", shortBuffer.Message);

        var (train, validation) = bytes.Split(0.2);
        Assert.Equal((40, 10), (train.Count, validation.Count));
        Assert.NotNull(validation.ByteInputs); // split parts stay bytes
        Assert.Equal(floats.Inputs.AsSpan(40 * 20).ToArray(), validation.Inputs);
        Assert.Equal(floats.Labels[40..], validation.Labels);
        Assert.Equal(floats.Inputs.AsSpan(0, 3 * 20).ToArray(), bytes.Take(3).Inputs);

        Assert.Same(bytes.Inputs, bytes.Inputs); // made on the first read, then kept
        Assert.Equal(floats.Inputs, bytes.Inputs);
    }

    [Fact]
    public void ByteSetRejectsBadArguments()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new Dataset(new byte[6], 0f, new int[3], 2));
        Assert.Contains("Expected a positive, finite divisor for the input bytes, such as 255", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Dataset(new byte[6], float.NaN, new int[3], 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Dataset(new byte[6], float.PositiveInfinity, new int[3], 2));
        var size = Assert.Throws<ArgumentException>(() => new Dataset(new byte[5], 255f, new int[3], 2));
        Assert.Contains("Expected 3 x 2 = 6 input values for 3 samples, found 5", size.Message);
        Assert.Equal("inputs", size.ParamName);
        Assert.Throws<ArgumentNullException>(() => new Dataset((byte[])null!, 255f, new int[3], 2));
    }
}
