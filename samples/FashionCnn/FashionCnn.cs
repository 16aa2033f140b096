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
/// <param name="History">The per-epoch figures.</param>
/// <param name="TestLoss">Cross-entropy on the test set.</param>
/// <param name="TestAccuracy">Accuracy on the test set.</param>
/// <param name="Seconds">Wall-clock time of training, validation included.</param>
/// <param name="Data">Which data was used.</param>
/// <param name="SvgPath">Where the loss and accuracy curves were written.</param>
public sealed record FashionCnnResult(History History, double TestLoss, double TestAccuracy, double Seconds, string Data, string SvgPath);

/// <summary>
/// Seed 000's recipe: SGD with learning rate 0.05, momentum 0.9, Nesterov, Keras' decay 1e-6 per step, batch 100,
/// 10 epochs, shuffled, 20% of the training data held out for validation; then the accuracy on the test set, and the
/// training curves as <c>fashion_cnn.svg</c> in the output folder.
/// </summary>
public static class FashionCnnSample
{
    /// <summary>Runs the recipe.</summary>
    /// <param name="dataDirectory">An MNIST-format folder, or null to find Fashion-MNIST (see <see cref="FashionMnist.Locate"/>).</param>
    /// <param name="epochs">Epochs to train.</param>
    /// <param name="trainLimit">Training images to use (before the validation split); null for all.</param>
    /// <param name="seed">Seed of the weights and of the shuffling.</param>
    /// <param name="outputDirectory">Folder for the SVG of the training curves.</param>
    /// <param name="log">Where to write; null for the console, with a live progress bar on a terminal.</param>
    public static FashionCnnResult Run(string? dataDirectory, int epochs, int? trainLimit, int seed, string outputDirectory, TextWriter? log)
    {
        TextWriter output = log ?? Console.Out;
        FashionMnistLocation location = FashionMnist.Locate(dataDirectory);
        Dataset train = location.LoadTrain(trainLimit), test = location.LoadTest();
        output.WriteLine($"Data: {location.Description}; training on {train.Count} images ({train.Count * 4 / 5} + {train.Count - train.Count * 4 / 5} for validation), testing on {test.Count}.");

        var net = new FashionCnn(seed);
        var sgd = new Sgd<float>(net, learningRate: 0.05, momentum: 0.9, nesterov: true);
        long started = Stopwatch.GetTimestamp();
        History history = net.Fit(sgd, train, new FitOptions
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
        Evaluation result = net.Evaluate(test);
        output.WriteLine(string.Format(CultureInfo.InvariantCulture, "Test loss: {0:F4} - test accuracy: {1:F4} ({2:F1}s in all)", result.Loss, result.Accuracy, seconds));
        string svg = Path.Combine(outputDirectory, "fashion_cnn.svg");
        if (history.Count > 0)
        {
            history.SaveSvg(svg, string.Format(CultureInfo.InvariantCulture, "FashionCnn (seed {0}): test accuracy {1:F4}", seed, result.Accuracy));
            output.WriteLine($"Wrote {svg}");
        }
        return new FashionCnnResult(history, result.Loss, result.Accuracy, seconds, location.Description, svg);
    }

    public static int Main(string[] args)
        => Shared.FashionCommandLine.Run(args, "FashionCnn", defaultEpochs: 10, FashionCnn.Summary, (data, epochs, limit, seed, output, log) => Run(data, epochs, limit, seed, output, log));
}
