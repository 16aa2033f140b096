using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Xml.Linq;
using Dsl.Runtime.Data;
using Dsl.Runtime.Plotting;
using Samples.ActivationComparison;
using Samples.LearningRate;
using Samples.Optimizers;
using Samples.Overfitting;
using Xunit;

namespace Dsl.Runtime.Tests;

/// <summary>
/// Seed 003's comparisons (Optimizers, Activations, Overfitting) and seed 001's learning rates (LearningRate), run with
/// small settings so they cannot rot; their numbers are checked against NumPy, closed forms and measured thresholds.
/// </summary>
public sealed class ComparisonSampleTests : IDisposable
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";
    private readonly string _out = Path.Combine(Path.GetTempPath(), "dsl-comparison-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_out)) Directory.Delete(_out, recursive: true);
    }

    private static string Subset()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Dsl.sln"))) dir = dir.Parent;
        return Path.Combine(dir?.FullName ?? throw new DirectoryNotFoundException("Dsl.sln not found"), FashionMnist.SubsetDirectory);
    }

    /// <summary>Parses the picture (throws unless it is well-formed XML) and checks that no temporary file was left.</summary>
    private XElement LoadSvg(string path)
    {
        Assert.Equal(_out, Path.GetDirectoryName(path));
        XElement root = XDocument.Load(path).Root!;
        Assert.Equal(Svg + "svg", root.Name);
        Assert.Empty(Directory.GetFiles(_out, "*.tmp"));
        return root;
    }

    private static string[] Texts(XElement root) => root.Elements(Svg + "text").Select(t => t.Value).ToArray();

    [Fact]
    public void LinePlotPointsAreMarkersOptionallyJoined()
    {
        var svg = new Dsl.Runtime.Plotting.Svg(400, 300);
        new LinePlot("t", "x", "y") { IntegerX = false }
            .AddPoints("scatter", [0, 1, double.NaN, 3], [0, 1, 5, 2], "#123456", 2.5)
            .AddPoints("path", [0, 1, 2], [2, 1, 0], "#654321", 1.5, joined: true)
            .Draw(svg, 0, 0, 400, 300);
        XElement root = XDocument.Parse(svg.ToString()).Root!;
        XElement[] circles = root.Elements(Svg + "circle").ToArray();
        Assert.Equal(3 + 3 + 2, circles.Length); // finite points of each series, and a legend marker each
        Assert.Equal(4, circles.Count(c => c.Attribute("fill")!.Value == "#123456" && c.Attribute("r")!.Value == "2.5"));
        XElement line = Assert.Single(root.Elements(Svg + "polyline"));
        Assert.Equal("#654321", line.Attribute("stroke")!.Value);
        Assert.Equal(3, line.Attribute("points")!.Value.Split(' ').Length);
        var bare = new Dsl.Runtime.Plotting.Svg(400, 300);
        new LinePlot("t", "x", "y") { ShowLegend = false }.AddPoints("scatter", [0, 1], [0, 1], "#123456").Draw(bare, 0, 0, 400, 300);
        XElement bareRoot = XDocument.Parse(bare.ToString()).Root!;
        Assert.Equal(2, bareRoot.Elements(Svg + "circle").Count()); // no legend marker
        Assert.DoesNotContain("scatter", bareRoot.Elements(Svg + "text").Select(t => t.Value));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LinePlot("t", "x", "y").AddPoints("a", [1], [1], "#000", 0));
        Assert.Throws<ArgumentException>(() => new LinePlot("t", "x", "y").AddPoints("a", [1, 2], [1], "#000"));
    }

    // ---- LearningRate (seed 001) ----

    [Fact]
    public void GradientDescentReproducesTheSeedsNumPyPathsBitForBit()
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Reference", "learning_rate_reference.json")));
        Assert.Equal(LearningRateSample.H, doc.RootElement.GetProperty("h").GetDouble());
        int cases = 0;
        foreach (JsonElement c in doc.RootElement.GetProperty("cases").EnumerateArray())
        {
            double lr = c.GetProperty("lr").GetDouble();
            double[] start = c.GetProperty("start").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            double[][] expected = c.GetProperty("path").EnumerateArray().Select(p => p.EnumerateArray().Select(e => e.GetDouble()).ToArray()).ToArray();
            DescentPath path = LearningRateSample.Descend(lr, (start[0], start[1]), c.GetProperty("steps").GetInt32());
            Assert.Equal(expected.Length, path.X0.Length);
            for (int k = 0; k < expected.Length; k++)
            {
                Assert.True(expected[k][0] == path.X0[k] && expected[k][1] == path.X1[k],
                    $"lr {lr}, step {k}: NumPy ({expected[k][0]:R}, {expected[k][1]:R}), C# ({path.X0[k]:R}, {path.X1[k]:R})");
            }
            Assert.Equal(c.GetProperty("f_end").GetDouble(), LearningRateSample.F([path.End.X0, path.End.X1]));
            cases++;
        }
        Assert.Equal(5, cases);
    }

    [Fact]
    public void LearningRateSampleGivesTheBooksEndPointsAndThePicture()
    {
        var log = new StringWriter();
        LearningRateResult result = LearningRateSample.Run(LearningRateSample.SeedRates, (-3, 4), 100, GradientKind.Numerical, _out, log);
        Assert.Equal(3, result.Paths.Count);

        // lr 0.01: x_100 = 0.98^100 x_0 (the numerical gradient of a quadratic is exact up to rounding).
        var (a0, a1) = result.Paths[0].End;
        double q = Math.Pow(0.98, 100);
        Assert.Equal(-3 * q, a0, 1e-12);
        Assert.Equal(4 * q, a1, 1e-12);
        Assert.Equal(-0.39785867, a0, 1e-8);
        Assert.Equal(0.53047822, a1, 1e-8);
        // lr 10: the book's (-2.58983747e+13, -1.29524862e+12); the difference quotient is exactly 0 from the point after
        // step 10 on, so the path stops there, where exact descent would reach 19^100 times the start.
        var (b0, b1) = result.Paths[1].End;
        Assert.Equal(-2.58983747e13, b0, 1e13 * 1e-8);
        Assert.Equal(-1.29524862e12, b1, 1e12 * 1e-8);
        Assert.Equal(10, result.Paths[1].StalledAfter);
        Assert.Equal(result.Paths[1].X0[10], b0);
        Assert.Equal(-3 * Math.Pow(19, 100), result.ClosedForm[1].X0, 1e-12 * 3 * Math.Pow(19, 100));
        // lr 1e-10: barely moves: (1 - 2e-10)^100 = 1 - 2e-8.
        var (c0, c1) = result.Paths[2].End;
        Assert.Equal(-3 * (1 - 2e-8), c0, 1e-14);
        Assert.Equal(4 * (1 - 2e-8), c1, 1e-14);
        Assert.Null(result.Paths[0].StalledAfter);
        Assert.Null(result.Paths[2].StalledAfter);

        string text = log.ToString();
        Assert.Contains("(-0.39785867, 0.53047822)", text);
        Assert.Contains("(-2.58983747e+13, -1.29524862e+12)", text);
        Assert.Contains("(-2.99999994, 3.99999992)", text);
        Assert.Contains("converges (1.8% of f left)", text);
        Assert.Contains("diverges", text);
        Assert.Contains("barely moves", text);
        Assert.Contains("after step 10 the central difference returned exactly 0", text);

        Assert.Equal(Path.Combine(_out, "learning_rate.svg"), result.SvgPath);
        XElement root = LoadSvg(result.SvgPath);
        string[] texts = Texts(root);
        Assert.Contains("lr = 0.01: converges (1.8% of f left)", texts);
        Assert.Contains("lr = 10: diverges", texts);
        Assert.Contains("lr = 1e-10: barely moves", texts);
        Assert.Contains("Distance to the minimum", texts);
        Assert.Contains("x0 / 1e+13", texts); // the diverging path is drawn in units of 1e13
    }

    [Fact]
    public void ExactGradientDescentFollowsTheClosedForm()
    {
        foreach (double lr in new[] { 0.01, 0.1, 0.3, 10, 1e-10 })
        {
            DescentPath path = LearningRateSample.Descend(lr, (-3, 4), 100, GradientKind.Exact);
            for (int k = 0; k <= 100; k++)
            {
                var (e0, e1) = LearningRateSample.ClosedForm(lr, (-3, 4), k);
                Assert.True(Math.Abs(path.X0[k] - e0) <= 1e-12 * Math.Abs(e0) + 1e-300, $"lr {lr}, step {k}: x0 {path.X0[k]:R}, closed form {e0:R}");
                Assert.True(Math.Abs(path.X1[k] - e1) <= 1e-12 * Math.Abs(e1) + 1e-300, $"lr {lr}, step {k}: x1 {path.X1[k]:R}, closed form {e1:R}");
            }
            Assert.Null(path.StalledAfter);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => LearningRateSample.Descend(0, (-3, 4), 100));
        Assert.Throws<ArgumentOutOfRangeException>(() => LearningRateSample.Descend(double.NaN, (-3, 4), 100));
        Assert.Throws<ArgumentOutOfRangeException>(() => LearningRateSample.Descend(0.1, (-3, 4), -1));
        Assert.Equal(2, LearningRateSample.Main(["--lr", "0.1,-1"]));
        Assert.Equal(2, LearningRateSample.Main(["--start", "1"]));
        Assert.Equal(2, LearningRateSample.Main(["--gradient", "symbolic"]));
    }

    // ---- Overfitting (seed 003) ----

    [Fact]
    public void OverfittingNormalisedInputsFitFasterAndBothLearnTheNoise()
    {
        var log = new StringWriter();
        OverfittingResult result = OverfittingSample.Run(new OverfittingOptions { Epochs = 1000, OutputDirectory = _out }, log);
        OverfittingRun raw = result.Raw, normalised = result.Normalised;
        Assert.Equal(1001, raw.TrainMse.Length);
        Assert.Equal(1001, normalised.TestMse.Length);
        Assert.Equal(12, result.Train.Count);
        Assert.Equal(200, result.Test.Count);
        // Standardisation used the training points' own mean and (population) standard deviation.
        double mean = result.Train.Inputs.Average(v => (double)v);
        Assert.Equal(mean, result.Mean, 12);
        Assert.Equal(Math.Sqrt(result.Train.Inputs.Average(v => (v - mean) * (v - mean))), result.Std, 12);
        Assert.All(result.Train.Inputs, x => Assert.InRange(x, 0f, 10f));

        // Measured with the defaults (seed 0; README): after 500 epochs the normalised run's training MSE is 0.078 and
        // the raw run's 0.353; after 1000, 0.074 and 0.126. Both fall below the noise variance sigma^2 = 0.25 while
        // their test MSE stays above it (0.63 and 0.73): they fit the noise of their 12 points.
        Assert.True(normalised.TrainMse[500] < 0.1, $"normalised train MSE after 500 epochs {normalised.TrainMse[500]}");
        Assert.True(raw.TrainMse[500] > 0.2, $"raw train MSE after 500 epochs {raw.TrainMse[500]}");
        Assert.True(normalised.FinalTrainMse < raw.FinalTrainMse, $"normalised {normalised.FinalTrainMse}, raw {raw.FinalTrainMse}");
        Assert.True(normalised.FinalTrainMse < 0.1 && raw.FinalTrainMse < 0.2, $"train MSE: normalised {normalised.FinalTrainMse}, raw {raw.FinalTrainMse}");
        Assert.True(normalised.FinalTestMse > 0.25 && raw.FinalTestMse > 0.25, $"test MSE: normalised {normalised.FinalTestMse}, raw {raw.FinalTestMse}");
        Assert.True(raw.TrainMse[0] > 1 && normalised.TrainMse[0] > 1, "the untrained networks are far from the curve");
        Assert.All(raw.CurveY.Concat(normalised.CurveY), y => Assert.True(double.IsFinite(y)));

        // Every 500 epochs a row, from epoch 0.
        string[] lines = log.ToString().Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        string[] rows = lines.Where(l => l.Length > 0 && char.IsDigit(l.TrimStart()[0]) && l.TrimStart().Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == 5).ToArray();
        Assert.Equal(["0", "500", "1000"], rows.Select(r => r.TrimStart().Split(' ')[0]));
        string[] last = rows[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(raw.FinalTrainMse.ToString("F4", CultureInfo.InvariantCulture), last[1]);
        Assert.Equal(normalised.FinalTestMse.ToString("F4", CultureInfo.InvariantCulture), last[4]);

        XElement root = LoadSvg(result.SvgPath);
        Assert.Equal(Path.Combine(_out, "overfitting.svg"), result.SvgPath);
        // 12 training and 200 test points, and one marker each in the legend.
        Assert.Equal(12 + 200 + 2, root.Elements(Svg + "circle").Count());
        Assert.Contains("fit, normalised x", Texts(root));
    }

    [Fact]
    public void OverfittingDataIsSeededAndOptionsAreChecked()
    {
        Dataset a = OverfittingSample.Sample(50, 0.5, new Random(3)), b = OverfittingSample.Sample(50, 0.5, new Random(3));
        Assert.Equal(a.Inputs, b.Inputs);
        Assert.Equal(a.Targets, b.Targets);
        Dataset clean = OverfittingSample.Sample(20, 0, new Random(1));
        for (int i = 0; i < clean.Count; i++)
            Assert.Equal(OverfittingSample.Polynomial(clean.Inputs[i]), clean.Targets[i], 1e-5); // x was rounded to float after y was computed
        Assert.Equal(-4.5, OverfittingSample.Polynomial(0), 12);
        Assert.Throws<ArgumentOutOfRangeException>(() => OverfittingSample.Run(new OverfittingOptions { Epochs = 0, OutputDirectory = _out }, TextWriter.Null));
        Assert.Throws<ArgumentOutOfRangeException>(() => OverfittingSample.Sample(0, 0.5, new Random(1)));
        Assert.Equal(2, OverfittingSample.Main(["--train", "-3"]));
    }

    // ---- Optimizers and Activations (seed 003) ----

    private ComparisonOptions Small => new()
    {
        DataDirectory = Subset(),
        Epochs = 3,
        TrainLimit = 600,
        TestLimit = 200,
        BatchSize = 50,
        OutputDirectory = _out,
    };

    private void CheckComparison(ComparisonResult result, string[] names, string svgName, string log)
    {
        Assert.Equal(names, result.Rows.Select(r => r.Name));
        foreach (ComparisonRow row in result.Rows)
        {
            Assert.Equal(3, row.History.Count);
            Assert.All(row.History.Loss, l => Assert.True(double.IsFinite(l), $"{row.Name}: loss {l}"));
            Assert.True(row.History.Loss[^1] < row.History.Loss[0], $"{row.Name}: loss {row.History.Loss[0]} -> {row.History.Loss[^1]}");
            Assert.Equal(row.History.Loss[^1], row.FinalLoss);
            Assert.Equal(row.History.ValidationAccuracy[^1], row.TestAccuracy);
            Assert.InRange(row.TrainAccuracy, 0, 1);
            Assert.True(row.Seconds > 0);
            Assert.Contains(row.Name, log);
            Assert.Contains(row.Settings, log);
        }
        Assert.EndsWith("; the first 600 training and 200 test images", result.Data);
        Assert.Contains("configuration  ", log);
        XElement root = LoadSvg(result.SvgPath);
        Assert.Equal(Path.Combine(_out, svgName), result.SvgPath);
        Assert.Equal(2 * names.Length, root.Elements(Svg + "polyline").Count()); // a loss and an accuracy curve each
        string[] texts = Texts(root);
        Assert.Contains("Training loss", texts);
        Assert.Contains("Test accuracy", texts);
        foreach (string name in names) Assert.Equal(1, texts.Count(t => t == name)); // one legend for both panels
    }

    [Fact]
    public void OptimizersSampleComparesSixOptimizersFromTheSameStart()
    {
        var log = new StringWriter();
        ComparisonResult result = OptimizersSample.Run(Small, log);
        string[] names = ["SGD", "SGD + momentum", "Nesterov", "Adagrad", "RMSprop", "Adam"];
        CheckComparison(result, names, "optimizers.svg", log.ToString());
        // Same seed, same batches: a repeat gives the same figures bit for bit.
        ComparisonResult again = OptimizersSample.Run(Small with { OutputDirectory = Path.Combine(_out, "again") }, TextWriter.Null);
        Assert.Equal(result.Rows.SelectMany(r => r.History.Loss.Concat(r.History.ValidationAccuracy)),
            again.Rows.SelectMany(r => r.History.Loss.Concat(r.History.ValidationAccuracy)));
        // The adaptive optimizers beat plain SGD at its default rate in so few steps.
        double sgd = result.Rows[0].FinalLoss;
        Assert.All(result.Rows.Skip(3), r => Assert.True(r.FinalLoss < sgd, $"{r.Name} {r.FinalLoss} vs SGD {sgd}"));
    }

    [Fact]
    public void ActivationsSampleComparesFiveCombinations()
    {
        var log = new StringWriter();
        ComparisonResult result = ActivationsSample.Run(Small, ActivationsSample.DefaultLearningRate, log);
        string[] names = ["sigmoid + sigmoid", "sigmoid + softmax", "tanh + softmax", "softplus + softmax", "relu + softmax"];
        CheckComparison(result, names, "activations.svg", log.ToString());
        Assert.All(result.Rows, r => Assert.Equal("MSE, SGD lr 1", r.Settings));
        Assert.Throws<ArgumentOutOfRangeException>(() => ActivationsSample.Contenders(0));
        Assert.Equal(2, ActivationsSample.Main(["--lr", "fast"]));
        Assert.Equal(2, ActivationsSample.Main(["--epochs", "0"]));
    }

    [Fact]
    public void ComparisonRejectsBadSettings()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => OptimizersSample.Run(Small with { Epochs = 0 }, TextWriter.Null));
        Assert.Throws<ArgumentOutOfRangeException>(() => OptimizersSample.Run(Small with { BatchSize = 0 }, TextWriter.Null));
        Assert.Throws<DirectoryNotFoundException>(() => OptimizersSample.Run(Small with { DataDirectory = Path.Combine(_out, "missing") }, TextWriter.Null));
        Assert.Equal(2, OptimizersSample.Main(["--limit", "none"]));
        Assert.Equal(2, OptimizersSample.Main(["--bogus", "1"]));
    }
}
