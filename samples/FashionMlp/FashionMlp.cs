using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using Dsl;
using Dsl.Runtime;
using Dsl.Runtime.Data;

namespace Samples.FashionMlp;

/// <summary>Seed 003's network: 784-784-784-10, sigmoid hidden layers, softmax output.</summary>
[Input(784)]
[Dense(784, Act.Sigmoid)]
[Dense(784, Act.Sigmoid)]
[Dense(10, Act.Softmax)]
[Loss(Loss.CrossEntropy)]
public partial class FashionMlp;

/// <summary>What a run ends with.</summary>
public sealed record FashionMlpResult(ClassificationHistory History, double TestLoss, double TestAccuracy, double Seconds, string Data);

/// <summary>Seed 003: the MLP trained with Adam (PyTorch's defaults), batch 200, and the total training time.</summary>
public static class FashionMlpSample
{
    public static FashionMlpResult Run(string? dataDirectory, int epochs, int? trainLimit, int seed, TextWriter log)
    {
        FashionMnistLocation location = FashionMnist.Locate(dataDirectory);
        Dataset train = location.LoadTrain(trainLimit), test = location.LoadTest();
        log.WriteLine($"Data: {location.Description}; training on {train.Count} images, testing on {test.Count}.");

        var net = new FashionMlp(seed);
        var adam = new Adam<float>(net, learningRate: 1e-3);
        long started = Stopwatch.GetTimestamp();
        ClassificationHistory history = Classification.Fit(net, adam, train, new FitOptions
        {
            Epochs = epochs,
            BatchSize = 200,
            Shuffle = true,
            Seed = seed,
            Log = log,
        }, validation: test);
        double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var (testLoss, testAccuracy) = Classification.Evaluate(net, test);
        log.WriteLine(string.Format(CultureInfo.InvariantCulture, "Training time: {0:F1}s for {1} epochs - test loss: {2:F4} - test accuracy: {3:F4}", seconds, epochs, testLoss, testAccuracy));
        return new FashionMlpResult(history, testLoss, testAccuracy, seconds, location.Description);
    }

    public static int Main(string[] args)
        => Shared.FashionCommandLine.Run(args, "FashionMlp", defaultEpochs: 20, FashionMlp.Summary, (data, epochs, limit, seed, log) => Run(data, epochs, limit, seed, log));
}
