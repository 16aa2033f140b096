using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Dsl.Runtime;
using Dsl.Runtime.Data;
using Dsl.Runtime.Plotting;

namespace Samples.Optimizers;

/// <summary>Settings shared by the comparison samples (Optimizers, Activations); every property has its default.</summary>
public sealed record ComparisonOptions
{
    /// <summary>An MNIST-format folder; null for <see cref="FashionMnist.Locate(string?)"/>'s choice (the full set when installed, else the shipped subset).</summary>
    public string? DataDirectory { get; init; }

    /// <summary>Epochs per configuration. Default 20, as seed 003.</summary>
    public int Epochs { get; init; } = 20;

    /// <summary>
    /// Training images: the first this many. Default 5000, which is the whole shipped subset and, because the subset is
    /// the first 5000 images of Fashion-MNIST, the same images when the full set is installed. Null for all.
    /// </summary>
    public int? TrainLimit { get; init; } = 5000;

    /// <summary>Test images: the first this many. Default 1000 (the shipped subset's test set); null for all.</summary>
    public int? TestLimit { get; init; } = 1000;

    /// <summary>Samples per step. Default 200, as seed 003.</summary>
    public int BatchSize { get; init; } = 200;

    /// <summary>Seed of every configuration's initial weights and of the shuffling: the same for all. Default 0.</summary>
    public int Seed { get; init; }

    /// <summary>Folder of the picture. Default <c>out</c>.</summary>
    public string OutputDirectory { get; init; } = "out";
}

/// <summary>One configuration of a comparison.</summary>
/// <param name="Name">Its short name (table row, legend).</param>
/// <param name="Settings">Its hyper-parameters, as printed.</param>
/// <param name="Create">Makes the model from the seed and its optimizer.</param>
public sealed record Contender(string Name, string Settings, Func<int, (ITrainable<float> Model, Optimizer<float> Optimizer)> Create);

/// <summary>How one configuration did.</summary>
/// <param name="Name">The configuration's name.</param>
/// <param name="Settings">Its hyper-parameters.</param>
/// <param name="History">Per-epoch figures; validation = the test images.</param>
/// <param name="FinalLoss">Training loss of the last epoch (mean of its batch losses, as Keras).</param>
/// <param name="TrainAccuracy">Accuracy on the training images after the last epoch.</param>
/// <param name="TestLoss">Loss on the test images after the last epoch.</param>
/// <param name="TestAccuracy">Accuracy on the test images after the last epoch.</param>
/// <param name="Seconds">Wall-clock time of the training, the per-epoch evaluations included.</param>
public sealed record ComparisonRow(string Name, string Settings, History History, double FinalLoss, double TrainAccuracy, double TestLoss, double TestAccuracy, double Seconds);

/// <summary>What a comparison ends with.</summary>
/// <param name="Rows">One per configuration, in order.</param>
/// <param name="Data">Which data was used.</param>
/// <param name="SvgPath">Where the curves were written.</param>
public sealed record ComparisonResult(IReadOnlyList<ComparisonRow> Rows, string Data, string SvgPath);

/// <summary>
/// Trains several configurations on the same Fashion-MNIST images, from the same seed, for the same epochs, and reports
/// a table and one picture of their curves. The Optimizers and Activations samples are two uses of it.
/// </summary>
public static class Comparison
{
    private static readonly string[] Colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"];

    /// <summary>
    /// Trains every contender with <c>Fit</c> (shuffled batches, the options' seed, the test images as validation data),
    /// prints one line per contender as it finishes, then the table, and writes <paramref name="svgName"/> with the training
    /// loss and the test accuracy of every contender against the epoch.
    /// </summary>
    /// <param name="title">What is compared, for the table's heading and the picture's title.</param>
    /// <param name="contenders">The configurations.</param>
    /// <param name="options">Data, epochs, batch size, seed, output folder.</param>
    /// <param name="svgName">File name of the picture in the output folder.</param>
    /// <param name="log">Where the lines and the table go.</param>
    public static ComparisonResult Run(string title, IReadOnlyList<Contender> contenders, ComparisonOptions options, string svgName, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(contenders);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        if (contenders.Count == 0) throw new ArgumentException("Expected at least one configuration to compare, found none.", nameof(contenders));
        if (options.Epochs < 1) throw new ArgumentOutOfRangeException(nameof(options), options.Epochs, "Expected at least one epoch.");
        if (options.BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(options), options.BatchSize, "Expected a positive batch size.");

        FashionMnistLocation location = FashionMnist.Locate(options.DataDirectory);
        Dataset train = location.LoadTrain(options.TrainLimit), test = location.LoadTest(options.TestLimit);
        string data = $"{location.Description}; the first {train.Count} training and {test.Count} test images";
        log.WriteLine($"{title}: {options.Epochs} epochs, batch {options.BatchSize}, seed {options.Seed}.");
        log.WriteLine($"Data: {data}.");

        var rows = new List<ComparisonRow>();
        foreach (Contender c in contenders)
        {
            var (model, optimizer) = c.Create(options.Seed);
            long started = Stopwatch.GetTimestamp();
            History history = model.Fit(optimizer, train, new FitOptions
            {
                Epochs = options.Epochs,
                BatchSize = options.BatchSize,
                Shuffle = true,
                Seed = options.Seed,
                ValidationData = test,
                Verbose = Verbosity.Silent,
            });
            double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            var row = history.Count == 0
                ? new ComparisonRow(c.Name, c.Settings, history, double.NaN, double.NaN, double.NaN, double.NaN, seconds)
                : new ComparisonRow(c.Name, c.Settings, history, history.Loss[^1], history.Accuracy[^1], history.ValidationLoss[^1], history.ValidationAccuracy[^1], seconds);
            rows.Add(row);
            log.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0,-22} {1} epochs in {2:F1}s: loss {3:F4} -> {4:F4}, test accuracy {5:F4}{6}",
                c.Name, history.Count, seconds, history.Count > 0 ? history.Loss[0] : double.NaN, row.FinalLoss, row.TestAccuracy,
                history.StopReason is null ? "" : " (" + history.StopReason + ")"));
        }

        log.WriteLine();
        string[] header = ["configuration", "settings", "final loss", "train acc", "test loss", "test acc", "time"];
        WriteTable(log, header, rows.Select(r => new[]
        {
            r.Name, r.Settings, F(r.FinalLoss), F(r.TrainAccuracy), F(r.TestLoss), F(r.TestAccuracy),
            r.Seconds.ToString("F1", CultureInfo.InvariantCulture) + " s",
        }).ToList());

        string path = Path.Combine(options.OutputDirectory, svgName);
        Draw(title, rows, data, options).Save(path);
        log.WriteLine($"Wrote {path}");
        return new ComparisonResult(rows, data, path);
    }

    private static string F(double v) => v.ToString("F4", CultureInfo.InvariantCulture);

    private static Svg Draw(string title, List<ComparisonRow> rows, string data, ComparisonOptions options)
    {
        // One legend, to the right of both panels, so that it never hides a curve.
        var loss = new LinePlot("Training loss", "epoch", "loss") { ShowLegend = false };
        var accuracy = new LinePlot("Test accuracy", "epoch", "accuracy") { ShowLegend = false };
        for (int i = 0; i < rows.Count; i++)
        {
            History h = rows[i].History;
            double[] epochs = h.Epoch.Select(e => (double)e).ToArray();
            string color = Colors[i % Colors.Length], dash = i < Colors.Length ? "" : "6 3";
            loss.Add(rows[i].Name, epochs, h.Loss, color, dash.Length == 0 ? null : dash);
            accuracy.Add(rows[i].Name, epochs, h.ValidationAccuracy, color, dash.Length == 0 ? null : dash);
        }
        const int panel = 460, height = 380, top = 48, legend = 190;
        var svg = new Svg(2 * panel + legend, height + top);
        svg.Rect(0, 0, svg.Width, svg.Height, "#ffffff");
        svg.Text(svg.Width / 2.0, 20, title, 15, "middle");
        svg.Text(svg.Width / 2.0, 39, string.Format(CultureInfo.InvariantCulture, "{0}; batch {1}, seed {2}", data, options.BatchSize, options.Seed), 11, "middle");
        loss.Draw(svg, 0, top, panel, height);
        accuracy.Draw(svg, panel, top, panel, height);
        double y = top + 44;
        for (int i = 0; i < rows.Count; i++, y += 20)
        {
            string color = Colors[i % Colors.Length];
            svg.Line(2 * panel + 4, y - 4, 2 * panel + 30, y - 4, color, 2.5, i < Colors.Length ? null : "6 3");
            svg.Text(2 * panel + 36, y, rows[i].Name, 12);
        }
        return svg;
    }

    private static void WriteTable(TextWriter log, string[] header, List<string[]> rows)
    {
        int[] widths = header.Select((h, c) => Math.Max(h.Length, rows.Max(r => r[c].Length))).ToArray();
        // Text columns left-aligned, figures right-aligned.
        string Line(string[] cells) => string.Join("  ", cells.Select((s, c) => c < 2 ? s.PadRight(widths[c]) : s.PadLeft(widths[c]))).TrimEnd();
        log.WriteLine(Line(header));
        log.WriteLine(string.Join("  ", widths.Select(w => new string('-', w))));
        foreach (string[] r in rows) log.WriteLine(Line(r));
    }

    /// <summary>
    /// Parses <c>--data DIR --epochs N --limit N --test-limit N --batch N --seed N --out DIR</c> (<c>--limit all</c>,
    /// <c>--test-limit all</c> for every image), prints <paramref name="summary"/> and runs; returns the exit code.
    /// </summary>
    public static int RunCommandLine(string[] args, string name, string summary, Func<ComparisonOptions, TextWriter, ComparisonResult> run)
    {
        var options = new ComparisonOptions();
        try
        {
            for (int i = 0; i < args.Length; i += 2)
            {
                string value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value.");
                options = args[i] switch
                {
                    "--data" => options with { DataDirectory = value },
                    "--epochs" => options with { Epochs = Positive(value, "--epochs") },
                    "--limit" => options with { TrainLimit = value == "all" ? null : Positive(value, "--limit") },
                    "--test-limit" => options with { TestLimit = value == "all" ? null : Positive(value, "--test-limit") },
                    "--batch" => options with { BatchSize = Positive(value, "--batch") },
                    "--seed" => options with { Seed = int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int s) ? s : throw new ArgumentException($"--seed expects an integer, found '{value}'.") },
                    "--out" => options with { OutputDirectory = value },
                    _ => throw new ArgumentException($"Unknown argument '{args[i]}'."),
                };
            }
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine($"Usage: {name} [--data DIR (MNIST-format folder)] [--epochs 20] [--limit 5000|all (training images)] [--test-limit 1000|all] [--batch 200] [--seed 0] [--out DIR (default ./out)]");
            return 2;
        }
        Console.WriteLine(summary);
        try
        {
            run(options, Console.Out);
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
            : throw new ArgumentException($"{option} expects a positive integer (or 'all' for the limits), found '{text}'.");
}
