using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using Xunit;

namespace Dsl.Runtime.Tests;

/// <summary>
/// Every loss of <see cref="LossFunctions"/> against PyTorch 1.13 (Reference/make_loss_reference.py): the batch-mean value
/// and its gradient with respect to the outputs, in double (1e-12 relative) and float (1e-5 relative); the evaluation
/// helpers; generated float models with each new loss (output, loss, parameter gradient); seed 001's worked examples by hand.
/// </summary>
public class LossTests
{
    private static readonly Lazy<JsonDocument> Document = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Reference", "loss_reference.json"))));

    private static JsonElement Section(string name) => Document.Value.RootElement.GetProperty(name);

    private static double[] Doubles(JsonElement e, string property) => e.GetProperty(property).EnumerateArray().Select(v => v.GetDouble()).ToArray();

    public static IEnumerable<object[]> LossCases() => Section("losses").EnumerateObject().Select(p => new object[] { p.Name });

    /// <summary>The training function of a loss that takes the model's outputs (every loss but the two fused ones).</summary>
    private static T Train<T>(string loss, ReadOnlySpan<T> y, ReadOnlySpan<T> t, Span<T> dy, int cols, T scale)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> => loss switch
    {
        "MeanSquaredError" => LossFunctions.MeanSquaredError(y, t, dy, cols, scale),
        "SumSquaredError" => LossFunctions.SumSquaredError(y, t, dy, cols, scale),
        "HalfSumSquaredError" => LossFunctions.HalfSumSquaredError(y, t, dy, cols, scale),
        "Huber" => LossFunctions.Huber(y, t, dy, cols, scale),
        "Hinge" => LossFunctions.Hinge(y, t, dy, cols, scale),
        "KLDivergence" => LossFunctions.KLDivergence(y, t, dy, cols, scale),
        "NegativeLogLikelihood" => LossFunctions.NegativeLogLikelihood(y, t, dy, cols, scale),
        _ => throw new ArgumentException(loss),
    };

    [Theory]
    [MemberData(nameof(LossCases))]
    public void LossAndGradientMatchPyTorchInDouble(string name)
    {
        JsonElement c = Section("losses").GetProperty(name);
        string loss = c.GetProperty("loss").GetString()!;
        int cols = c.GetProperty("cols").GetInt32();
        double[] y = Doubles(c, "output"), t = Doubles(c, "target");
        int batch = y.Length / cols;
        var dy = new double[y.Length];
        double sum = Train<double>(loss, y, t, dy, cols, 1.0 / batch);
        Close(c.GetProperty("value").GetDouble(), sum / batch, 1e-12, 0, $"{name} value");
        double[] grad = Doubles(c, "grad");
        for (int i = 0; i < grad.Length; i++) Close(grad[i], dy[i], 1e-12, 1e-15, $"{name} gradient[{i}]");
        // Evaluate reports the same batch mean, for every loss that reads the outputs.
        Close(c.GetProperty("value").GetDouble(), LossFunctions.Evaluate<double>(Enum.Parse<Loss>(loss), y, t, cols), 1e-12, 0, $"{name} Evaluate");
    }

    [Theory]
    [MemberData(nameof(LossCases))]
    public void LossAndGradientMatchPyTorchInFloat(string name)
    {
        JsonElement c = Section("losses").GetProperty(name);
        string loss = c.GetProperty("loss").GetString()!;
        int cols = c.GetProperty("cols").GetInt32();
        float[] y = Doubles(c, "output").Select(v => (float)v).ToArray(), t = Doubles(c, "target").Select(v => (float)v).ToArray();
        int batch = y.Length / cols;
        var dy = new float[y.Length];
        float sum = Train<float>(loss, y, t, dy, cols, 1f / batch);
        Close(c.GetProperty("value").GetDouble(), sum / batch, 1e-5, 0, $"{name} value");
        double[] grad = Doubles(c, "grad");
        for (int i = 0; i < grad.Length; i++) Close(grad[i], dy[i], 1e-5, 1e-7, $"{name} gradient[{i}]");
        Close(c.GetProperty("value").GetDouble(), LossFunctions.Evaluate<float>(Enum.Parse<Loss>(loss), y, t, cols), 1e-5, 0, $"{name} Evaluate");
    }

    [Fact]
    public void ClippedProbabilitiesPassNoGradient()
    {
        // Sample 2 has p = 0 and sample 5 p = 1e-9 on its target class: both losses are capped at -log(1e-7) there.
        foreach (string loss in new[] { "KLDivergence", "NegativeLogLikelihood" })
        {
            JsonElement c = Section("losses").GetProperty(loss + "_clipped");
            double[] y = Doubles(c, "output"), t = Doubles(c, "target");
            var dy = new double[y.Length];
            Train<double>(loss, y, t, dy, 5, 1.0 / 7);
            int[] labels = [1, 4, 2, 0, 3, 1, 4];
            Assert.Equal(0, dy[2 * 5 + labels[2]]);
            Assert.Equal(0, dy[5 * 5 + labels[5]]);
            Assert.NotEqual(0, dy[0 * 5 + labels[0]]);
        }
    }

    [Fact]
    public void EvaluationHelpersMatchPyTorch()
    {
        JsonElement categorical = Section("evaluation").GetProperty("categorical");
        double[] p = Doubles(categorical, "probabilities"), t = Doubles(categorical, "target");
        int[] labels = categorical.GetProperty("labels").EnumerateArray().Select(v => v.GetInt32()).ToArray();
        double expected = categorical.GetProperty("value").GetDouble();
        Close(expected, LossFunctions.CategoricalCrossEntropy<double>(p, t, 5), 1e-12, 0, "categorical, one-hot");
        Close(expected, LossFunctions.SparseCategoricalCrossEntropy<double>(p, labels, 5), 1e-12, 0, "categorical, labels");
        Close(expected, LossFunctions.Evaluate<double>(Loss.CrossEntropy, p, t, 5), 1e-12, 0, "Evaluate(CrossEntropy)");
        float[] pf = p.Select(v => (float)v).ToArray(), tf = t.Select(v => (float)v).ToArray();
        Close(expected, LossFunctions.CategoricalCrossEntropy<float>(pf, tf, 5), 1e-7, 0, "categorical, one-hot, float");
        Close(expected, LossFunctions.SparseCategoricalCrossEntropy<float>(pf, labels, 5), 1e-7, 0, "categorical, labels, float");

        JsonElement soft = Section("evaluation").GetProperty("categorical_soft");
        Close(soft.GetProperty("value").GetDouble(), LossFunctions.CategoricalCrossEntropy<double>(Doubles(soft, "probabilities"), Doubles(soft, "target"), 5), 1e-12, 0, "categorical, soft targets");

        JsonElement binary = Section("evaluation").GetProperty("binary");
        double[] bp = Doubles(binary, "probabilities"), bt = Doubles(binary, "target");
        double bce = binary.GetProperty("value").GetDouble();
        Close(bce, LossFunctions.BinaryCrossEntropy<double>(bp, bt), 1e-12, 0, "binary");
        Close(bce, LossFunctions.Evaluate<double>(Loss.BinaryCrossEntropy, bp, bt, 4), 1e-12, 0, "Evaluate(BinaryCrossEntropy)");
        Close(bce, LossFunctions.BinaryCrossEntropy<float>(bp.Select(v => (float)v).ToArray(), bt.Select(v => (float)v).ToArray()), 1e-7, 0, "binary, float");
    }

    [Fact]
    public void SeedOneWorkedExamples()
    {
        // Seed 001: t says class 2; y is right (0.6 on class 2) or wrong (0.6 on class 7).
        double[] t = [0, 0, 1, 0, 0, 0, 0, 0, 0, 0];
        double[] right = [0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0];
        double[] wrong = [0.1, 0.05, 0.1, 0.0, 0.05, 0.1, 0.0, 0.6, 0.0, 0.0];
        var dy = new double[10];
        // 0.5 * sum((y - t)^2) = 0.5 * 0.195 and 0.5 * 1.195; its gradient is y - t.
        Assert.Equal(0.0975, LossFunctions.HalfSumSquaredError<double>(right, t, dy, 10, 1), 1e-15);
        Assert.Equal(-0.4, dy[2], 1e-15);
        Assert.Equal(0.1, dy[7], 1e-15);
        Assert.Equal(0.5975, LossFunctions.HalfSumSquaredError<double>(wrong, t, dy, 10, 1), 1e-15);
        // Cross-entropy: -log(0.6) and -log(0.1) (the seed prints 0.510825457 and 2.302584093 with log(p + 1e-7)).
        Assert.Equal(-Math.Log(0.6), LossFunctions.CategoricalCrossEntropy<double>(right, t, 10), 1e-15);
        Assert.Equal(-Math.Log(0.1), LossFunctions.SparseCategoricalCrossEntropy<double>(wrong, [2], 10), 1e-15);
        Assert.Equal(-Math.Log(0.6), LossFunctions.NegativeLogLikelihood<double>(right, t, dy, 10, 1), 1e-15);
        Assert.Equal(-1 / 0.6, dy[2], 1e-15);
        Assert.Equal(0, dy[0]);
        // A zero probability on the right class costs -log(1e-7), not infinity.
        Assert.Equal(-Math.Log(1e-7), LossFunctions.SparseCategoricalCrossEntropy<double>(right, [3], 10), 1e-12);
        // The seed's batch form: the mean over samples.
        double[] both = [.. right, .. wrong];
        Assert.Equal((-Math.Log(0.6) - Math.Log(0.1)) / 2, LossFunctions.SparseCategoricalCrossEntropy<double>(both, [2, 2], 10), 1e-15);
    }

    [Fact]
    public void HandComputedHuberHingeAndKl()
    {
        var dy = new double[4];
        // Huber, delta 1: errors 0.5, -0.5, 3, -2 -> 0.125, 0.125, 2.5, 1.5, mean 1.0625; gradient clamp(e, -1, 1) / K.
        Assert.Equal(1.0625, LossFunctions.Huber<double>([1.5, 0, 3, -2], [1, 0.5, 0, 0], dy, 4, 1), 1e-15);
        Assert.Equal([0.125, -0.125, 0.25, -0.25], dy);
        // Hinge with 0/1 targets read as -1/1: margins 1 - 0.3 = 0.7, 1 + 0.3 = 1.3, 1 - 2 < 0, 1 - 0.5 = 0.5.
        Assert.Equal((0.7 + 1.3 + 0 + 0.5) / 4, LossFunctions.Hinge<double>([0.3, 0.3, -2, 0.5], [1, 0, 0, 1], dy, 4, 1), 1e-15);
        Assert.Equal([-0.25, 0.25, 0, -0.25], dy);
        // Hinge with -1/1 targets is the same loss.
        Assert.Equal((0.7 + 1.3 + 0 + 0.5) / 4, LossFunctions.Hinge<double>([0.3, 0.3, -2, 0.5], [1, -1, -1, 1], dy, 4, 1), 1e-15);
        // KL of a distribution from itself is 0 (where the target is 0 the clip leaves 1e-7 log(1e-7 / p)).
        double[] p = [0.5, 0.25, 0.25, 0];
        double kl = LossFunctions.KLDivergence<double>(p, p, dy, 4, 1);
        Assert.Equal(0, kl, 1e-15);
        Assert.Equal([-1, -1, -1, 0], dy);
        // KL(t || p) for t = (1, 0), p = (0.5, 0.5): log 2 + 1e-7 log(1e-7 / 0.5).
        Assert.Equal(Math.Log(2) + 1e-7 * Math.Log(1e-7 / 0.5), LossFunctions.KLDivergence<double>([0.5, 0.5], [1, 0], dy.AsSpan(0, 2), 2, 1), 1e-15);
    }

    [Fact]
    public void ScaleMultipliesTheGradientOnly()
    {
        double[] y = [0.2, -1.7, 0.9, 2.4, -0.3, 0.1], t = [0, 1, 1, 0, 0.5, -1];
        foreach (string loss in new[] { "MeanSquaredError", "SumSquaredError", "HalfSumSquaredError", "Huber", "Hinge" })
        {
            var one = new double[6];
            var quarter = new double[6];
            double a = Train<double>(loss, y, t, one, 3, 1), b = Train<double>(loss, y, t, quarter, 3, 0.25);
            Assert.Equal(a, b);
            for (int i = 0; i < 6; i++) Assert.Equal(0.25 * one[i], quarter[i], 1e-15);
        }
    }

    [Fact]
    public void BadArgumentsAreRejectedWithTheirSizes()
    {
        var dy = new double[6];
        var e = Assert.Throws<ArgumentException>(() => LossFunctions.Huber<double>(new double[6], new double[5], dy, 3, 1));
        Assert.Contains("got 6, 5 and 6", e.Message);
        e = Assert.Throws<ArgumentException>(() => LossFunctions.Hinge<double>(new double[6], new double[6], dy, 4, 1));
        Assert.Contains("divides the 6 outputs, got 4", e.Message);
        e = Assert.Throws<ArgumentException>(() => LossFunctions.CategoricalCrossEntropy<double>(new double[6], new double[3], 3));
        Assert.Equal("targets", e.ParamName);
        Assert.Contains("must hold 6 values (2 samples x 3) to match probabilities, found 3", e.Message);
        e = Assert.Throws<ArgumentException>(() => LossFunctions.CategoricalCrossEntropy<double>(new double[7], new double[7], 3));
        Assert.Contains("whole, non-zero number of samples of classes = 3 values, found 7", e.Message);
        e = Assert.Throws<ArgumentException>(() => LossFunctions.SparseCategoricalCrossEntropy<double>(new double[6], new int[3], 3));
        Assert.Contains("one label for each of the 2 samples", e.Message);
        var range = Assert.Throws<ArgumentOutOfRangeException>(() => LossFunctions.SparseCategoricalCrossEntropy<double>(new double[6], [0, 3], 3));
        Assert.Contains("Label of sample 1 must be a class in [0, 3), found 3", range.Message);
        e = Assert.Throws<ArgumentException>(() => LossFunctions.BinaryCrossEntropy<double>(new double[4], new double[5]));
        Assert.Contains("one value for each of the 4 probabilities, found 5", e.Message);
        e = Assert.Throws<ArgumentException>(() => LossFunctions.Evaluate<double>(Loss.Huber, [], [], 2));
        Assert.Contains("found 0 values", e.Message);
        e = Assert.Throws<ArgumentException>(() => LossFunctions.Evaluate<double>(Loss.Huber, new double[4], new double[4], 0));
        Assert.Contains("outputs must be a positive number", e.Message);
        range = Assert.Throws<ArgumentOutOfRangeException>(() => LossFunctions.Evaluate<double>((Loss)42, new double[4], new double[4], 2));
        Assert.Contains("found 42", range.Message);
    }

    [Fact]
    public void EvaluateCoversLargeBatchesInChunks()
    {
        // 3000 samples of 5 outputs: more than one pooled chunk (4096 values); the result is the batch mean all the same.
        var random = new Random(3);
        double[] y = Enumerable.Range(0, 15000).Select(_ => 3 * random.NextDouble() - 1.5).ToArray();
        double[] t = Enumerable.Range(0, 15000).Select(i => i % 3 == 0 ? 1.0 : 0.0).ToArray();
        foreach (Loss loss in new[] { Loss.MeanSquaredError, Loss.SumSquaredError, Loss.HalfSumSquaredError, Loss.Huber, Loss.Hinge })
        {
            var dy = new double[y.Length];
            double whole = Train<double>(loss.ToString(), y, t, dy, 5, 1) / 3000;
            Close(whole, LossFunctions.Evaluate<double>(loss, y, t, 5), 1e-12, 0, loss.ToString());
        }
    }

    public static IEnumerable<object[]> ModelCases() => Section("models").EnumerateObject().Select(p => new object[] { p.Name });

    private static readonly Dictionary<string, Func<ITrainable<float>>> Models = new()
    {
        ["half_sse_linear"] = () => new RefHalfSseLinear(),
        ["huber_linear"] = () => new RefHuberLinear(),
        ["hinge_tanh"] = () => new RefHingeTanh(),
        ["kl_softmax"] = () => new RefKlSoftmax(),
        ["nll_softmax"] = () => new RefNllSoftmax(),
    };

    [Theory]
    [MemberData(nameof(ModelCases))]
    public void GeneratedModelsMatchPyTorch(string name)
    {
        JsonElement c = Section("models").GetProperty(name);
        ITrainable<float> net = Models[name]();
        float[] parameters = c.Floats("params");
        Assert.Equal(parameters.Length, net.ParameterCount);
        parameters.CopyTo(net.Parameters);
        float[] x = c.Floats("input"), t = c.Floats("target");

        var output = new float[t.Length];
        net.Forward(x, output);
        PyTorchAgreementTests.AssertClose(c.Floats("output"), output, 1e-5, 1e-6, $"{name} output");
        float loss = net.TrainStep(x, t);
        PyTorchAgreementTests.AssertClose([(float)c.GetProperty("loss").GetDouble()], [loss], 1e-5, 0, $"{name} loss");
        PyTorchAgreementTests.AssertClose(c.Floats("grad"), net.Gradients.ToArray(), 1e-4, 1e-6, $"{name} gradient");
        if (c.TryGetProperty("labels", out _))
        {
            float[] gradient = net.Gradients.ToArray();
            Assert.Equal(loss, net.TrainStep(x, c.Ints("labels")));
            Assert.Equal(gradient, net.Gradients.ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(ModelCases))]
    public void TrainStepAndEvaluateAllocateNothing(string name)
    {
        ITrainable<float> net = Models[name]();
        const int batch = 150; // several tiles, several SIMD vectors of outputs
        var x = new float[batch * net.InputSize];
        var y = new float[batch * net.OutputSize];
        var t = new float[batch * net.OutputSize];
        var labels = new int[batch];
        for (int i = 0; i < x.Length; i++) x[i] = MathF.Sin(i);
        for (int s = 0; s < batch; s++) { labels[s] = s % net.OutputSize; t[s * net.OutputSize + labels[s]] = 1; }
        Loss loss = Enum.Parse<Loss>(Section("models").GetProperty(name).GetProperty("loss_function").GetString()!);
        net.Forward(x, y);
        Assert.Equal(0, AllocationTests.Allocated(() => net.TrainStep(x, t)));
        Assert.Equal(0, AllocationTests.Allocated(() => net.TrainStep(x, labels)));
        Assert.Equal(0, AllocationTests.Allocated(() => LossFunctions.Evaluate<float>(loss, y, t, net.OutputSize)));
    }

    private static void Close(double expected, double actual, double relative, double absolute, string what)
    {
        double diff = Math.Abs(expected - actual);
        Assert.True(diff <= relative * Math.Abs(expected) + absolute, $"{what}: PyTorch {expected:R}, Dsl {actual:R} (difference {diff:E2})");
    }
}
