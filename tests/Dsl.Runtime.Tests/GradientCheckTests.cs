using System;
using System.Collections.Generic;
using Xunit;

namespace Dsl.Runtime.Tests;

/// <summary>
/// Double-precision gradient checks: the generated backward pass against central differences of the loss
/// (seed 001's numerical_gradient) for every activation x loss, the kernel path, Flatten and L2 penalties.
/// </summary>
public class GradientCheckTests
{
    private static readonly Dictionary<string, Func<ITrainable<double>>> Models = new()
    {
        ["MseLinear"] = () => new MseLinear(1), ["MseSigmoid"] = () => new MseSigmoid(2), ["MseTanh"] = () => new MseTanh(3),
        ["MseReLU"] = () => new MseReLU(4), ["MseSoftplus"] = () => new MseSoftplus(5), ["MseSoftmax"] = () => new MseSoftmax(6),
        ["SseLinear"] = () => new SseLinear(7), ["SseSigmoid"] = () => new SseSigmoid(8), ["SseTanh"] = () => new SseTanh(9),
        ["SseReLU"] = () => new SseReLU(10), ["SseSoftplus"] = () => new SseSoftplus(11), ["SseSoftmax"] = () => new SseSoftmax(12),
        ["CeSoftmax"] = () => new CeSoftmax(13), ["BceSigmoid"] = () => new BceSigmoid(14),
        ["KernelCe"] = () => new KernelCe(15), ["KernelSoftmaxMse"] = () => new KernelSoftmaxMse(16), ["KernelBce"] = () => new KernelBce(17),
        ["FlattenBce"] = () => new FlattenBce(18), ["RegularisedCe"] = () => new RegularisedCe(19), ["RegularisedKernelMse"] = () => new RegularisedKernelMse(20),
    };

    public static IEnumerable<object[]> Cases()
    {
        foreach (string name in Models.Keys)
        {
            yield return [name, 5];
            yield return [name, 70]; // more than one tile of 64 samples
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void BackwardMatchesCentralDifferences(string model, int batch)
    {
        ITrainable<double> net = Models[model]();
        var random = new Random(batch * 7919 + model.Length);
        // Move every parameter off its initial value (biases start at zero) so no unit is symmetric or dead.
        Span<double> p = net.Parameters;
        for (int i = 0; i < p.Length; i++) p[i] += 0.3 * (random.NextDouble() - 0.5);
        double[] x = Uniform(random, batch * net.InputSize, -1.5, 1.5);
        double[] t = Targets(model, random, batch, net.OutputSize);

        net.TrainStep(x, t);
        double[] analytic = net.Gradients.ToArray();

        const double h = 1e-5;
        double worst = 0;
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
            worst = Math.Max(worst, error);
            Assert.True(error < 1e-7, $"{model}: parameter {i} ({Describe(net, i)}): backward {analytic[i]:R}, central difference {numeric:R}");
        }
        Assert.True(worst < 1e-7);
    }

    [Fact]
    public void LabelsTrainLikeTheirOneHotTargets()
    {
        var net = new CeSoftmax(3);
        var random = new Random(5);
        double[] x = Uniform(random, 9 * CeSoftmax.InputSize, -1, 1);
        int[] labels = [0, 2, 1, 1, 0, 2, 2, 0, 1];
        var oneHot = new double[labels.Length * CeSoftmax.OutputSize];
        for (int s = 0; s < labels.Length; s++) oneHot[s * 3 + labels[s]] = 1;

        double lossFromLabels = net.TrainStep(x, labels);
        double[] gradientFromLabels = net.Gradients.ToArray();
        double lossFromTargets = net.TrainStep(x, oneHot);
        Assert.Equal(lossFromTargets, lossFromLabels);
        Assert.Equal(net.Gradients.ToArray(), gradientFromLabels);
    }

    private static double[] Targets(string model, Random random, int batch, int outputs)
    {
        var t = new double[batch * outputs];
        if (model.Contains("Ce", StringComparison.Ordinal) && !model.Contains("Bce", StringComparison.Ordinal))
        {
            for (int s = 0; s < batch; s++) t[s * outputs + random.Next(outputs)] = 1;
            return t;
        }
        for (int i = 0; i < t.Length; i++) t[i] = random.NextDouble(); // probabilities for BCE, any values for squared errors
        return t;
    }

    private static double[] Uniform(Random random, int n, double lo, double hi)
    {
        var v = new double[n];
        for (int i = 0; i < n; i++) v[i] = lo + (hi - lo) * random.NextDouble();
        return v;
    }

    private static string Describe(IModel<double> net, int index)
    {
        foreach (TensorInfo tensor in net.ParameterLayout)
            if (index >= tensor.Offset && index < tensor.Offset + tensor.Length) return $"{tensor.Name}[{index - tensor.Offset}]";
        return "?";
    }
}
