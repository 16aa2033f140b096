using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Dsl.Runtime;
using Dsl.Runtime.Plotting;

namespace Samples.Moons;

/// <summary>What one network of the Moons sample ends with.</summary>
/// <param name="Hidden">Hidden units.</param>
/// <param name="Losses">Loss before pass 0, 1000, 2000, ... and after the last pass.</param>
/// <param name="FinalLoss">Loss after the last pass.</param>
/// <param name="Accuracy">Fraction of the 200 points classified correctly.</param>
/// <param name="SvgPath">Where the decision boundary was written.</param>
public sealed record MoonsResult(int Hidden, IReadOnlyList<double> Losses, double FinalLoss, double Accuracy, string SvgPath);

/// <summary>
/// Seed 002: make_moons(200, noise 0.2), a 2-H-2 tanh/softmax network, full-batch gradient descent for 20000 passes,
/// loss printed every 1000, and the decision boundary as an SVG picture.
/// </summary>
public static class MoonsSample
{
    /// <summary>The L2 penalty of the tutorial's λ = 0.01 on a loss averaged over its 200 samples: λ / (2·200).</summary>
    public const double L2 = 0.01 / (2 * 200);

    /// <summary>The tutorial's step ε = 0.01 on the summed gradient, as a rate on the batch-mean gradient: ε·200.</summary>
    public const double LearningRate = 0.01 * 200;

    /// <summary>Hidden sizes the sample has a network class for.</summary>
    public static readonly IReadOnlyDictionary<int, Func<int, ITrainable<float>>> Networks = new Dictionary<int, Func<int, ITrainable<float>>>
    {
        [1] = seed => new MoonsNetH1(seed),
        [2] = seed => new MoonsNetH2(seed),
        [3] = seed => new MoonsNet(seed),
        [4] = seed => new MoonsNetH4(seed),
        [5] = seed => new MoonsNetH5(seed),
        [20] = seed => new MoonsNetH20(seed),
        [50] = seed => new MoonsNetH50(seed),
    };

    public static MoonsResult Run(int hidden, int passes, int seed, string outputDirectory, TextWriter log)
    {
        if (!Networks.TryGetValue(hidden, out var create))
            throw new ArgumentOutOfRangeException(nameof(hidden), hidden, $"No network with {hidden} hidden units; available: {string.Join(", ", Networks.Keys)}.");
        Dataset data = Datasets.Moons(200, noise: 0.2, seed: 0);
        ITrainable<float> net = create(seed);
        var sgd = new Sgd<float>(net, LearningRate);
        var losses = new List<double>();
        log.WriteLine($"2-{hidden}-2 network, {net.ParameterCount} parameters, {passes} full-batch passes:");
        // One epoch = one full-batch pass (no shuffling); an epoch's loss is the loss before its step.
        net.Fit(sgd, data, new FitOptions
        {
            Epochs = passes,
            BatchSize = data.Count,
            Shuffle = false,
            Accuracy = false,
            Verbose = Verbosity.Silent,
            Callbacks =
            [
                new LambdaCallback(onEpochEnd: (_, epoch, logs) =>
                {
                    int pass = epoch - 1;
                    if (pass % 1000 != 0) return;
                    losses.Add(logs["loss"]);
                    log.WriteLine(string.Format(CultureInfo.InvariantCulture, "Loss after iteration {0}: {1:F6}", pass, logs["loss"]));
                }),
            ],
        });
        // The loss after the last pass, as TrainStep computes it (with the L2 penalty, like the logged losses).
        double loss = net.TrainStep(data.Inputs, data.Labels);
        losses.Add(loss);
        double accuracy = net.Evaluate(data).Accuracy;
        log.WriteLine(string.Format(CultureInfo.InvariantCulture, "Final loss after {0} passes: {1:F6}, training accuracy {2:P1}", passes, loss, accuracy));

        Svg picture = DecisionBoundary.Draw((points, classes) => Classify(net, points, classes), data,
            string.Format(CultureInfo.InvariantCulture, "Decision boundary, hidden layer size {0} (loss {1:F4})", hidden, loss));
        string path = Path.Combine(outputDirectory, $"moons_h{hidden}.svg");
        picture.Save(path);
        log.WriteLine($"Wrote {path}");
        return new MoonsResult(hidden, losses, loss, accuracy, path);
    }

    private static void Classify(IModel<float> net, float[] points, int[] classes)
    {
        float[] probabilities = net.Predict(points);
        for (int i = 0; i < classes.Length; i++)
            classes[i] = probabilities[2 * i + 1] > probabilities[2 * i] ? 1 : 0;
    }

    public static int Main(string[] args)
    {
        var hidden = new List<int> { 3 };
        int passes = 20000, seed = 0;
        string output = "out";
        try
        {
            for (int i = 0; i < args.Length; i++)
            {
                string value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value.");
                switch (args[i])
                {
                    case "--hidden": hidden = value.Split(',').Select(v => ParseInt(v.Trim(), "--hidden")).ToList(); break;
                    case "--passes": passes = ParseInt(value, "--passes"); break;
                    case "--seed": seed = ParseInt(value, "--seed"); break;
                    case "--out": output = value; break;
                    default: throw new ArgumentException($"Unknown argument '{args[i]}'.");
                }
                i++;
            }
            foreach (int h in hidden)
                if (!Networks.ContainsKey(h)) throw new ArgumentException($"--hidden {h}: no network of that size; available: {string.Join(", ", Networks.Keys)}.");
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine("Usage: Moons [--hidden 3 | 1,2,3,4,5,20,50] [--passes 20000] [--seed 0] [--out DIR (default ./out)]");
            return 2;
        }
        Console.WriteLine(MoonsNet.Summary);
        foreach (int h in hidden)
        {
            Run(h, passes, seed, output, Console.Out);
            Console.WriteLine();
        }
        return 0;
    }

    private static int ParseInt(string text, string option)
        => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v >= 0
            ? v
            : throw new ArgumentException($"{option} expects a non-negative integer, found '{text}'.");
}
