using System;
using System.IO;
using Xunit;

namespace Dsl.Runtime.Tests;

public class ClassificationTests
{
    [Fact]
    public void InverseTimeDecayIsKerasLegacyDecay()
    {
        Func<long, double> lr = Schedules.InverseTime(0.05, 1e-6);
        Assert.Equal(0.05, lr(0));
        Assert.Equal(0.05 / 1.001, lr(1000), 15);
        Assert.Equal(0.05 / 1.6, lr(600_000), 15);
        Assert.Throws<ArgumentOutOfRangeException>(() => Schedules.InverseTime(0.1, -1));
    }

    [Fact]
    public void EvaluateComputesClippedCrossEntropyAndAccuracy()
    {
        // Evaluate must agree with a direct computation from Forward's probabilities.
        var net = new RefTanhSoftmaxCe();
        var random = new Random(2);
        for (int i = 0; i < net.Parameters.Length; i++) net.Parameters[i] = (float)(random.NextDouble() - 0.5);
        float[] x = new float[6 * 4];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(random.NextDouble() * 2 - 1);
        int[] labels = [0, 1, 2, 2, 1, 0];
        var data = new Dataset(x, labels, 4);

        var p = new float[6 * 3];
        net.Forward(x, p);
        double loss = 0;
        int correct = 0;
        for (int s = 0; s < 6; s++)
        {
            loss -= Math.Log(Math.Max(p[s * 3 + labels[s]], 1e-7));
            int best = p[s * 3] >= p[s * 3 + 1] ? (p[s * 3] >= p[s * 3 + 2] ? 0 : 2) : (p[s * 3 + 1] >= p[s * 3 + 2] ? 1 : 2);
            if (best == labels[s]) correct++;
        }
        var (evaluatedLoss, accuracy) = net.Evaluate(data, batchSize: 4); // two batches, the second partial
        Assert.Equal(loss / 6, evaluatedLoss, 6);
        Assert.Equal(correct / 6.0, accuracy);
        // TrainStep's loss is the same cross-entropy (computed from the logits), so the two agree closely.
        Assert.Equal(net.TrainStep(x, labels), evaluatedLoss, 4);
    }

    [Fact]
    public void FitHoldsOutTheLastFractionAndLogsKerasLines()
    {
        Dataset moons = Datasets.Moons(200, 0.1, seed: 3);
        var model = new Samples.Moons.MoonsNetH5(1);
        var log = new StringWriter();
        History history = model.Fit(new Adam<float>(model, 0.05), moons,
            new FitOptions { Epochs = 40, BatchSize = 20, ValidationSplit = 0.25, Seed = 4, Log = log });
        Assert.Equal(40, history.Loss.Count);
        Assert.Equal(40, history.ValidationAccuracy.Count);
        Assert.True(history.ValidationAccuracy[^1] >= 0.9, $"validation accuracy {history.ValidationAccuracy[^1]}");
        Assert.True(history.Loss[^1] < history.Loss[0]);
        string[] lines = log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(40, lines.Length);
        Assert.Matches(@"^Epoch 40/40 - \d+\.\ds - loss: \d\.\d{4} - accuracy: \d\.\d{4} - val_loss: \d\.\d{4} - val_accuracy: \d\.\d{4}$", lines[^1].TrimEnd('\r'));
        Assert.Throws<ArgumentException>(() => model.Fit(new Sgd<float>(model, 0.1), moons,
            new FitOptions { ValidationSplit = 0.2, ValidationData = moons }));
    }
}
