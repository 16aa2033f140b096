using System;
using System.IO;
using System.Linq;
using Samples.Moons;
using Samples.Xor;
using Xunit;

namespace Dsl.Runtime.Tests;

/// <summary>The samples, run as the README runs them (or with fewer passes), so they cannot rot.</summary>
public class SampleTests
{
    [Fact]
    public void XorLearnsTheTableIn1500Iterations()
    {
        var log = new StringWriter();
        XorResult result = XorSample.Run(1500, seed: 0, log);
        for (int s = 0; s < 4; s++)
            Assert.True(Math.Abs(result.Predictions[s] - result.Targets[s]) < 0.1, $"row {s}: predicted {result.Predictions[s]}, target {result.Targets[s]}");
        Assert.True(result.Losses[^1] < result.Losses[0] / 100, "the loss should fall by orders of magnitude");
        Assert.Contains("iteration  1499", log.ToString());
    }

    [Fact]
    public void MoonsWithThreeHiddenUnitsReachesTheTutorialsLoss()
    {
        string dir = Path.Combine(Path.GetTempPath(), "dsl-moons-" + Guid.NewGuid().ToString("N"));
        try
        {
            var log = new StringWriter();
            MoonsResult result = MoonsSample.Run(hidden: 3, passes: 20000, seed: 0, dir, log);
            Assert.True(result.FinalLoss <= 0.08, $"final loss {result.FinalLoss}");
            Assert.True(result.Accuracy >= 0.95, $"accuracy {result.Accuracy}");
            Assert.Equal(21, result.Losses.Count); // before passes 0, 1000, ..., 19000, and after the last
            Assert.Contains("Loss after iteration 19000:", log.ToString());
            string svg = File.ReadAllText(result.SvgPath);
            Assert.StartsWith("<svg", svg);
            Assert.Contains("#f6c9a8", svg); // both decision regions are drawn
            Assert.Contains("#a8c8f0", svg);
            Assert.Equal(200, svg.Split("<circle").Length - 1);
            Assert.Empty(Directory.GetFiles(dir, "*.tmp"));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void MoonsOffersEverySizeOfTheTutorial()
    {
        Assert.Equal(new[] { 1, 2, 3, 4, 5, 20, 50 }, MoonsSample.Networks.Keys.OrderBy(k => k));
        string dir = Path.Combine(Path.GetTempPath(), "dsl-moons-" + Guid.NewGuid().ToString("N"));
        try
        {
            MoonsResult result = MoonsSample.Run(hidden: 50, passes: 3000, seed: 1, dir, TextWriter.Null);
            Assert.True(result.Losses[^1] < result.Losses[0]);
            Assert.True(File.Exists(Path.Combine(dir, "moons_h50.svg")));
            Assert.Throws<ArgumentOutOfRangeException>(() => MoonsSample.Run(hidden: 7, passes: 1, seed: 0, dir, TextWriter.Null));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void AnotherArchitectureTrainsWithTheTrainingLoop()
    {
        // Written only with attributes (TestModels.cs): 20 -> 16 relu -> 12 softplus -> 30 tanh -> 5 softmax.
        var net = new MixedFloat(seed: 2);
        var random = new Random(3);
        const int samples = 300;
        var x = new float[samples * MixedFloat.InputSize];
        var labels = new int[samples];
        for (int s = 0; s < samples; s++)
        {
            labels[s] = s % 5;
            for (int i = 0; i < MixedFloat.InputSize; i++)
                x[s * 20 + i] = (float)(random.NextDouble() * 0.5 + (i % 5 == labels[s] ? 1.0 : 0.0));
        }
        var log = new StringWriter();
        History history = net.Fit(new Sgd<float>(net, 0.1, momentum: 0.9), new Dataset(x, labels, MixedFloat.InputSize),
            new FitOptions { Epochs = 15, BatchSize = 32, Seed = 1, Log = log });
        Assert.Equal(15, history.Loss.Count);
        Assert.True(history.Loss[^1] < 0.1 * history.Loss[0], $"loss {history.Loss[0]} -> {history.Loss[^1]}");
        Assert.Equal(15, log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.StartsWith("Epoch 1/15 - ", log.ToString());
    }
}
