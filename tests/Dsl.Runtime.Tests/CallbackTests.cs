using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Xunit;

namespace Dsl.Runtime.Tests;

/// <summary>EarlyStopping and ModelCheckpoint with Keras' semantics.</summary>
public sealed class CallbackTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "dsl-callbacks-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static FitContext<float> Context(SmallNet net, int epochs, IReadOnlyList<string> keys)
        => new(net, new Sgd<float>(net, 0.1), _ => { }, 0, epochs, 1, 10, keys, new History());

    [Fact]
    public void EarlyStoppingFollowsKerasOnAScriptedSequence()
    {
        // val_loss by epoch: 1.0, 0.8, 0.85, 0.79, 0.795, 0.81, 0.9. With min_delta 0.02 the improvement at epoch 4
        // (0.79 vs 0.8) does not count, so the best stays epoch 2; with patience 3, wait reaches 3 at epoch 5.
        double[] valLoss = [1.0, 0.8, 0.85, 0.79, 0.795, 0.81, 0.9];
        var net = new SmallNet();
        FitContext<float> context = Context(net, valLoss.Length, ["loss", "val_loss", "lr", "seconds"]);
        var stopping = new EarlyStopping("val_loss", minDelta: 0.02, patience: 3, restoreBestWeights: true);
        ICallback callback = stopping;
        callback.OnTrainBegin(context);
        var weightsAfter = new Dictionary<int, float[]>();
        int epoch = 0;
        while (!context.StopTraining && epoch < valLoss.Length)
        {
            epoch++;
            net.Parameters.Fill(epoch);     // stands for the weights after this epoch
            weightsAfter[epoch] = net.Parameters.ToArray();
            callback.OnEpochEnd(context, epoch, new Dictionary<string, double> { ["loss"] = 0, ["val_loss"] = valLoss[epoch - 1], ["lr"] = 0.1, ["seconds"] = 0 });
        }
        Assert.Equal(5, epoch);
        Assert.Equal(5, stopping.StoppedEpoch);
        Assert.Equal(2, stopping.BestEpoch);
        Assert.Equal(0.8, stopping.Best);
        Assert.Contains("val_loss did not improve for 3 epoch(s) (best 0.8 at epoch 2); stopped after epoch 5", context.StopReason);
        Assert.Equal(weightsAfter[5], net.Parameters.ToArray());
        callback.OnTrainEnd(context);
        Assert.Equal(weightsAfter[2], net.Parameters.ToArray()); // restored at the end of training, as Keras 3

        // Patience 0 stops at the first epoch without improvement, but never at epoch 1; accuracy is maximised.
        var eager = new EarlyStopping("val_accuracy", patience: 0);
        callback = eager;
        context = Context(net, 5, ["val_accuracy"]);
        callback.OnTrainBegin(context);
        double[] accuracy = [0.5, 0.6, 0.6];
        for (epoch = 1; epoch <= 3 && !context.StopTraining; epoch++)
            callback.OnEpochEnd(context, epoch, new Dictionary<string, double> { ["val_accuracy"] = accuracy[epoch - 1] });
        Assert.Equal(3, eager.StoppedEpoch);
        Assert.Equal(2, eager.BestEpoch);
    }

    [Fact]
    public void EarlyStoppingInFitStopsAtTheRightEpochAndRestoresTheBestWeights()
    {
        // Monitoring the training loss in Max mode, a loss that falls every epoch never improves after epoch 1:
        // with patience 2 training stops after epoch 3 and the weights after epoch 1 come back.
        Dataset data = TrainingData.Classes(60, seed: 11);
        var options = new FitOptions { Epochs = 10, BatchSize = 15, Seed = 1, Verbose = Verbosity.Silent };
        var net = new SmallNet(seed: 2);
        var stopping = new EarlyStopping("loss", patience: 2, mode: MonitorMode.Max, restoreBestWeights: true);
        History history = net.Fit(new Adam<float>(net, 0.05), data, options with { Callbacks = [stopping] });

        Assert.Equal(3, history.Count);
        Assert.True(history.Loss[1] < history.Loss[0] && history.Loss[2] < history.Loss[0], "the premise: the loss falls");
        Assert.Equal(3, stopping.StoppedEpoch);
        Assert.Equal(1, stopping.BestEpoch);
        Assert.StartsWith("EarlyStopping: loss did not improve for 2 epoch(s)", history.StopReason);
        Assert.False(history.TerminatedOnNaN);

        var oneEpoch = new SmallNet(seed: 2);
        oneEpoch.Fit(new Adam<float>(oneEpoch, 0.05), data, options with { Epochs = 1 });
        Assert.Equal(oneEpoch.Parameters.ToArray(), net.Parameters.ToArray());

        // Verbose, it says so in the log after the epoch lines.
        var log = new StringWriter();
        var again = new SmallNet(seed: 2);
        again.Fit(new Adam<float>(again, 0.05), data, options with
        {
            Verbose = Verbosity.Auto,
            Log = log,
            Callbacks = [new EarlyStopping("loss", patience: 2, mode: MonitorMode.Max, restoreBestWeights: true, verbose: true)],
        });
        string[] lines = log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
        Assert.Equal(5, lines.Length);
        Assert.StartsWith("Epoch 3/10 - ", lines[2]);
        Assert.Equal("Epoch 3: early stopping", lines[3]);
        Assert.Equal("Restoring model weights from the end of the best epoch: 1.", lines[4]);
        Assert.Equal(net.Parameters.ToArray(), again.Parameters.ToArray());

        // Monitoring something this Fit does not log is an error before any training.
        var e = Assert.Throws<InvalidOperationException>(() => net.Fit(new Sgd<float>(net, 0.1), data, options with { Callbacks = [new EarlyStopping()] }));
        Assert.Equal("EarlyStopping monitors 'val_loss', but this Fit logs only loss, accuracy, lr, seconds; give validation data (ValidationSplit or ValidationData).", e.Message);
    }

    [Fact]
    public void ModelCheckpointSavesEveryNEpochsWithTheEpochInTheName()
    {
        Dataset data = TrainingData.Classes(40, seed: 4);
        var net = new SmallNet(seed: 5);
        var checkpoint = new ModelCheckpoint(Path.Combine(_dir, "ckpt-{epoch:D2}-{loss:F3}.safetensors"), every: 2);
        var weights = new Dictionary<int, float[]>();
        var record = new LambdaCallback(onEpochEnd: (_, epoch, _) => weights[epoch] = net.Parameters.ToArray());
        History history = net.Fit(new Sgd<float>(net, 0.3, momentum: 0.5), data,
            new FitOptions { Epochs = 5, BatchSize = 10, Verbose = Verbosity.Silent, Callbacks = [record, checkpoint] });

        string Expected(int epoch) => Path.Combine(_dir, string.Format(System.Globalization.CultureInfo.InvariantCulture, "ckpt-{0:D2}-{1:F3}.safetensors", epoch, history.Loss[epoch - 1]));
        Assert.Equal([Expected(2), Expected(4)], checkpoint.Saved);
        Assert.Equal(checkpoint.Saved.OrderBy(p => p), Directory.GetFiles(_dir).OrderBy(p => p));
        foreach (int epoch in new[] { 2, 4 })
        {
            var restored = new SmallNet(seed: 99);
            var sgd = new Sgd<float>(restored, 0.3, momentum: 0.5);
            CheckpointInfo info = Checkpoint.Load(restored, Expected(epoch), sgd);
            Assert.Equal(epoch, info.Epoch);
            Assert.Equal(weights[epoch], restored.Parameters.ToArray());
            Assert.Equal(epoch * 4, sgd.Iterations); // 4 steps an epoch
            Assert.Equal(history.Loss[epoch - 1].ToString("R", System.Globalization.CultureInfo.InvariantCulture), info.Metadata["loss"]);
        }
    }

    [Fact]
    public void ModelCheckpointSaveBestOnlyWritesOnlyImprovements()
    {
        Dataset data = TrainingData.Classes(40, seed: 4);
        var options = new FitOptions { Epochs = 4, BatchSize = 10, Seed = 3, Verbose = Verbosity.Silent };

        // The loss falls every epoch: in Min mode each epoch is a new best and overwrites the one file ...
        var net = new SmallNet(seed: 5);
        string best = Path.Combine(_dir, "best.safetensors");
        var everyBest = new ModelCheckpoint(best, monitor: "loss", saveBestOnly: true, includeOptimizer: false);
        History history = net.Fit(new Adam<float>(net, 0.05), data, options with { Callbacks = [everyBest] });
        Assert.True(history.Loss.Zip(history.Loss.Skip(1)).All(p => p.Second < p.First), "the premise: the loss falls every epoch");
        Assert.Equal(Enumerable.Repeat(best, 4), everyBest.Saved);
        var loaded = new SmallNet(seed: 1);
        CheckpointInfo info = Checkpoint.Load(loaded, best);
        Assert.Equal(4, info.Epoch);
        Assert.Null(info.Optimizer);
        Assert.Equal(net.Parameters.ToArray(), loaded.Parameters.ToArray());

        // ... in Max mode only epoch 1 is ever the best.
        var other = new SmallNet(seed: 5);
        var firstOnly = new ModelCheckpoint(Path.Combine(_dir, "max-{epoch}.safetensors"), monitor: "loss", saveBestOnly: true, mode: MonitorMode.Max);
        other.Fit(new Adam<float>(other, 0.05), data, options with { Callbacks = [firstOnly] });
        Assert.Equal([Path.Combine(_dir, "max-1.safetensors")], firstOnly.Saved);
        Assert.Equal(1, Checkpoint.Read(firstOnly.Saved[0]).Epoch);

        // A placeholder that names no log fails before training.
        var e = Assert.Throws<InvalidOperationException>(() => other.Fit(new Sgd<float>(other, 0.1), data,
            options with { Callbacks = [new ModelCheckpoint(Path.Combine(_dir, "{val_loss}.safetensors"))] }));
        Assert.Contains("uses {val_loss}, but this Fit logs only epoch, loss, accuracy, lr, seconds", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ModelCheckpoint("x", every: 0));
    }
}
