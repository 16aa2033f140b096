using System;
using System.Globalization;
using System.IO;
using System.Linq;
using Dsl.Runtime;

namespace Samples.Xor;

/// <summary>What a run of the XOR sample ends with.</summary>
/// <param name="Losses">Batch loss before each iteration.</param>
/// <param name="Predictions">The network's output for each of the four rows after training.</param>
/// <param name="Targets">The four targets.</param>
public sealed record XorResult(float[] Losses, float[] Predictions, float[] Targets);

/// <summary>
/// Seed 000: a two-layer sigmoid network learns XOR by full-batch gradient descent on the sum of squared errors.
/// The tutorial adds the gradient of the loss summed over the 4 rows with rate 1; <c>TrainStep</c> returns the
/// batch mean, whose gradient is a quarter of that, so a rate of 4 takes the same steps.
/// </summary>
public static class XorSample
{
    public static XorResult Run(int iterations, int seed, TextWriter log)
    {
        Dataset data = Datasets.Xor();
        var net = new XorNet(seed);
        var sgd = new Sgd<float>(net, learningRate: 4.0);
        int every = Math.Max(1, iterations / 15);
        // One epoch = one full-batch step (batch 4, no shuffling); the logged loss is the batch loss before the step.
        History history = net.Fit(sgd, data, new FitOptions
        {
            Epochs = iterations,
            BatchSize = data.Count,
            Shuffle = false,
            Accuracy = false,
            Verbose = Verbosity.Silent,
            Callbacks =
            [
                new LambdaCallback(onEpochEnd: (_, epoch, logs) =>
                {
                    int i = epoch - 1;
                    if (i % every == 0 || i == iterations - 1)
                        log.WriteLine(string.Format(CultureInfo.InvariantCulture, "iteration {0,5}  loss {1:F6}", i, logs["loss"]));
                }),
            ],
        });
        float[] losses = history.Loss.Select(l => (float)l).ToArray();
        float[] targets = Array.ConvertAll(data.Labels, l => (float)l);
        float[] predictions = net.Predict(data);
        log.WriteLine();
        log.WriteLine("input      target  prediction");
        for (int s = 0; s < data.Count; s++)
            log.WriteLine(string.Format(CultureInfo.InvariantCulture, "({0}, {1}, {2})  {3}       {4:F4}",
                data.Inputs[3 * s], data.Inputs[3 * s + 1], data.Inputs[3 * s + 2], targets[s], predictions[s]));
        return new XorResult(losses, predictions, targets);
    }

    public static int Main(string[] args)
    {
        int iterations = 1500, seed = 0;
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            string? value = i + 1 < args.Length ? args[i + 1] : null;
            if ((arg == "--iterations" || arg == "--seed") && int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int parsed) && parsed >= 0)
            {
                if (arg == "--iterations") iterations = parsed; else seed = parsed;
                i++;
            }
            else
            {
                Console.Error.WriteLine($"Unknown or invalid argument '{arg}'{(value is null ? "" : $" '{value}'")}.");
                Console.Error.WriteLine("Usage: Xor [--iterations N (default 1500)] [--seed N (default 0)]");
                return 2;
            }
        }
        Console.WriteLine(XorNet.Summary);
        Run(iterations, seed, Console.Out);
        return 0;
    }
}
