using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using Dsl;
using Xunit;

namespace Dsl.Runtime.Tests;

// Networks small enough for the lanes path (at most LaneEmitter.Threshold = 256 multiply-adds per sample): every
// activation, in hidden and output layers (softmax only on the output, as DSL011 requires), every loss, a Flatten, a single output trained from labels, L2 penalties.
[Input(2), Dense(3, Act.Tanh, L2 = 0.01), Dense(2, Act.Softmax, L2 = 0.003), Loss(Loss.CrossEntropy)]
public partial class LaneTanhSoftmaxCe;
[Input(3), Dense(5, Act.Softplus), Dense(2, Act.Sigmoid), Loss(Loss.BinaryCrossEntropy)]
public partial class LaneSoftplusSigmoidBce;
[Input(4), Dense(6, Act.ReLU), Dense(3), Loss(Loss.MeanSquaredError)]
public partial class LaneReluLinearMse;
[Input(3), Dense(4, Act.Sigmoid), Dense(3, Act.Softmax), Loss(Loss.SumSquaredError)]
public partial class LaneSigmoidSoftmaxSse;
[Input(3), Dense(4, Act.Linear), Dense(2, Act.Softmax), Loss(Loss.MeanSquaredError)]
public partial class LaneLinearSoftmaxMse;
[Input(1, 2, 2), Flatten, Dense(3, Act.Tanh), Dense(1, Act.Sigmoid), Loss(Loss.BinaryCrossEntropy)]
public partial class LaneFlattenSingleBce;
[Input(4), Dense(8, Act.Softplus), Dense(8, Act.Sigmoid), Dense(8, Act.ReLU), Dense(4, Act.Softmax), Loss(Loss.CrossEntropy)]
public partial class LaneDeepCe;
[Precision(Precision.Double), Input(2), Dense(3, Act.Tanh, L2 = 0.01), Dense(2, Act.Softmax, L2 = 0.003), Loss(Loss.CrossEntropy)]
public partial class LaneDoubleTanhSoftmaxCe;
[Precision(Precision.Double), Input(3), Dense(4, Act.ReLU), Dense(4, Act.Softplus, L2 = 0.02), Dense(2, Act.Sigmoid), Loss(Loss.BinaryCrossEntropy)]
public partial class LaneDoubleMixedBce;
[Precision(Precision.Double), Input(3), Dense(4, Act.Sigmoid), Dense(3, Act.Softmax), Loss(Loss.SumSquaredError)]
public partial class LaneDoubleSoftmaxSse;

/// <summary>
/// The lanes path (groups of 16 float or 8 double samples, one per SIMD lane, padded at the tail) against a plain
/// per-sample reference written here in double precision: loss, every gradient and the outputs, for every batch size
/// from 1 to 40, so every tail length occurs. Also: a sample's output does not depend on where its group ends, and the
/// path does not depend on the worker count.
/// </summary>
public class LanesPathTests
{
    /// <summary>A model, its activations layer by layer, its loss and its L2 factors: what the reference needs to know.</summary>
    public sealed record Case(Func<int, object> Create, Act[] Activations, Loss Loss, double[] L2);

    private static readonly Dictionary<string, Case> Cases = new()
    {
        ["TanhSoftmaxCe"] = new(s => new LaneTanhSoftmaxCe(s), [Act.Tanh, Act.Softmax], Loss.CrossEntropy, [0.01, 0.003]),
        ["SoftplusSigmoidBce"] = new(s => new LaneSoftplusSigmoidBce(s), [Act.Softplus, Act.Sigmoid], Loss.BinaryCrossEntropy, [0, 0]),
        ["ReluLinearMse"] = new(s => new LaneReluLinearMse(s), [Act.ReLU, Act.Linear], Loss.MeanSquaredError, [0, 0]),
        ["SigmoidSoftmaxSse"] = new(s => new LaneSigmoidSoftmaxSse(s), [Act.Sigmoid, Act.Softmax], Loss.SumSquaredError, [0, 0]),
        ["LinearSoftmaxMse"] = new(s => new LaneLinearSoftmaxMse(s), [Act.Linear, Act.Softmax], Loss.MeanSquaredError, [0, 0]),
        ["FlattenSingleBce"] = new(s => new LaneFlattenSingleBce(s), [Act.Tanh, Act.Sigmoid], Loss.BinaryCrossEntropy, [0, 0]),
        ["DeepCe"] = new(s => new LaneDeepCe(s), [Act.Softplus, Act.Sigmoid, Act.ReLU, Act.Softmax], Loss.CrossEntropy, [0, 0, 0, 0]),
        ["DoubleTanhSoftmaxCe"] = new(s => new LaneDoubleTanhSoftmaxCe(s), [Act.Tanh, Act.Softmax], Loss.CrossEntropy, [0.01, 0.003]),
        ["DoubleMixedBce"] = new(s => new LaneDoubleMixedBce(s), [Act.ReLU, Act.Softplus, Act.Sigmoid], Loss.BinaryCrossEntropy, [0, 0.02, 0]),
        ["DoubleSoftmaxSse"] = new(s => new LaneDoubleSoftmaxSse(s), [Act.Sigmoid, Act.Softmax], Loss.SumSquaredError, [0, 0]),
    };

    public static IEnumerable<object[]> CaseNames() => Cases.Keys.Select(k => new object[] { k });

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void MatchesPerSampleReferenceForEveryBatchFrom1To40(string name)
    {
        Case c = Cases[name];
        object net = c.Create(3);
        Assert.NotNull(net.GetType().GetField("LaneCount")); // the generator chose the lanes path for this model
        if (net is ITrainable<float> f) Check(f, c, name, absolute: 5e-7, relative: 1e-5);
        else Check((ITrainable<double>)net, c, name, absolute: 1e-15, relative: 1e-12);
    }

    private static void Check<T>(ITrainable<T> net, Case c, string name, double absolute, double relative)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(name.Length * 101);
        Span<T> p = net.Parameters;
        for (int i = 0; i < p.Length; i++) p[i] += T.CreateTruncating(0.4 * (random.NextDouble() - 0.5)); // biases off zero
        double[] parameters = p.ToArray().Select(v => double.CreateTruncating(v)).ToArray();
        var reference = new ReferenceNetwork(net.InputSize, net.ParameterCount, net.ParameterLayout, c);
        for (int batch = 1; batch <= 40; batch++)
        {
            T[] x = Enumerable.Range(0, batch * net.InputSize).Select(_ => T.CreateTruncating(3 * random.NextDouble() - 1.5)).ToArray();
            int[] labels = Enumerable.Range(0, batch).Select(_ => random.Next(Math.Max(2, net.OutputSize))).ToArray();
            T[] t = new T[batch * net.OutputSize];
            if (c.Loss == Loss.CrossEntropy || net.OutputSize == 1)
                for (int s = 0; s < batch; s++) t[s * net.OutputSize + (net.OutputSize == 1 ? 0 : labels[s])] = net.OutputSize == 1 ? T.CreateTruncating(labels[s]) : T.One;
            else
                for (int i = 0; i < t.Length; i++) t[i] = T.CreateTruncating(random.NextDouble());
            double[] xd = x.Select(v => double.CreateTruncating(v)).ToArray();
            double[] td = t.Select(v => double.CreateTruncating(v)).ToArray();
            var (expectedLoss, expectedGradient, expectedOutput) = reference.Run(parameters, xd, td, batch);
            string where = $"{name}, batch {batch}";

            T loss = net.TrainStep(x, t);
            Near(expectedLoss, double.CreateTruncating(loss), absolute, relative, $"{where}: loss");
            T[] gradient = net.Gradients.ToArray();
            for (int i = 0; i < gradient.Length; i++)
                Near(expectedGradient[i], double.CreateTruncating(gradient[i]), absolute, relative, $"{where}: gradient {i}");

            // Labels (one-hot, or the label itself for one output) train exactly like the targets they stand for.
            if (c.Loss == Loss.CrossEntropy || net.OutputSize == 1)
            {
                Assert.Equal(loss, net.TrainStep(x, labels));
                Assert.Equal(gradient, net.Gradients.ToArray());
            }

            var y = new T[batch * net.OutputSize];
            net.Forward(x, y);
            for (int i = 0; i < y.Length; i++)
                Near(expectedOutput[i], double.CreateTruncating(y[i]), absolute, relative, $"{where}: output {i}");

            // Each sample alone gives the same bits as inside the batch: padded lanes change nothing.
            var alone = new T[net.OutputSize];
            for (int s = 0; s < batch; s++)
            {
                net.Forward(x.AsSpan(s * net.InputSize, net.InputSize), alone);
                Assert.Equal(y.AsSpan(s * net.OutputSize, net.OutputSize).ToArray(), alone);
            }
        }
    }

    private static void Near(double expected, double actual, double absolute, double relative, string what)
    {
        double error = Math.Abs(actual - expected);
        Assert.True(error <= absolute + relative * Math.Abs(expected), $"{what}: lanes {actual:R}, reference {expected:R}, error {error:E2}");
    }

    [Fact]
    public void LabelsTrainLikeTargetsAcrossTailsAndBadLabelsAreRejected()
    {
        var net = new LaneTanhSoftmaxCe(1);
        float[] x = Enumerable.Range(0, 2 * 21).Select(i => MathF.Sin(i)).ToArray();
        int[] labels = Enumerable.Range(0, 21).Select(i => i % 2).ToArray();
        labels[18] = 2;
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => net.TrainStep(x, labels));
        Assert.Contains("Label of sample 18 must be a class in [0, 2), found 2.", error.Message, StringComparison.Ordinal);
        var single = new LaneFlattenSingleBce(1);
        error = Assert.Throws<ArgumentOutOfRangeException>(() => single.TrainStep(new float[4 * 3], [0, 1, -1]));
        Assert.Contains("Label of sample 2 must be 0 or 1 for a model with one output, found -1.", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => net.TrainStep(new float[3], new float[2]));
        Assert.Throws<ArgumentException>(() => net.TrainStep(Array.Empty<float>(), Array.Empty<int>()));
    }

    [Fact]
    public void ModelsAboveTheThresholdKeepTheTilePath()
    {
        Assert.Null(typeof(KernelCe).GetField("LaneCount")); // 20 x 16 + 16 x 12 + ... multiply-adds
        Assert.NotNull(typeof(KernelCe).GetField("TileSize"));
        Assert.Null(typeof(DenseDropout).GetField("LaneCount")); // dropout is not a lanes layer
        Assert.NotNull(typeof(Samples.Moons.MoonsNetH50).GetField("LaneCount")); // 2 x 50 + 50 x 2 = 200
        Assert.Null(typeof(Samples.Moons.MoonsNetH20).GetField("TileSize"));
    }

    [Fact]
    public void ResultsDoNotDependOnTheWorkerCount()
    {
        int saved = Workers.Degree;
        try
        {
            var data = Datasets.Moons(37, noise: 0.2);
            float[][] runs = new float[2][];
            for (int degree = 1; degree <= 2; degree++)
            {
                Workers.Degree = degree;
                var net = new LaneTanhSoftmaxCe(5);
                var sgd = new Sgd<float>(net, 0.5, momentum: 0.9);
                for (int i = 0; i < 50; i++)
                {
                    net.TrainStep(data.Inputs, data.Labels);
                    sgd.Step();
                }
                runs[degree - 1] = net.Parameters.ToArray();
            }
            Assert.Equal(runs[0], runs[1]);
        }
        finally
        {
            Workers.Degree = saved;
        }
    }

    /// <summary>The network computed sample by sample with loops in double precision, the obvious way.</summary>
    private sealed class ReferenceNetwork
    {
        private readonly int _inputs;
        private readonly (int Out, int In, int Weight, int Bias, Act Act, double L2)[] _layers;
        private readonly Loss _loss;
        private readonly int _parameterCount;

        public ReferenceNetwork(int inputs, int parameterCount, IReadOnlyList<TensorInfo> layout, Case c)
        {
            _inputs = inputs;
            _loss = c.Loss;
            _parameterCount = parameterCount;
            _layers = Enumerable.Range(0, layout.Count / 2).Select(l =>
                (layout[2 * l].Shape[0], layout[2 * l].Shape[1], layout[2 * l].Offset, layout[2 * l + 1].Offset, c.Activations[l], c.L2[l])).ToArray();
        }

        public (double Loss, double[] Gradient, double[] Output) Run(double[] p, double[] x, double[] t, int batch)
        {
            int outputs = _layers[^1].Out;
            var gradient = new double[_parameterCount];
            var output = new double[batch * outputs];
            double loss = 0;
            for (int s = 0; s < batch; s++)
            {
                // Forward, keeping every layer's input, pre-activation and output.
                var a = new List<double[]> { x.AsSpan(s * _inputs, _inputs).ToArray() };
                var z = new List<double[]>();
                foreach (var layer in _layers)
                {
                    double[] input = a[^1], pre = new double[layer.Out];
                    for (int o = 0; o < layer.Out; o++)
                    {
                        pre[o] = p[layer.Bias + o];
                        for (int i = 0; i < layer.In; i++) pre[o] += p[layer.Weight + o * layer.In + i] * input[i];
                    }
                    z.Add(pre);
                    a.Add(Activate(layer.Act, pre));
                }
                double[] y = a[^1], zl = z[^1], ts = t.AsSpan(s * outputs, outputs).ToArray();
                y.CopyTo(output, s * outputs);

                // Loss and dL/dz of the last layer (fused losses) or dL/dy (squared errors).
                double[] dz;
                double[]? dy = null;
                switch (_loss)
                {
                    case Loss.CrossEntropy:
                        double max = zl.Max(), lse = max + Math.Log(zl.Sum(v => Math.Exp(v - max)));
                        loss += Enumerable.Range(0, outputs).Sum(k => ts[k] * (lse - zl[k]));
                        dz = Enumerable.Range(0, outputs).Select(k => y[k] * ts.Sum() - ts[k]).ToArray();
                        break;
                    case Loss.BinaryCrossEntropy:
                        loss += Enumerable.Range(0, outputs).Sum(k => Math.Max(zl[k], 0) - zl[k] * ts[k] + Math.Log(1 + Math.Exp(-Math.Abs(zl[k])))) / outputs;
                        dz = Enumerable.Range(0, outputs).Select(k => (y[k] - ts[k]) / outputs).ToArray();
                        break;
                    default:
                        double k2 = _loss == Loss.MeanSquaredError ? outputs : 1;
                        loss += Enumerable.Range(0, outputs).Sum(k => (y[k] - ts[k]) * (y[k] - ts[k])) / k2;
                        dy = Enumerable.Range(0, outputs).Select(k => 2 * (y[k] - ts[k]) / k2).ToArray();
                        dz = Backward(_layers[^1].Act, dy, y);
                        break;
                }

                // Backward, last layer first.
                for (int l = _layers.Length - 1; l >= 0; l--)
                {
                    var layer = _layers[l];
                    if (l < _layers.Length - 1) dz = Backward(layer.Act, dy!, a[l + 1]);
                    double[] input = a[l];
                    for (int o = 0; o < layer.Out; o++)
                    {
                        for (int i = 0; i < layer.In; i++) gradient[layer.Weight + o * layer.In + i] += dz[o] * input[i];
                        gradient[layer.Bias + o] += dz[o];
                    }
                    dy = new double[layer.In];
                    for (int i = 0; i < layer.In; i++)
                        for (int o = 0; o < layer.Out; o++) dy[i] += p[layer.Weight + o * layer.In + i] * dz[o];
                }
            }
            for (int i = 0; i < gradient.Length; i++) gradient[i] /= batch;
            loss /= batch;
            foreach (var layer in _layers.Where(l => l.L2 > 0))
                for (int i = 0; i < layer.Out * layer.In; i++)
                {
                    double w = p[layer.Weight + i];
                    loss += layer.L2 * w * w;
                    gradient[layer.Weight + i] += 2 * layer.L2 * w;
                }
            return (loss, gradient, output);
        }

        private static double[] Activate(Act act, double[] z)
        {
            if (act == Act.Softmax)
            {
                double max = z.Max();
                double[] e = z.Select(v => Math.Exp(v - max)).ToArray();
                double sum = e.Sum();
                return e.Select(v => v / sum).ToArray();
            }
            return z.Select(v => act switch
            {
                Act.Tanh => Math.Tanh(v),
                Act.Sigmoid => 1 / (1 + Math.Exp(-v)),
                Act.ReLU => Math.Max(v, 0),
                Act.Softplus => Math.Max(v, 0) + Math.Log(1 + Math.Exp(-Math.Abs(v))),
                _ => v,
            }).ToArray();
        }

        /// <summary>dL/dz from dL/dy and the output y.</summary>
        private static double[] Backward(Act act, double[] dy, double[] y)
        {
            if (act == Act.Softmax)
            {
                double dot = dy.Zip(y, (d, v) => d * v).Sum();
                return y.Select((v, i) => v * (dy[i] - dot)).ToArray();
            }
            return dy.Select((d, i) => d * act switch
            {
                Act.Tanh => 1 - y[i] * y[i],
                Act.Sigmoid => y[i] * (1 - y[i]),
                Act.ReLU => y[i] > 0 ? 1 : 0,
                Act.Softplus => 1 - Math.Exp(-y[i]),
                _ => 1,
            }).ToArray();
        }
    }
}
