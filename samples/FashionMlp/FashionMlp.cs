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
/// <param name="History">The per-epoch figures (validated on the test set, as the seed does).</param>
/// <param name="TestLoss">Cross-entropy on the test set.</param>
/// <param name="TestAccuracy">Accuracy on the test set.</param>
/// <param name="Seconds">Total training time, validation included.</param>
/// <param name="Data">Which data was used.</param>
/// <param name="SvgPath">Where the loss and accuracy curves were written.</param>
public sealed record FashionMlpResult(History History, double TestLoss, double TestAccuracy, double Seconds, string Data, string SvgPath);

/// <summary>Seed 003: the MLP trained with Adam (PyTorch's defaults), batch 200, and the total training time.</summary>
public static class FashionMlpSample
{
    /// <summary>Runs the recipe; arguments as <c>FashionCnnSample.Run</c>. The curves go to <c>fashion_mlp.svg</c>.</summary>
    public static FashionMlpResult Run(string? dataDirectory, int epochs, int? trainLimit, int seed, string outputDirectory, TextWriter? log)
    {
        TextWriter output = log ?? Console.Out;
        FashionMnistLocation location = FashionMnist.Locate(dataDirectory);
        Dataset train = location.LoadTrain(trainLimit), test = location.LoadTest();
        output.WriteLine($"Data: {location.Description}; training on {train.Count} images, testing on {test.Count}.");

        var net = new FashionMlp(seed);
        var adam = new Adam<float>(net, learningRate: 1e-3);
        long started = Stopwatch.GetTimestamp();
        History history = net.Fit(adam, train, new FitOptions
        {
            Epochs = epochs,
            BatchSize = 200,
            Shuffle = true,
            Seed = seed,
            ValidationData = test,
            Log = log,
        });
        double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        Evaluation result = net.Evaluate(test);
        output.WriteLine(string.Format(CultureInfo.InvariantCulture, "Training time: {0:F1}s for {1} epochs - test loss: {2:F4} - test accuracy: {3:F4}", seconds, epochs, result.Loss, result.Accuracy));
        string svg = Path.Combine(outputDirectory, "fashion_mlp.svg");
        if (history.Count > 0)
        {
            history.SaveSvg(svg, string.Format(CultureInfo.InvariantCulture, "FashionMlp (seed {0}): test accuracy {1:F4}", seed, result.Accuracy));
            output.WriteLine($"Wrote {svg}");
        }
        return new FashionMlpResult(history, result.Loss, result.Accuracy, seconds, location.Description, svg);
    }

    public static int Main(string[] args)
        => Shared.FashionCommandLine.Run(args, "FashionMlp", defaultEpochs: 20, FashionMlp.Summary, (data, epochs, limit, seed, output, log) => Run(data, epochs, limit, seed, output, log));
}
