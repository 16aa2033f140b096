using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Dsl;
using Dsl.Runtime;
using Dsl.Runtime.Plotting;

namespace Samples.Overfitting;

/// <summary>Seed 003's overfitting network: one input, two hidden layers of 5 softplus units, one linear output, mean squared error.</summary>
[Input(1)]
[Dense(5, Act.Softplus)]
[Dense(5, Act.Softplus)]
[Dense(1)]
[Loss(Loss.MeanSquaredError)]
public partial class OverfitNet;

/// <summary>The settings of a run; every property has the sample's default.</summary>
public sealed record OverfittingOptions
{
    /// <summary>Full-batch epochs (one Adam step each). Default 5000, as the seed.</summary>
    public int Epochs { get; init; } = 5000;

    /// <summary>Training points. Default 12: few, so that 46 parameters can fit their noise.</summary>
    public int TrainCount { get; init; } = 12;

    /// <summary>Test points, drawn the same way. Default 200.</summary>
    public int TestCount { get; init; } = 200;

    /// <summary>Standard deviation σ of the Gaussian noise added to the polynomial. Default 0.5.</summary>
    public double Noise { get; init; } = 0.5;

    /// <summary>Seed of the data (a <see cref="Random"/>) and of the network's initial weights. Default 0.</summary>
    public int Seed { get; init; }

    /// <summary>Adam's learning rate. Default 0.01.</summary>
    public double LearningRate { get; init; } = 0.01;

    /// <summary>Train and test errors are printed every this many epochs. Default 500.</summary>
    public int ReportEvery { get; init; } = 500;

    /// <summary>Folder of the picture. Default <c>out</c>.</summary>
    public string OutputDirectory { get; init; } = "out";
}

/// <summary>One of the two trainings: its error curves and the fitted curve.</summary>
/// <param name="Name">"raw x" or "normalised x".</param>
/// <param name="TrainMse">Mean squared error on the training points after each epoch, <c>[0]</c> before training.</param>
/// <param name="TestMse">The same on the test points.</param>
/// <param name="CurveX">Where the fitted curve was sampled (raw x).</param>
/// <param name="CurveY">The network's output there.</param>
public sealed record OverfittingRun(string Name, double[] TrainMse, double[] TestMse, double[] CurveX, double[] CurveY)
{
    /// <summary>Training error after the last epoch.</summary>
    public double FinalTrainMse => TrainMse[^1];

    /// <summary>Test error after the last epoch.</summary>
    public double FinalTestMse => TestMse[^1];
}

/// <summary>What a run of the sample ends with.</summary>
/// <param name="Raw">The network trained on x as it is.</param>
/// <param name="Normalised">The same network (same initial weights) trained on standardised x.</param>
/// <param name="Train">The training points (raw x).</param>
/// <param name="Test">The test points (raw x).</param>
/// <param name="Mean">Mean of the training x, used to standardise.</param>
/// <param name="Std">Standard deviation of the training x (population), used to standardise.</param>
/// <param name="SvgPath">Where the picture was written.</param>
public sealed record OverfittingResult(OverfittingRun Raw, OverfittingRun Normalised, Dataset Train, Dataset Test, double Mean, double Std, string SvgPath);

/// <summary>
/// Seed 003's overfitting demonstration: a 1-5-5-1 softplus network fits a few noisy points of a cubic for 5000 epochs,
/// once on x as it is (0 to 10) and once on standardised x (<c>(x - mean) / std</c> of the training points), from the
/// same initial weights; the train and test errors show how far each fits the noise instead of the curve.
/// </summary>
/// <remarks>
/// Data: <c>y = 0.1·(x - 1)(x - 5)(x - 9) + ε</c>, <c>ε ~ N(0, σ²)</c>, x uniform on [0, 10], drawn from a
/// <see cref="Random"/> seeded with <see cref="OverfittingOptions.Seed"/> (normal values by Box-Muller). Training:
/// full batch (one Adam step an epoch), no shuffling. The noise alone costs σ² of test error: a test MSE near σ² is as
/// good as any model can do, a training MSE well below σ² means the network has learnt the noise of its points.
/// </remarks>
public static class OverfittingSample
{
    /// <summary>The range of x.</summary>
    public const double Low = 0, High = 10;

    /// <summary>The curve under the noise: <c>0.1·(x - 1)(x - 5)(x - 9)</c>.</summary>
    public static double Polynomial(double x) => 0.1 * (x - 1) * (x - 5) * (x - 9);

    /// <summary><paramref name="count"/> points <c>(x, Polynomial(x) + noise·N(0, 1))</c> with x uniform on [Low, High], as float.</summary>
    public static Dataset Sample(int count, double noise, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "Expected at least one point.");
        var x = new float[count];
        var y = new float[count];
        for (int i = 0; i < count; i++)
        {
            double xi = Low + (High - Low) * random.NextDouble();
            // Box-Muller: a standard normal value from two uniform ones (1 - u keeps the logarithm finite).
            double u1 = 1 - random.NextDouble(), u2 = random.NextDouble();
            double z = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
            x[i] = (float)xi;
            y[i] = (float)(Polynomial(xi) + noise * z);
        }
        return new Dataset(x, y, features: 1, targetSize: 1);
    }

    /// <summary>Generates the data, trains both networks, prints the errors and writes <c>overfitting.svg</c>.</summary>
    public static OverfittingResult Run(OverfittingOptions options, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        if (options.Epochs < 1) throw new ArgumentOutOfRangeException(nameof(options), options.Epochs, "Expected at least one epoch.");
        if (options.ReportEvery < 1) throw new ArgumentOutOfRangeException(nameof(options), options.ReportEvery, "Expected a positive report interval.");
        if (!(options.Noise >= 0) || !double.IsFinite(options.Noise)) throw new ArgumentOutOfRangeException(nameof(options), options.Noise, "Expected a finite noise level >= 0.");
        var random = new Random(options.Seed);
        Dataset train = Sample(options.TrainCount, options.Noise, random);
        Dataset test = Sample(options.TestCount, options.Noise, random);
        double mean = train.Inputs.Average(v => (double)v);
        double std = Math.Sqrt(train.Inputs.Average(v => ((double)v - mean) * ((double)v - mean)));
        if (!(std > 0)) throw new ArgumentException("The training points all have the same x; they cannot be standardised.", nameof(options));

        log.WriteLine(string.Format(CultureInfo.InvariantCulture,
            "y = 0.1 (x - 1)(x - 5)(x - 9) + N(0, {0}^2) on x in [{1}, {2}]: {3} training points, {4} test points (seed {5}).",
            options.Noise, Low, High, train.Count, test.Count, options.Seed));
        log.WriteLine(string.Format(CultureInfo.InvariantCulture,
            "1-5-5-1 softplus network ({0} parameters), MSE, Adam lr {1}, full batch, {2} epochs; normalised: x' = (x - {3:F3}) / {4:F3}.",
            OverfitNet.ParameterCount, options.LearningRate, options.Epochs, mean, std));
        log.WriteLine(string.Format(CultureInfo.InvariantCulture,
            "The noise alone costs sigma^2 = {0:F4} of MSE: a test MSE near it is the best possible; a train MSE far below it is overfitting.", options.Noise * options.Noise));
        log.WriteLine();

        var grid = Enumerable.Range(0, 201).Select(i => Low + (High - Low) * i / 200).ToArray();
        OverfittingRun raw = Train("raw x", train, test, grid, v => v, options);
        OverfittingRun normalised = Train("normalised x", train, test, grid, v => (v - mean) / std, options);

        string[] header = ["epoch", "raw x: train MSE", "test MSE", "normalised x: train MSE", "test MSE"];
        var rows = new List<string[]>();
        for (int e = 0; e <= options.Epochs; e += options.ReportEvery)
            rows.Add(Row(e.ToString(CultureInfo.InvariantCulture), raw, normalised, e));
        if (options.Epochs % options.ReportEvery != 0) rows.Add(Row(options.Epochs.ToString(CultureInfo.InvariantCulture), raw, normalised, options.Epochs));
        WriteTable(log, header, rows);
        log.WriteLine();
        log.WriteLine(string.Format(CultureInfo.InvariantCulture, "Final: raw x train {0:F4} / test {1:F4}; normalised x train {2:F4} / test {3:F4}.",
            raw.FinalTrainMse, raw.FinalTestMse, normalised.FinalTrainMse, normalised.FinalTestMse));

        string path = Path.Combine(options.OutputDirectory, "overfitting.svg");
        Draw(raw, normalised, train, test, options).Save(path);
        log.WriteLine($"Wrote {path}");
        return new OverfittingResult(raw, normalised, train, test, mean, std, path);
    }

    private static string[] Row(string epoch, OverfittingRun raw, OverfittingRun normalised, int e)
        => [epoch, F(raw.TrainMse[e]), F(raw.TestMse[e]), F(normalised.TrainMse[e]), F(normalised.TestMse[e])];

    private static string F(double v) => v.ToString("F4", CultureInfo.InvariantCulture);

    /// <summary>Trains a fresh network (seeded as the options say) on the data with x transformed by <paramref name="transform"/>.</summary>
    private static OverfittingRun Train(string name, Dataset train, Dataset test, double[] grid, Func<double, double> transform, OverfittingOptions options)
    {
        Dataset Transformed(Dataset d) => new(d.Inputs.Select(v => (float)transform(v)).ToArray(), d.Targets, 1, 1);
        Dataset trainX = Transformed(train), testX = Transformed(test);
        var net = new OverfitNet(options.Seed);
        var adam = new Adam<float>(net, options.LearningRate);
        var trainMse = new double[options.Epochs + 1];
        var testMse = new double[options.Epochs + 1];
        trainMse[0] = net.Evaluate(trainX).Loss;
        testMse[0] = net.Evaluate(testX).Loss;
        History history = net.Fit(adam, trainX, new FitOptions
        {
            Epochs = options.Epochs,
            BatchSize = trainX.Count,
            Shuffle = false,
            Accuracy = false,
            ValidationData = testX,
            Verbose = Verbosity.Silent,
            Callbacks = [new LambdaCallback(onEpochEnd: (_, epoch, logs) =>
            {
                trainMse[epoch] = net.Evaluate(trainX).Loss;
                testMse[epoch] = logs["val_loss"];
            })],
        });
        if (history.TerminatedOnNaN) throw new InvalidOperationException($"Training on {name} stopped: {history.StopReason}");
        float[] curve = net.Predict(grid.Select(v => (float)transform(v)).ToArray());
        return new OverfittingRun(name, trainMse, testMse, grid, curve.Select(v => (double)v).ToArray());
    }

    /// <summary>Left: the data, the true curve and both fits. Right: log10 of train and test MSE against the epoch.</summary>
    private static Svg Draw(OverfittingRun raw, OverfittingRun normalised, Dataset train, Dataset test, OverfittingOptions options)
    {
        const string rawColor = "#d62728", normColor = "#1f5fb4";
        var fits = new LinePlot("Data and fits", "x", "y") { IntegerX = false }
            .AddPoints("test points", test.Inputs.Select(v => (double)v).ToArray(), test.Targets.Select(v => (double)v).ToArray(), "#c8c8c8", 2)
            .Add("true curve", raw.CurveX, raw.CurveX.Select(Polynomial).ToArray(), "#555555", "5 4")
            .Add("fit, raw x", raw.CurveX, raw.CurveY, rawColor)
            .Add("fit, normalised x", normalised.CurveX, normalised.CurveY, normColor)
            .AddPoints("training points", train.Inputs.Select(v => (double)v).ToArray(), train.Targets.Select(v => (double)v).ToArray(), "#000000", 3.5);
        double[] epochs = Enumerable.Range(0, options.Epochs + 1).Select(e => (double)e).ToArray();
        var errors = new LinePlot("Error (dashed: test)", "epoch", "log10 MSE")
            .Add("raw x, train", epochs, raw.TrainMse.Select(Math.Log10).ToArray(), rawColor)
            .Add("raw x, test", epochs, raw.TestMse.Select(Math.Log10).ToArray(), rawColor, "6 4")
            .Add("normalised, train", epochs, normalised.TrainMse.Select(Math.Log10).ToArray(), normColor)
            .Add("normalised, test", epochs, normalised.TestMse.Select(Math.Log10).ToArray(), normColor, "6 4")
            .Add("noise: sigma\u00b2", [0, options.Epochs], [Math.Log10(options.Noise * options.Noise), Math.Log10(options.Noise * options.Noise)], "#888888", "2 3");
        const int panel = 460, height = 380, top = 30;
        var svg = new Svg(2 * panel, height + top);
        svg.Rect(0, 0, svg.Width, svg.Height, "#ffffff");
        svg.Text(svg.Width / 2.0, 21, string.Format(CultureInfo.InvariantCulture,
            "1-5-5-1 softplus, {0} epochs: raw x test MSE {1:F3}, normalised x test MSE {2:F3}", options.Epochs, raw.FinalTestMse, normalised.FinalTestMse), 15, "middle");
        fits.Draw(svg, 0, top, panel, height);
        errors.Draw(svg, panel, top, panel, height);
        return svg;
    }

    private static void WriteTable(TextWriter log, string[] header, List<string[]> rows)
    {
        int[] widths = header.Select((h, c) => Math.Max(h.Length, rows.Max(r => r[c].Length))).ToArray();
        log.WriteLine(string.Join("  ", header.Select((s, c) => c == 0 ? s.PadLeft(widths[c]) : s.PadLeft(widths[c]))));
        foreach (string[] r in rows) log.WriteLine(string.Join("  ", r.Select((s, c) => s.PadLeft(widths[c]))));
    }

    /// <summary><c>Overfitting [--epochs 5000] [--train 12] [--noise 0.5] [--lr 0.01] [--seed 0] [--out DIR]</c>.</summary>
    public static int Main(string[] args)
    {
        var options = new OverfittingOptions();
        try
        {
            for (int i = 0; i < args.Length; i += 2)
            {
                string value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value.");
                options = args[i] switch
                {
                    "--epochs" => options with { Epochs = Positive(value, "--epochs") },
                    "--train" => options with { TrainCount = Positive(value, "--train") },
                    "--test" => options with { TestCount = Positive(value, "--test") },
                    "--noise" => options with { Noise = Number(value, "--noise") },
                    "--lr" => options with { LearningRate = Number(value, "--lr") },
                    "--seed" => options with { Seed = int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int s) ? s : throw new ArgumentException($"--seed expects an integer, found '{value}'.") },
                    "--every" => options with { ReportEvery = Positive(value, "--every") },
                    "--out" => options with { OutputDirectory = value },
                    _ => throw new ArgumentException($"Unknown argument '{args[i]}'."),
                };
            }
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine("Usage: Overfitting [--epochs 5000] [--train 12] [--test 200] [--noise 0.5] [--lr 0.01] [--seed 0] [--every 500] [--out DIR (default ./out)]");
            return 2;
        }
        Console.WriteLine(OverfitNet.Summary);
        try
        {
            Run(options, Console.Out);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
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

    private static double Number(string text, string option)
        => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v) && v >= 0
            ? v
            : throw new ArgumentException($"{option} expects a number >= 0, found '{text}'.");
}
