using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using Dsl;
using Dsl.Runtime;
using Dsl.Runtime.Data;

namespace Samples.FashionCnn;

/// <summary>Seed 000's convolutional network (its Keras model, as DESIGN section 1 declares it).</summary>
[Input(1, 28, 28)]
[Conv(4, 5, Act.Tanh)]
[Conv(8, 3, Act.Tanh)]
[MaxPool(2)]
[Conv(16, 3, Act.ReLU)]
[MaxPool(2)]
[Flatten]
[Dense(128, Act.Tanh)]
[Dense(10, Act.Softmax)]
[Loss(Loss.CrossEntropy)]
public partial class FashionCnn;

/// <summary>What a run ends with.</summary>
public sealed record FashionCnnResult(ClassificationHistory History, double TestLoss, double TestAccuracy, double Seconds, string Data);

/// <summary>
/// Seed 000's recipe: SGD with learning rate 0.05, momentum 0.9, Nesterov, Keras' decay 1e-6 per step, batch 100,
/// 10 epochs, shuffled, 20% of the training data held out for validation; then the accuracy on the test set.
/// </summary>
public static class FashionCnnSample
{
    public static FashionCnnResult Run(string? dataDirectory, int epochs, int? trainLimit, int seed, TextWriter log)
    {
        FashionMnistLocation location = FashionMnist.Locate(dataDirectory);
        Dataset train = location.LoadTrain(trainLimit), test = location.LoadTest();
        log.WriteLine($"Data: {location.Description}; training on {train.Count} images ({train.Count * 4 / 5} + {train.Count - train.Count * 4 / 5} for validation), testing on {test.Count}.");

        var net = new FashionCnn(seed);
        var sgd = new Sgd<float>(net, learningRate: 0.05, momentum: 0.9, nesterov: true);
        long started = Stopwatch.GetTimestamp();
        ClassificationHistory history = Classification.Fit(net, sgd, train, new FitOptions
        {
            Epochs = epochs,
            BatchSize = 100,
            Shuffle = true,
            Seed = seed,
            ValidationSplit = 0.2,
            Schedule = Schedules.InverseTime(0.05, decay: 1e-6),
            Log = log,
        });
        double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var (testLoss, testAccuracy) = Classification.Evaluate(net, test);
        log.WriteLine(string.Format(CultureInfo.InvariantCulture, "Test loss: {0:F4} - test accuracy: {1:F4} ({2:F1}s in all)", testLoss, testAccuracy, seconds));
        return new FashionCnnResult(history, testLoss, testAccuracy, seconds, location.Description);
    }

    public static int Main(string[] args)
    {
        string? data = null;
        int epochs = 10, seed = 0;
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
            Console.Error.WriteLine("Usage: FashionCnn [--data DIR (MNIST-format folder)] [--epochs 10] [--limit N (training images)] [--seed 0]");
            return 2;
        }
        Console.WriteLine(FashionCnn.Summary);
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
