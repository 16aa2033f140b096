using System;
using System.Collections.Generic;
using System.Linq;
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
        ["ConvValidMaxPool"] = () => new ConvValidMaxPool(21), ["ConvSameAvgPool"] = () => new ConvSameAvgPool(22),
        ["ConvSameStride2"] = () => new ConvSameStride2(23), ["ConvValidStride2"] = () => new ConvValidStride2(24),
        ["ConvAvgPoolSse"] = () => new ConvAvgPoolSse(25), ["DenseDropout"] = () => new DenseDropout(26), ["ConvDropout"] = () => new ConvDropout(27),
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
        ITrainable<double> net = Models[model]();
        var random = new Random(batch * 7919 + model.Length);
        // Move every parameter off its initial value (biases start at zero) so no unit is symmetric or dead.
        Span<double> p = net.Parameters;
        for (int i = 0; i < p.Length; i++) p[i] += 0.3 * (random.NextDouble() - 0.5);
        double[] x = Uniform(random, batch * net.InputSize, -1.5, 1.5);
        double[] t = Targets(model, random, batch, net.OutputSize);

        // Dropout layers draw a new mask every step; restoring the generator's state repeats the mask exactly.
        Func<double> step = net switch
        {
            DenseDropout d => WithFixedMask(() => d.DropoutState, s => d.DropoutState = s, () => net.TrainStep(x, t)),
            ConvDropout d => WithFixedMask(() => d.DropoutState, s => d.DropoutState = s, () => net.TrainStep(x, t)),
            _ => () => net.TrainStep(x, t),
        };
        step();
        double[] analytic = net.Gradients.ToArray();

        const double h = 1e-5;
        double worst = 0;
        for (int i = 0; i < p.Length; i++)
        {
            double saved = p[i];
            p[i] = saved + h;
            double plus = step();
            p[i] = saved - h;
            double minus = step();
            p[i] = saved;
            double numeric = (plus - minus) / (2 * h);
            double error = Math.Abs(numeric - analytic[i]) / Math.Max(1, Math.Abs(numeric));
            worst = Math.Max(worst, error);
            Assert.True(error < 1e-7, $"{model}: parameter {i} ({Describe(net, i)}): backward {analytic[i]:R}, central difference {numeric:R}");
        }
        Assert.True(worst < 1e-7);
    }

    private static Func<double> WithFixedMask(Func<ulong> get, Action<ulong> set, Func<double> trainStep)
    {
        ulong state = get();
        return () =>
        {
            set(state);
            return trainStep();
        };
    }

    [Fact]
    public void DropoutMasksAreSeededAndScaled()
    {
        var a = new DenseDropout(3);
        var b = new DenseDropout(3);
        double[] x = [0.1, -0.2, 0.3, 0.4, -0.5, 0.6];
        int[] label = [1];
        Assert.Equal(a.TrainStep(x, label), b.TrainStep(x, label)); // same seed, same mask
        Assert.Equal(a.Gradients.ToArray(), b.Gradients.ToArray());
        ulong before = a.DropoutState;
        a.TrainStep(x, label);
        Assert.NotEqual(before, a.DropoutState); // every step draws a new mask

        // Inverted dropout at rate 0.5: each kept value is doubled, and about half are kept.
        var mask = new double[10000];
        var y = new double[mask.Length];
        var ones = new double[mask.Length];
        Array.Fill(ones, 1.0);
        ulong state = Dropout.InitialState(1);
        Dropout.Forward<double>(y, mask, ones, 0.5, ref state);
        Assert.All(mask, m => Assert.True(m == 0 || m == 2));
        Assert.InRange(mask.Count(m => m == 2), 4800, 5200);
        Assert.Equal(mask, y);

        // Forward is inference: dropout passes values through.
        var out1 = new double[3];
        var out2 = new double[3];
        a.Forward(x, out1);
        a.Forward(x, out2);
        Assert.Equal(out1, out2);
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
