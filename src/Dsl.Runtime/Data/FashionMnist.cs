using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace Dsl.Runtime.Data;

/// <summary>Where <see cref="FashionMnist.Locate(string?)"/> found the data.</summary>
public enum FashionMnistSource
{
    /// <summary>The directory the caller passed.</summary>
    Explicit,

    /// <summary>The full set of Debian's <c>dataset-fashion-mnist</c> package, in <see cref="FashionMnist.SystemDirectory"/>.</summary>
    System,

    /// <summary>The repository's subset, <c>data/fashion-mnist-subset</c> (first 5000 training and 1000 test samples).</summary>
    ShippedSubset,
}

/// <summary>A folder holding the four Fashion-MNIST files, and which one it is.</summary>
/// <param name="Directory">The folder, holding <c>train-</c> and <c>t10k-</c> images and labels (raw or gzip).</param>
/// <param name="Source">How it was chosen.</param>
/// <param name="Description">For logs, e.g. <c>full Fashion-MNIST (60000 train / 10000 test)</c>; the counts are read from the files' headers.</param>
public sealed record FashionMnistLocation(string Directory, FashionMnistSource Source, string Description)
{
    /// <summary>The training set (<c>train-*</c>), optionally only its first <paramref name="limit"/> samples.</summary>
    public Dataset LoadTrain(int? limit = null) => MnistFormat.Load(Directory, "train", limit);

    /// <summary>The test set (<c>t10k-*</c>), optionally only its first <paramref name="limit"/> samples.</summary>
    public Dataset LoadTest(int? limit = null) => MnistFormat.Load(Directory, "t10k", limit);
}

/// <summary>
/// Fashion-MNIST (Zalando, MIT licence): 28 x 28 grey images of clothing in 10 classes, 60000 for training and 10000 for
/// testing, in MNIST's IDX format. Read with <see cref="MnistFormat.Load"/>; find with <see cref="Locate(string?)"/>.
/// </summary>
public static class FashionMnist
{
    /// <summary>Where Debian's <c>dataset-fashion-mnist</c> package installs the full set.</summary>
    public const string SystemDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>The shipped subset's folder, relative to the repository root.</summary>
    public const string SubsetDirectory = "data/fashion-mnist-subset";

    /// <summary>The class of each label 0 to 9.</summary>
    public static IReadOnlyList<string> ClassNames { get; } = Array.AsReadOnly(
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]);

    private static readonly string[] Prefixes = ["train", "t10k"];

    /// <summary>
    /// The folder to load Fashion-MNIST from: <paramref name="explicitDirectory"/> if given (it must hold the four files);
    /// else <see cref="SystemDirectory"/> if it holds them (<c>apt-get install dataset-fashion-mnist</c>); else the
    /// repository's <see cref="SubsetDirectory"/>, found in the nearest folder above <see cref="AppContext.BaseDirectory"/>
    /// that has it. Only the headers are read here (for the counts in the description); loading checks the files whole.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException"><paramref name="explicitDirectory"/> does not exist, or nothing was found.</exception>
    /// <exception cref="FileNotFoundException"><paramref name="explicitDirectory"/> lacks one of the four files.</exception>
    /// <exception cref="InvalidDataException">A header of the chosen folder's files is invalid.</exception>
    public static FashionMnistLocation Locate(string? explicitDirectory = null)
        => Locate(explicitDirectory, SystemDirectory, AppContext.BaseDirectory);

    /// <summary><see cref="Locate(string?)"/> with the system folder and the start of the upward search given, for tests.</summary>
    internal static FashionMnistLocation Locate(string? explicitDirectory, string systemDirectory, string searchFrom)
    {
        if (explicitDirectory is not null)
        {
            string full = Path.GetFullPath(explicitDirectory);
            if (!System.IO.Directory.Exists(full)) throw new DirectoryNotFoundException($"Fashion-MNIST directory not found: {full}");
            string[] missing = FileNames().Where(name => !MnistFormat.HasFile(full, name)).ToArray();
            if (missing.Length > 0)
                throw new FileNotFoundException($"Fashion-MNIST directory {full} lacks {string.Join(", ", missing.Select(m => m + "[.gz]"))}.",
                    Path.Combine(full, missing[0]));
            return Describe(full, FashionMnistSource.Explicit, "Fashion-MNIST-format files in " + full);
        }
        if (HasAllFiles(systemDirectory))
            return Describe(systemDirectory, FashionMnistSource.System, "full Fashion-MNIST");
        for (var dir = new DirectoryInfo(searchFrom); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, SubsetDirectory.Replace('/', Path.DirectorySeparatorChar));
            if (HasAllFiles(candidate))
                return Describe(candidate, FashionMnistSource.ShippedSubset, "shipped subset");
        }
        throw new DirectoryNotFoundException(
            $"Fashion-MNIST not found: {systemDirectory} does not hold the four files (apt-get install dataset-fashion-mnist), " +
            $"and no folder above {searchFrom} contains {SubsetDirectory}; pass the directory explicitly.");
    }

    private static IEnumerable<string> FileNames()
        => Prefixes.SelectMany(p => new[] { MnistFormat.ImagesFileName(p), MnistFormat.LabelsFileName(p) });

    private static bool HasAllFiles(string directory)
        => System.IO.Directory.Exists(directory) && FileNames().All(name => MnistFormat.HasFile(directory, name));

    private static FashionMnistLocation Describe(string directory, FashionMnistSource source, string what)
    {
        int train = Idx.ReadShape(MnistFormat.FindFile(directory, MnistFormat.ImagesFileName("train")), Idx.ImagesMagic)[0];
        int test = Idx.ReadShape(MnistFormat.FindFile(directory, MnistFormat.ImagesFileName("t10k")), Idx.ImagesMagic)[0];
        return new FashionMnistLocation(directory, source, $"{what} ({train} train / {test} test)");
    }
}
