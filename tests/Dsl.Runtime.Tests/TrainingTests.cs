using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Spectre.Console;
using Xunit;

namespace Dsl.Runtime.Tests;

/// <summary>Fit, Evaluate and Predict: results checked against hand computations or independent runs.</summary>
public class TrainingTests
{
    [Fact]
    public void FitsSeed003sPolynomialWithMeanSquaredError()
    {
        // y = x³ - x/2 at the midpoints of 64 equal cells of [-1, 1]. Predicting the mean would leave the variance of y as
        // the loss: E[y²] - E[y]² with E[y] = 0 by symmetry, and E[y²] ≈ ∫(x³ - x/2)² dx / 2 = 1/7 - 1/5 + 1/12 = 0.02619
        // (the midpoint rule). The network must explain more than 99% of it.
        Dataset data = TrainingData.Polynomial(64);
        double variance = data.Targets.Select(v => (double)v * v).Average() - Math.Pow(data.Targets.Average(v => (double)v), 2);
        Assert.Equal(1.0 / 7 - 1.0 / 5 + 1.0 / 12, variance, 0.001);

        var net = new PolyNet(seed: 2);
        var log = new StringWriter();
        History history = net.Fit(new Adam<float>(net, 0.01), data, new FitOptions { Epochs = 1000, BatchSize = 8, Seed = 2, Log = log });

        Assert.Equal(1000, history.Count);
        Assert.Equal(1000, history.Loss.Count);
        Assert.Equal(1000, history.LearningRate.Count);
        Assert.Equal(1000, history.Seconds.Count);
        Assert.Equal(Enumerable.Range(1, 1000), history.Epoch);
        Assert.Empty(history.Accuracy);        // dense targets: no accuracy unless asked for
        Assert.Empty(history.ValidationLoss);
        Assert.All(history.LearningRate, lr => Assert.Equal(0.01, lr));
        Assert.True(history.Loss[^1] < variance / 100, $"final loss {history.Loss[^1]}, variance {variance}");
        Assert.True(history.Loss[0] > variance / 2, $"first loss {history.Loss[0]}");
        Assert.False(history.TerminatedOnNaN);
        Assert.Null(history.StopReason);

        // Evaluate on the same data agrees with a direct computation from Predict.
        float[] predicted = net.Predict(data);
        double mse = predicted.Select((p, i) => Math.Pow(p - data.Targets[i], 2)).Average();
        Assert.Equal(mse, net.Evaluate(data).Loss, mse * 1e-5); // Evaluate sums in float, this in double
        Assert.True(double.IsNaN(net.Evaluate(data).Accuracy));
        Assert.Matches(@"^Epoch 1000/1000 - \d+\.\ds - loss: \d\.\d{4}\r?$", log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)] // unshuffled: a float set's batches are read in place, a byte set's converted
    public void ByteSetTrainsAndEvaluatesAsTheFloatSetOfItsQuotients(bool shuffle)
    {
        var rng = new Random(4);
        var bytes = new byte[60 * 4];
        rng.NextBytes(bytes);
        int[] labels = Enumerable.Range(0, 60).Select(j => (bytes[j * 4] + bytes[j * 4 + 2]) > 255 ? 1 : 0).ToArray();
        var floats = new float[bytes.Length];
        for (int i = 0; i < floats.Length; i++) floats[i] = bytes[i] / 255f;
        var byteSet = new Dataset(bytes, 255f, labels, 4);
        var floatSet = new Dataset(floats, labels, 4);
        var options = new FitOptions { Epochs = 4, BatchSize = 8, Seed = 9, Shuffle = shuffle, ValidationSplit = 0.25, Verbose = Verbosity.Silent };

        var a = new SmallNet(seed: 3);
        var b = new SmallNet(seed: 3);
        History fromBytes = a.Fit(new Sgd<float>(a, 0.3), byteSet, options);
        History fromFloats = b.Fit(new Sgd<float>(b, 0.3), floatSet, options);
        Assert.Equal(b.Parameters.ToArray(), a.Parameters.ToArray()); // bit for bit
        Assert.Equal(fromFloats.Loss, fromBytes.Loss);
        Assert.Equal(fromFloats.ValidationLoss, fromBytes.ValidationLoss);
        Assert.Equal(b.Evaluate(floatSet, batchSize: 7), a.Evaluate(byteSet, batchSize: 7));
        Assert.Equal(b.Predict(floatSet), a.Predict(byteSet));
        Assert.True(fromBytes.Loss[^1] < fromBytes.Loss[0], $"Expected the loss to fall, found {fromBytes.Loss[0]} then {fromBytes.Loss[^1]}.");
    }

    [Fact]
    public void ValidationSplitTakesTheLastFractionBeforeShuffling()
    {
        Dataset data = TrainingData.Classes(50, seed: 5);
        var options = new FitOptions { Epochs = 3, BatchSize = 8, Seed = 9, Verbose = Verbosity.Silent };

        var a = new SmallNet(seed: 3);
        History split = a.Fit(new Sgd<float>(a, 0.3), data, options with { ValidationSplit = 0.2 });

        // The same run on the first 40 samples, validated on the last 10, gives the same weights bit for bit.
        var (train, validation) = data.Split(0.2);
        Assert.Equal(40, train.Count);
        var b = new SmallNet(seed: 3);
        History separate = b.Fit(new Sgd<float>(b, 0.3), train, options with { ValidationData = validation });
        Assert.Equal(b.Parameters.ToArray(), a.Parameters.ToArray());
        Assert.Equal(separate.Loss, split.Loss);
        Assert.Equal(separate.ValidationLoss, split.ValidationLoss);
        Assert.Equal(separate.ValidationAccuracy, split.ValidationAccuracy);

        // val_loss of the last epoch is Evaluate on the last 10 samples.
        Evaluation last = a.Evaluate(validation);
        Assert.Equal(last.Loss, split.ValidationLoss[^1]);
        Assert.Equal(last.Accuracy, split.ValidationAccuracy[^1]);
        // Accuracy after each epoch is measured on the (at most 10000) training samples.
        Assert.Equal(a.Evaluate(train).Accuracy, split.Accuracy[^1]);
    }

    [Fact]
    public void EvaluateAndPredictMatchHandComputations()
    {
        // Logistic regression with w = (0.5, -1), b = 0.25: z = 0.5·x0 - x1 + 0.25, p = σ(z).
        var net = new LogisticNet();
        net.Parameters[0] = 0.5f;
        net.Parameters[1] = -1f;
        net.Parameters[2] = 0.25f;
        // Samples (1, 0), (0, 1), (2, 3), (-1, -2): z = 0.75, -0.75, -1.75, 1.75.
        var data = new Dataset([1, 0, 0, 1, 2, 3, -1, -2], [1, 1, 0, 0], 2);
        double[] z = [0.75, -0.75, -1.75, 1.75];
        double[] p = z.Select(v => 1 / (1 + Math.Exp(-v))).ToArray();   // 0.6792, 0.3208, 0.1480, 0.8520

        float[] predicted = net.Predict(data);
        for (int i = 0; i < 4; i++) Assert.Equal(p[i], predicted[i], 1e-6);
        Assert.Equal(predicted, net.Predict(data.Inputs.AsSpan()));

        // Binary cross-entropy: -log p for label 1, -log(1 - p) for label 0; predicted class p > 0.5: 1, 0, 0, 1, so
        // samples 0 and 2 are right.
        double bce = (-Math.Log(p[0]) - Math.Log(p[1]) - Math.Log(1 - p[2]) - Math.Log(1 - p[3])) / 4;
        Evaluation e = net.Evaluate(data, batchSize: 3); // two Forward calls, the second with one sample
        Assert.Equal(bce, e.Loss, 1e-6);
        Assert.Equal(0.5, e.Accuracy);
        var (loss, accuracy) = e;
        Assert.Equal((e.Loss, e.Accuracy), (loss, accuracy));

        // Another loss formula on request: mean squared error of p against the label.
        double mse = ((p[0] - 1) * (p[0] - 1) + (p[1] - 1) * (p[1] - 1) + p[2] * p[2] + p[3] * p[3]) / 4;
        Assert.Equal(mse, net.Evaluate(data, loss: Loss.MeanSquaredError).Loss, 1e-6);

        // Dense targets: accuracy only on request, against target > 0.5.
        var dense = new Dataset(data.Inputs, [0.9f, 0.8f, 0.1f, 0.2f], 2, 1);
        Assert.True(double.IsNaN(net.Evaluate(dense).Accuracy));
        Assert.Equal(0.5, net.Evaluate(dense, accuracy: true).Accuracy);
        double softBce = -(0.9 * Math.Log(p[0]) + 0.1 * Math.Log(1 - p[0]) + 0.8 * Math.Log(p[1]) + 0.2 * Math.Log(1 - p[1])
            + 0.1 * Math.Log(p[2]) + 0.9 * Math.Log(1 - p[2]) + 0.2 * Math.Log(p[3]) + 0.8 * Math.Log(1 - p[3])) / 4;
        Assert.Equal(softBce, net.Evaluate(dense).Loss, 1e-6);
        // Keras clips probabilities at 1e-7: a confident wrong answer costs -log(1e-7), not infinity.
        net.Parameters[0] = 100f;
        // Sample (1, 0) now has p = 1 in float against label 0; the three (0, 0) have z = 0.25.
        double confident = (-Math.Log(1e-7) - 3 * Math.Log(1 - 1 / (1 + Math.Exp(-0.25)))) / 4;
        Assert.Equal(confident, net.Evaluate(new Dataset([1, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0], 2)).Loss, 1e-6);

        // Bad input is named.
        var wrong = Assert.Throws<ArgumentException>(() => net.Evaluate(new Dataset([1, 2, 3], [0], 3)));
        Assert.Contains("The model takes 2 inputs per sample, the data has 3", wrong.Message);
        wrong = Assert.Throws<ArgumentException>(() => net.Evaluate(new Dataset([1, 2], [2], 2)));
        Assert.Contains("Label of sample 0 must be 0 or 1 for a model with one output, found 2", wrong.Message);
        wrong = Assert.Throws<ArgumentException>(() => net.Predict(new float[3]));
        Assert.Contains("found 3 values", wrong.Message);
        Assert.Throws<InvalidOperationException>(() => data.Targets);
        Assert.Throws<InvalidOperationException>(() => dense.Labels);
    }

    [Fact]
    public void ValidationLossIsTheModelsOwnLoss()
    {
        // Huber is computed the same way by TrainStep and by Evaluate, so with weights that do not move (learning rate 0)
        // and the training data as validation data, val_loss equals the epoch's loss.
        Dataset data = TrainingData.Polynomial(40);
        var scaled = new Dataset(data.Inputs, data.Targets.Select(t => 8 * t).ToArray(), 1, 1); // targets up to 4: both Huber branches
        var net = new HuberNet(seed: 3);
        History history = net.Fit(new Sgd<float>(net, 0), scaled,
            new FitOptions { Epochs = 1, BatchSize = 40, ValidationData = scaled, Verbose = Verbosity.Silent });
        Assert.Equal(history.Loss[0], history.ValidationLoss[0], 1e-6 * history.Loss[0]);
        Assert.Empty(history.ValidationAccuracy);
        Assert.Equal(history.ValidationLoss[0], net.Evaluate(scaled).Loss);
    }

    [Fact]
    public void ANaNLossStopsTrainingAndKeepsTheWeightsFromBeforeThatBatch()
    {
        // Sample 10 holds a NaN, so batch 3 (samples 8-11, no shuffling) has a NaN loss in epoch 1.
        Dataset clean = TrainingData.Classes(16, seed: 1);
        float[] inputs = (float[])clean.Inputs.Clone();
        inputs[10 * 4 + 2] = float.NaN;
        var data = new Dataset(inputs, clean.Labels, 4);

        var net = new SmallNet(seed: 4);
        var sgd = new Sgd<float>(net, 0.5, momentum: 0.9);
        var log = new StringWriter();
        var events = new List<string>();
        var callback = new LambdaCallback(
            onBatchEnd: (_, b, _) => events.Add($"batch {b}"),
            onEpochEnd: (_, e, _) => events.Add($"epoch {e}"),
            onTrainEnd: _ => events.Add("end"));
        History history = net.Fit(sgd, data, new FitOptions { Epochs = 5, BatchSize = 4, Shuffle = false, Log = log, Callbacks = [callback] });

        Assert.True(history.TerminatedOnNaN);
        Assert.Equal(0, history.Count); // the cut-short epoch is not recorded
        Assert.Equal(["batch 1", "batch 2", "end"], events);
        Assert.Equal(2, sgd.Iterations);
        string message = "Epoch 1, batch 3/4: the loss is NaN; training stopped without applying this batch's step, so the model keeps the weights from before it.";
        Assert.Equal(message, history.StopReason);
        Assert.Equal(message, log.ToString().Trim());

        // The same two steps by hand give the same weights, bit for bit, and they are finite.
        var reference = new SmallNet(seed: 4);
        var referenceSgd = new Sgd<float>(reference, 0.5, momentum: 0.9);
        for (int b = 0; b < 2; b++)
        {
            reference.TrainStep(data.Inputs.AsSpan(b * 16, 16), data.Labels.AsSpan(b * 4, 4));
            referenceSgd.Step();
        }
        Assert.Equal(reference.Parameters.ToArray(), net.Parameters.ToArray());
        Assert.All(net.Parameters.ToArray(), v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void ADivergingRunStopsOnTheFirstInfiniteLossWithFiniteWeights()
    {
        // Plain SGD with a learning rate far too large on a regression: the loss grows until it overflows.
        Dataset data = TrainingData.Polynomial(32);
        var net = new PolyNet(seed: 0);
        double[]? lastApplied = null;
        int steps = 0;
        var record = new LambdaCallback(onBatchEnd: (context, _, _) =>
        {
            lastApplied = context.GetWeights();
            steps++;
        });
        History history = net.Fit(new Sgd<float>(net, 50.0), data,
            new FitOptions { Epochs = 1000, BatchSize = 32, Shuffle = false, Verbose = Verbosity.Silent, Callbacks = [record] });

        Assert.True(history.TerminatedOnNaN);
        Assert.True(steps >= 1 && history.Count == steps, $"{steps} steps, {history.Count} epochs");
        Assert.Contains($"Epoch {steps + 1}, batch 1/1: ", history.StopReason);
        Assert.All(history.Loss, l => Assert.True(double.IsFinite(l)));
        Assert.Equal(lastApplied, net.Parameters.ToArray().Select(v => (double)v).ToArray());
        Assert.All(net.Parameters.ToArray(), v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void RunningMeanAccuracyIsKerasAndEqualsEvaluateWhenTheWeightsDoNotMove()
    {
        // With a learning rate of 0 every batch sees the same weights, so the running mean over the epoch's batches
        // is the accuracy of the whole training set, and the mean batch loss is its cross-entropy.
        Dataset data = TrainingData.Classes(45, seed: 8);
        var net = new SmallNet(seed: 6);
        Evaluation before = net.Evaluate(data);
        History running = net.Fit(new Sgd<float>(net, 0), data,
            new FitOptions { Epochs = 2, BatchSize = 10, TrainingAccuracy = TrainingAccuracy.RunningMean, Verbose = Verbosity.Silent });
        History after = net.Fit(new Sgd<float>(net, 0), data, new FitOptions { Epochs = 1, BatchSize = 10, Verbose = Verbosity.Silent });
        Assert.Equal(before.Accuracy, running.Accuracy[0]);
        Assert.Equal(before.Accuracy, running.Accuracy[1]);
        Assert.Equal(before.Accuracy, after.Accuracy[0]);
        Assert.Equal(before.Loss, running.Loss[0], 1e-6);
    }

    [Fact]
    public void ScheduleSetsTheLearningRateBeforeEveryStep()
    {
        // 30 samples in batches of 10: steps 0-2 in epoch 1, 3-5 in epoch 2. The history records each epoch's last step.
        Dataset data = TrainingData.Classes(30, seed: 2);
        var net = new SmallNet();
        var sgd = new Sgd<float>(net, 1);
        var seen = new List<double>();
        History history = net.Fit(sgd, data, new FitOptions
        {
            Epochs = 2,
            BatchSize = 10,
            Schedule = step => 0.1 / (1 + step),
            Verbose = Verbosity.Silent,
            Callbacks = [new LambdaCallback(onBatchEnd: (_, _, _) => seen.Add(sgd.LearningRate))],
        });
        Assert.Equal([0.1, 0.05, 0.1 / 3, 0.025, 0.02, 0.1 / 6], seen);
        Assert.Equal([0.1 / 3, 0.1 / 6], history.LearningRate);
        Assert.Equal(6, sgd.Iterations);
    }

    [Fact]
    public void ProgressIsABarOnATerminalAndOneLinePerEpochOtherwise()
    {
        Dataset data = TrainingData.Classes(40, seed: 3);
        var options = new FitOptions { Epochs = 2, BatchSize = 10, ValidationSplit = 0.25 };

        // A live bar per epoch, drawn on an interactive console.
        var screen = new StringWriter();
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.Yes,
            Interactive = InteractionSupport.Yes,
            ColorSystem = ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(screen),
        });
        console.Profile.Width = 250;
        var net = new SmallNet(seed: 1);
        History history = net.Fit(new Sgd<float>(net, 0.2), data, options with { Verbose = Verbosity.ProgressBar, ProgressConsole = console });
        string drawn = screen.ToString();
        Assert.Contains("Epoch 1/2", drawn);
        Assert.Contains("Epoch 2/2", drawn);
        Assert.Contains("3/3", drawn); // steps done of the epoch's steps
        Assert.Contains(string.Format(System.Globalization.CultureInfo.InvariantCulture, "val_accuracy: {0:F4}", history.ValidationAccuracy[1]), drawn);

        // Lines: exactly one per epoch, to the log.
        var log = new StringWriter();
        net.Fit(new Sgd<float>(net, 0.2), data, options with { Log = log });
        string[] lines = log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Matches(@"^Epoch 1/2 - \d+\.\ds - loss: \d\.\d{4} - accuracy: \d\.\d{4} - val_loss: \d\.\d{4} - val_accuracy: \d\.\d{4}\r?$", lines[0]);

        // Silent: nothing, even with a log.
        var quiet = new StringWriter();
        net.Fit(new Sgd<float>(net, 0.2), data, options with { Log = quiet, Verbose = Verbosity.Silent });
        Assert.Equal("", quiet.ToString());
    }

    /// <summary>Records the bytes this thread allocated at the end of every batch, without allocating itself.</summary>
    private sealed class AllocationProbe(int capacity) : ICallback
    {
        public readonly long[] Allocated = new long[capacity];
        public int Count;

        void ICallback.OnBatchEnd(FitContext context, int batch, double loss)
        {
            if (Count < Allocated.Length) Allocated[Count++] = GC.GetAllocatedBytesForCurrentThread();
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ABatchAllocatesNothing(bool shuffle)
    {
        // Between the ends of two batches of one epoch: gather, schedule, TrainStep, the finiteness check, clipping, the
        // optimizer's step and the callbacks. Per-epoch work (logs, validation) allocates; a batch must not.
        Dataset data = TrainingData.Classes(400, seed: 3);
        var net = new SmallNet(seed: 1);
        var probe = new AllocationProbe(40);
        net.Fit(new Adam<float>(net, 0.01), data, new FitOptions
        {
            Epochs = 1,
            BatchSize = 10,
            Shuffle = shuffle,
            Schedule = Schedules.InverseTime(0.01, 0.1),
            ClipNorm = 1,
            ClipValue = 0.5,
            Verbose = Verbosity.Silent,
            Callbacks = [new LambdaCallback(onBatchEnd: (_, _, _) => { }), probe],
        });
        Assert.Equal(40, probe.Count);
        for (int i = 2; i < probe.Count; i++)
            Assert.True(probe.Allocated[i] == probe.Allocated[i - 1], $"batch {i + 1} allocated {probe.Allocated[i] - probe.Allocated[i - 1]} bytes");
    }

    [Fact]
    public void BadArgumentsAreNamed()
    {
        var net = new SmallNet();
        var other = new SmallNet();
        Dataset data = TrainingData.Classes(10, seed: 1);
        var sgd = new Sgd<float>(net, 0.1);
        Assert.Contains("different model", Assert.Throws<ArgumentException>(() => net.Fit(new Sgd<float>(other, 0.1), data)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => net.Fit(sgd, data, new FitOptions { BatchSize = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => net.Fit(sgd, data, new FitOptions { Epochs = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => net.Fit(sgd, data, new FitOptions { ValidationSplit = 1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => net.Fit(sgd, data, new FitOptions { ClipNorm = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => net.Fit(sgd, data, new FitOptions { ClipValue = double.NaN }));
        var e = Assert.Throws<ArgumentException>(() => net.Fit(sgd, new Dataset([1, 2, 3, 4], [2], 4)));
        Assert.Contains("Label of sample 0 must be a class in [0, 2), found 2", e.Message);
        e = Assert.Throws<ArgumentException>(() => net.Fit(sgd, new Dataset([1, 2, 3, 4], [1, 0, 0], 4, 3)));
        Assert.Contains("The model has 2 outputs per sample, the data has 3 target values per sample", e.Message);
        e = Assert.Throws<ArgumentException>(() => new Dataset([1, 2, 3], [0.5f, 1], 2, 1));
        Assert.Contains("Expected 2 x 2 = 4 input values for 2 samples, found 3", e.Message);
        Assert.Equal(0, sgd.Iterations); // nothing ran
    }
}
