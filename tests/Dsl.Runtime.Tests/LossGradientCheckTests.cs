using System;
using System.Collections.Generic;
using Xunit;

namespace Dsl.Runtime.Tests;

/// <summary>
/// Double-precision gradient checks of the generated models for HalfSumSquaredError, Huber, Hinge, KLDivergence and
/// NegativeLogLikelihood (LossTestModels.cs): the backward pass against central differences of the batch-mean loss, at 5
/// samples and at 70 (more than one tile), with targets of the kind each loss expects.
/// </summary>
public class LossGradientCheckTests
{
    private enum TargetKind { Regression, WideRegression, PlusMinusOne, ZeroOne, Distribution, OneHot }

    private static readonly Dictionary<string, (Func<ITrainable<double>> Create, TargetKind Targets)> Models = new()
    {
        ["HalfSseLinear"] = (() => new HalfSseLinear(31), TargetKind.Regression),
        ["HalfSseSigmoid"] = (() => new HalfSseSigmoid(32), TargetKind.Regression),
        ["HalfSseSoftmax"] = (() => new HalfSseSoftmax(33), TargetKind.OneHot),
        ["HuberLinear"] = (() => new HuberLinear(34), TargetKind.WideRegression),
        ["HuberSoftplus"] = (() => new HuberSoftplus(35), TargetKind.WideRegression),
        ["KernelHuber"] = (() => new KernelHuber(36), TargetKind.WideRegression),
        ["ConvHuber"] = (() => new ConvHuber(37), TargetKind.WideRegression),
        ["HingeLinear"] = (() => new HingeLinear(38), TargetKind.PlusMinusOne),
        ["HingeLinear01"] = (() => new HingeLinear(39), TargetKind.ZeroOne),
        ["HingeTanh"] = (() => new HingeTanh(40), TargetKind.ZeroOne),
        ["HingeSingle"] = (() => new HingeSingle(41), TargetKind.PlusMinusOne),
        ["KlSoftmax"] = (() => new KlSoftmax(42), TargetKind.Distribution),
        ["KlSoftmaxOneHot"] = (() => new KlSoftmax(43), TargetKind.OneHot),
        ["KernelKl"] = (() => new KernelKl(44), TargetKind.Distribution),
        ["NllSoftmax"] = (() => new NllSoftmax(45), TargetKind.OneHot),
        ["NllSoftmaxSoft"] = (() => new NllSoftmax(46), TargetKind.Distribution),
        ["KernelNll"] = (() => new KernelNll(47), TargetKind.OneHot),
        ["ConvSoftmaxNll"] = (() => new ConvSoftmaxNll(48), TargetKind.OneHot),
    };

    public static IEnumerable<object[]> Cases()
    {
        foreach (string name in Models.Keys)
        {
            yield return [name, 5];
            yield return [name, 262]; // more than one tile of 256 samples (TileSize)
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void BackwardMatchesCentralDifferences(string model, int batch)
    {
        var (create, kind) = Models[model];
        ITrainable<double> net = create();
        var random = new Random(batch * 7919 + model.Length);
        // Move every parameter off its initial value (biases start at zero) so no unit is symmetric or dead.
        Span<double> p = net.Parameters;
        for (int i = 0; i < p.Length; i++) p[i] += 0.3 * (random.NextDouble() - 0.5);
        double[] x = Uniform(random, batch * net.InputSize, -1.5, 1.5);
        double[] t = Targets(kind, random, batch, net.OutputSize);

        double loss = net.TrainStep(x, t);
        Assert.True(loss > 0 && double.IsFinite(loss), $"{model}: loss {loss}");
        double[] analytic = net.Gradients.ToArray();
        Assert.Contains(analytic, g => g != 0);

        const double h = 1e-5;
        for (int i = 0; i < p.Length; i++)
        {
            double saved = p[i];
            p[i] = saved + h;
            double plus = net.TrainStep(x, t);
            p[i] = saved - h;
            double minus = net.TrainStep(x, t);
            p[i] = saved;
            double numeric = (plus - minus) / (2 * h);
            double error = Math.Abs(numeric - analytic[i]) / Math.Max(1, Math.Abs(numeric));
            Assert.True(error < 1e-7, $"{model}: parameter {i}: backward {analytic[i]:R}, central difference {numeric:R}");
        }
    }

    [Fact]
    public void HingeLabelsAreZeroOneTargets()
    {
        // One output: the label itself (0 or 1) is the target, and 0 counts as -1.
        var net = new HingeSingle(5);
        double[] x = [0.3, -0.2, 0.9, -1.1, 0.4, 0.05];
        double fromLabels = net.TrainStep(x, [1, 0]);
        double[] gradient = net.Gradients.ToArray();
        Assert.Equal(fromLabels, net.TrainStep(x, [1.0, -1.0]));
        Assert.Equal(gradient, net.Gradients.ToArray());
    }

    private static double[] Targets(TargetKind kind, Random random, int batch, int outputs)
    {
        var t = new double[batch * outputs];
        switch (kind)
        {
            case TargetKind.Regression:
                for (int i = 0; i < t.Length; i++) t[i] = random.NextDouble();
                break;
            case TargetKind.WideRegression: // errors on both sides of Huber's delta
                for (int i = 0; i < t.Length; i++) t[i] = 6 * random.NextDouble() - 3;
                break;
            case TargetKind.PlusMinusOne:
                for (int i = 0; i < t.Length; i++) t[i] = random.Next(2) == 0 ? -1 : 1;
                break;
            case TargetKind.ZeroOne:
                for (int i = 0; i < t.Length; i++) t[i] = random.Next(2);
                break;
            case TargetKind.Distribution:
                for (int s = 0; s < batch; s++)
                {
                    double total = 0;
                    for (int k = 0; k < outputs; k++) total += t[s * outputs + k] = random.NextDouble() + 0.05;
                    for (int k = 0; k < outputs; k++) t[s * outputs + k] /= total;
                }
                break;
            case TargetKind.OneHot:
                for (int s = 0; s < batch; s++) t[s * outputs + random.Next(outputs)] = 1;
                break;
        }
        return t;
    }

    private static double[] Uniform(Random random, int n, double lo, double hi)
    {
        var v = new double[n];
        for (int i = 0; i < n; i++) v[i] = lo + (hi - lo) * random.NextDouble();
        return v;
    }
}
