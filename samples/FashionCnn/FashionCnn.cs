using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using Dsl;
using Dsl.Runtime;
using Dsl.Runtime.Data;

namespace Samples.FashionCnn;

/// <summary>Seed 000's convolutional network (its Keras model, as DESIGN section 1 declares it; its Dense layers use
/// Keras 1's <c>init='normal'</c>, N(0, 0.05), as the seed does).</summary>
[Input(1, 28, 28)]
[Conv(4, 5, Act.Tanh)]
[Conv(8, 3, Act.Tanh)]
[MaxPool(2)]
[Conv(16, 3, Act.ReLU)]
[MaxPool(2)]
[Flatten]
[Dense(128, Act.Tanh, Init = Init.Normal)]
[Dense(10, Act.Softmax, Init = Init.Normal)]
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
        => Shared.FashionCommandLine.Run(args, "FashionCnn", defaultEpochs: 10, FashionCnn.Summary, (data, epochs, limit, seed, log) => Run(data, epochs, limit, seed, log));
}
