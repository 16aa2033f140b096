using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Xml.Linq;
using Dsl.Runtime.Plotting;
using Xunit;

namespace Dsl.Runtime.Tests;

/// <summary>History: Keras names, and the SVG of its curves (parsed back as XML).</summary>
public sealed class HistoryTests : IDisposable
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "dsl-history-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void SaveSvgWritesAWellFormedPictureOfLossAndAccuracy()
    {
        Dataset data = TrainingData.Classes(60, seed: 7);
        var net = new SmallNet(seed: 1);
        History history = net.Fit(new Adam<float>(net, 0.05), data,
            new FitOptions { Epochs = 6, BatchSize = 10, ValidationSplit = 0.25, Verbose = Verbosity.Silent });
        Assert.Same(history.Loss, history["loss"]);
        Assert.Same(history.ValidationAccuracy, history["val_accuracy"]);
        Assert.Equal(["loss", "accuracy", "val_loss", "val_accuracy", "lr", "seconds"], History.Keys);
        Assert.Throws<KeyNotFoundException>(() => history["acc"]);

        string path = Path.Combine(_dir, "curves", "history.svg");
        history.SaveSvg(path, "SmallNet & friends <test>");
        XDocument doc = XDocument.Load(path); // throws unless well-formed
        XElement root = doc.Root!;
        Assert.Equal(Svg + "svg", root.Name);
        Assert.Equal("920", root.Attribute("width")!.Value); // two panels side by side
        string[] texts = root.Elements(Svg + "text").Select(t => t.Value).ToArray();
        Assert.Contains("SmallNet & friends <test>", texts);
        Assert.Contains("Loss", texts);
        Assert.Contains("Accuracy", texts);
        Assert.Equal(2, texts.Count(t => t == "validation"));
        Assert.Equal(2, texts.Count(t => t == "epoch"));

        // Four curves (training and validation loss and accuracy), each through one point per epoch, inside its panel.
        XElement[] curves = root.Elements(Svg + "polyline").ToArray();
        Assert.Equal(4, curves.Length);
        Assert.Equal(2, curves.Count(c => c.Attribute("stroke-dasharray") is not null)); // validation dashed
        foreach (XElement c in curves)
        {
            var points = c.Attribute("points")!.Value.Split(' ').Select(p => p.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToArray();
            Assert.Equal(6, points.Length);
            Assert.True(points.Zip(points.Skip(1)).All(p => p.Second[0] > p.First[0]), "x grows with the epoch");
            Assert.All(points, p => Assert.InRange(p[1], 28, 368));
        }
        // The training-loss curve falls when the loss falls: screen y grows downwards.
        var loss = curves.First(c => c.Attribute("stroke-dasharray") is null).Attribute("points")!.Value.Split(' ');
        double firstY = double.Parse(loss[0].Split(',')[1], CultureInfo.InvariantCulture), lastY = double.Parse(loss[^1].Split(',')[1], CultureInfo.InvariantCulture);
        Assert.Equal(history.Loss[^1] < history.Loss[0], lastY > firstY);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, "*.tmp"));

        // Overwriting replaces the file whole.
        history.SaveSvg(path);
        Assert.DoesNotContain("friends", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
    }

    [Fact]
    public void ARegressionHistoryHasOnlyTheLossPanel()
    {
        Dataset data = TrainingData.Polynomial(20);
        var net = new PolyNet(seed: 3);
        History history = net.Fit(new Adam<float>(net, 0.01), data, new FitOptions { Epochs = 3, BatchSize = 5, Verbose = Verbosity.Silent });
        XElement root = XDocument.Parse(history.ToSvg().ToString()).Root!;
        Assert.Equal("460", root.Attribute("width")!.Value);
        Assert.Single(root.Elements(Svg + "polyline"));
        Assert.Throws<InvalidOperationException>(() => new History().SaveSvg(Path.Combine(_dir, "empty.svg")));
        Assert.False(File.Exists(Path.Combine(_dir, "empty.svg")));
    }

    [Fact]
    public void LinePlotSkipsNonFinitePointsAndLabelsRoundTicks()
    {
        var svg = new Dsl.Runtime.Plotting.Svg(400, 300);
        new LinePlot("t", "x", "y").Add("a", [1, 2, 3, 4, 5], [0.5, 0.4, double.NaN, 0.2, 0.1], "#000").Draw(svg, 0, 0, 400, 300);
        XElement root = XDocument.Parse(svg.ToString()).Root!;
        Assert.Equal(2, root.Elements(Svg + "polyline").Count()); // the NaN breaks the curve in two
        string[] texts = root.Elements(Svg + "text").Select(t => t.Value).ToArray();
        Assert.Contains("0.1", texts);
        Assert.Contains("0.5", texts);
        Assert.DoesNotContain("-0.0", texts);
        Assert.Throws<ArgumentException>(() => new LinePlot("t", "x", "y").Add("a", [1, 2], [1], "#000"));
    }
}
