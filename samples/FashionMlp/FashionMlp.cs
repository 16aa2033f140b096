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
    {
        string? data = null;
        int epochs = 20, seed = 0;
        int? limit = null;
        try
        {
            for (int i = 0; i < args.Length; i += 2)
            {
                string value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value.");
                switch (args[i])
                {
                    case "--data": data = value; break;
                    case "--epochs": epochs = Positive(value, "--epochs"); break;
                    case "--limit": limit = Positive(value, "--limit"); break;
                    case "--seed": seed = int.Parse(value, CultureInfo.InvariantCulture); break;
                    default: throw new ArgumentException($"Unknown argument '{args[i]}'.");
                }
            }
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine("Usage: FashionMlp [--data DIR (MNIST-format folder)] [--epochs 20] [--limit N (training images)] [--seed 0]");
            return 2;
        }
        Console.WriteLine(FashionMlp.Summary);
        try
        {
            Run(data, epochs, limit, seed, Console.Out);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine(e.Message);
            return 1;
        }
        return 0;
    }

    private static int Positive(string text, string option)
        => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v > 0
            ? v
            : throw new ArgumentException($"{option} expects a positive integer, found '{text}'.");
}
