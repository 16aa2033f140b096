using System;
using System.IO;
using System.Linq;
using System.Xml.Linq;
using Dsl.Runtime.Data;
using Samples.FashionCnn;
using Samples.FashionMlp;
using Xunit;

namespace Dsl.Runtime.Tests;

/// <summary>The Fashion-MNIST samples on the repository's shipped subset, with small settings.</summary>
public sealed class FashionSampleTests : IDisposable
{
    private static string Subset()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Dsl.sln"))) dir = dir.Parent;
        return Path.Combine(dir?.FullName ?? throw new DirectoryNotFoundException("Dsl.sln not found"), FashionMnist.SubsetDirectory);
    }

    private readonly string _out = Path.Combine(Path.GetTempPath(), "dsl-fashion-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_out)) Directory.Delete(_out, recursive: true);
    }

    [Fact]
    public void SeedCnnLearnsOnTheSubset()
    {
        var log = new StringWriter();
        FashionCnnResult result = FashionCnnSample.Run(Subset(), epochs: 2, trainLimit: 2500, seed: 0, _out, log);
        Assert.Equal(2, result.History.Loss.Count);
        Assert.Equal(2, result.History.ValidationAccuracy.Count);
        Assert.True(result.History.Loss[1] < result.History.Loss[0], $"loss {result.History.Loss[0]} -> {result.History.Loss[1]}");
        Assert.True(result.TestAccuracy >= 0.6, $"test accuracy {result.TestAccuracy}");
        string text = log.ToString();
        Assert.Contains("training on 2500 images (2000 + 500 for validation), testing on 1000", text);
        Assert.Contains("Epoch 2/2 - ", text);
        Assert.Contains(" - val_accuracy: ", text);
        Assert.Contains("Test loss: ", text);
        Assert.Equal(Path.Combine(_out, "fashion_cnn.svg"), result.SvgPath);
        XDocument svg = XDocument.Load(result.SvgPath);
        Assert.Equal(4, svg.Descendants(XName.Get("polyline", "http://www.w3.org/2000/svg")).Count()); // loss and accuracy, training and validation
        Assert.Contains("Wrote " + result.SvgPath, text);
    }

    [Fact]
    public void SeedMlpLearnsOnTheSubset()
    {
        var log = new StringWriter();
        FashionMlpResult result = FashionMlpSample.Run(Subset(), epochs: 3, trainLimit: 2000, seed: 0, _out, log);
        Assert.True(result.TestAccuracy >= 0.5, $"test accuracy {result.TestAccuracy}");
        Assert.Contains("Training time: ", log.ToString());
        Assert.Equal(3, result.History.ValidationLoss.Count); // validated on the test set, as the seed does
        Assert.Equal(result.TestLoss, result.History.ValidationLoss[^1], 12);
        Assert.True(File.Exists(result.SvgPath));
    }

    [Fact]
    public void MissingDataDirectoryIsAClearError()
    {
        var e = Assert.Throws<DirectoryNotFoundException>(() => FashionCnnSample.Run(Path.Combine(Path.GetTempPath(), "no-such-dir-" + Guid.NewGuid().ToString("N")), 1, 10, 0, _out, TextWriter.Null));
        Assert.Contains("Fashion-MNIST directory not found", e.Message);
    }
}
