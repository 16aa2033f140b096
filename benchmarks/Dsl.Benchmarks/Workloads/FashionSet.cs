using System;
using Dsl.Runtime;
using Dsl.Runtime.Data;

namespace Dsl.Benchmarks.Workloads;

/// <summary>Fashion-MNIST as the workloads W2-W5 use it: where it was found, the training set and the test set.</summary>
/// <param name="Location">Found by <see cref="FashionMnist.Locate(string?)"/>: the full set when Debian's
/// <c>dataset-fashion-mnist</c> is installed, the repository's 5000-image subset otherwise, or the folder given.</param>
/// <param name="Train">The training images, <c>[n, 784]</c> in [0, 1], with their labels.</param>
/// <param name="Test">The test images.</param>
public sealed record FashionSet(FashionMnistLocation Location, Dataset Train, Dataset Test)
{
    /// <summary>Images in the full training set; the peers' scripts accept nothing else.</summary>
    public const int FullTrainCount = 60000;

    /// <summary>Whether this is the full set of 60000 training images (an epoch as the targets count it).</summary>
    public bool IsFull => Train.Count == FullTrainCount;

    /// <summary>Locates and loads the data (all images of both sets).</summary>
    public static FashionSet Load(string? directory = null)
    {
        FashionMnistLocation location = FashionMnist.Locate(directory);
        Dataset train = location.LoadTrain(), test = location.LoadTest();
        if (train.Features != 784)
            throw new InvalidOperationException($"Expected 28 x 28 = 784 pixels per image in {location.Directory}, found {train.Features}.");
        return new FashionSet(location, train, test);
    }
}
