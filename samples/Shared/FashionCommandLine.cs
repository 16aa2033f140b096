using System;
using System.Globalization;
using System.IO;

namespace Samples.Shared;

/// <summary>The command line both Fashion-MNIST samples share: <c>--data DIR --epochs N --limit N --seed N --out DIR</c>.</summary>
internal static class FashionCommandLine
{
    /// <summary>Parses the arguments, prints the model summary and runs; returns the process exit code.</summary>
    /// <param name="args">The program's arguments.</param>
    /// <param name="name">The sample's name, for the usage line.</param>
    /// <param name="defaultEpochs">Epochs when <c>--epochs</c> is not given.</param>
    /// <param name="summary">The model's generated summary table.</param>
    /// <param name="run">Runs the sample with data folder, epochs, training-image limit, seed, output folder and log
    /// (null: the console, where <c>Fit</c> shows a live progress bar on a terminal and one line per epoch otherwise).</param>
    public static int Run(string[] args, string name, int defaultEpochs, string summary, Action<string?, int, int?, int, string, TextWriter?> run)
    {
        string? data = null;
        string output = "out";
        int epochs = defaultEpochs, seed = 0;
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
                    case "--out": output = value; break;
                    default: throw new ArgumentException($"Unknown argument '{args[i]}'.");
                }
            }
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine($"Usage: {name} [--data DIR (MNIST-format folder)] [--epochs {defaultEpochs}] [--limit N (training images)] [--seed 0] [--out DIR (default ./out)]");
            return 2;
        }
        Console.WriteLine(summary);
        try
        {
            run(data, epochs, limit, seed, output, null);
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
