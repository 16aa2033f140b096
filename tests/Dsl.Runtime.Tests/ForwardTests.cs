using System;
using System.Linq;
using MathNet.Numerics.LinearAlgebra;
using Xunit;

namespace Dsl.Runtime.Tests;

/// <summary>Generated Forward against an independent MathNet.Numerics matrix computation, and the contract's error cases.</summary>
public class ForwardTests
{
    /// <summary>Y = act(X Wᵀ + 1 bᵀ) layer by layer, in double precision with MathNet matrices.</summary>
    private static Matrix<double> Reference(IModel<float> net, float[] input, int batch, Func<int, Matrix<double>, Matrix<double>> activation)
    {
        Matrix<double> a = Matrix<double>.Build.Dense(batch, net.InputSize, (s, i) => input[s * net.InputSize + i]);
        float[] p = net.Parameters.ToArray();
        var layout = net.ParameterLayout;
        for (int k = 0; k < layout.Count; k += 2)
        {
            TensorInfo w = layout[k], b = layout[k + 1];
            int outSize = w.Shape[0], inSize = w.Shape[1];
            Matrix<double> weight = Matrix<double>.Build.Dense(outSize, inSize, (o, i) => p[w.Offset + o * inSize + i]);
            Vector<double> bias = Vector<double>.Build.Dense(outSize, o => p[b.Offset + o]);
            Matrix<double> z = a * weight.Transpose();
            for (int s = 0; s < batch; s++) z.SetRow(s, z.Row(s) + bias);
            a = activation(k / 2, z);
        }
        return a;
    }

    private static Matrix<double> Softmax(Matrix<double> z)
    {
        var result = z.Clone();
        for (int s = 0; s < z.RowCount; s++)
        {
            var row = z.Row(s);
            var e = (row - row.Maximum()).PointwiseExp();
            result.SetRow(s, e / e.Sum());
        }
        return result;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(64)]
    [InlineData(150)]
    public void MixedModelMatchesMathNet(int batch)
    {
        var net = new MixedFloat(seed: 3);
        var random = new Random(batch);
        Span<float> p = net.Parameters;
        for (int i = 0; i < p.Length; i++) p[i] += (float)(0.2 * (random.NextDouble() - 0.5));
        float[] x = Enumerable.Range(0, batch * MixedFloat.InputSize).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var y = new float[batch * MixedFloat.OutputSize];
        net.Forward(x, y);

        Matrix<double> expected = Reference(net, x, batch, (layer, z) => layer switch
        {
            0 => z.PointwiseMaximum(0),                                          // ReLU (kernel path: 20 x 16)
            1 => z.Map(v => Math.Max(v, 0) + Math.Log(1 + Math.Exp(-Math.Abs(v)))), // Softplus (kernel path: 16 x 12)
            2 => z.PointwiseTanh(),                                              // Tanh (kernel path: 12 x 30)
            _ => Softmax(z),                                                     // Softmax (kernel path: 30 x 5)
        });
        for (int s = 0; s < batch; s++)
            for (int o = 0; o < MixedFloat.OutputSize; o++)
                Assert.True(Math.Abs(expected[s, o] - y[s * 5 + o]) < 1e-5, $"sample {s} output {o}: MathNet {expected[s, o]}, Dsl {y[s * 5 + o]}");
    }

    [Fact]
    public void InferenceOnlyModelHasForwardAndMatchesMathNet()
    {
        IModel<float> net = new InferenceOnly(seed: 1);
        Assert.IsNotAssignableFrom<ITrainable<float>>(net);
        float[] x = [0.5f, -1, 2, 0.25f, -0.5f, 1, 0, 3];
        var y = new float[4];
        net.Forward(x, y);
        Matrix<double> expected = Reference(net, x, 2, (layer, z) => layer == 0 ? z.PointwiseTanh() : z);
        for (int s = 0; s < 2; s++)
            for (int o = 0; o < 2; o++)
                Assert.Equal(expected[s, o], y[s * 2 + o], 5);
    }

    [Fact]
    public void WrongLengthsThrowNamingBothSizes()
    {
        var net = new RefTanhSoftmaxCe();
        var e = Assert.Throws<ArgumentException>(() => net.Forward(new float[7], new float[3]));
        Assert.Contains("7", e.Message);
        Assert.Contains("InputSize = 4", e.Message);
        e = Assert.Throws<ArgumentException>(() => net.Forward(new float[8], new float[3]));
        Assert.Equal("output", e.ParamName);
        Assert.Contains("output has 3 values, but 2 input samples need 6 (2 x 3)", e.Message);
        e = Assert.Throws<ArgumentException>(() => net.TrainStep(new float[8], new float[5]));
        Assert.Equal("target", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => net.TrainStep(new float[8], new int[3]));
        Assert.Contains("labels has 3 values, but 2 input samples need 2", e.Message);
        e = Assert.Throws<ArgumentException>(() => net.TrainStep(ReadOnlySpan<float>.Empty, ReadOnlySpan<float>.Empty));
        Assert.Contains("at least one sample", e.Message);
    }

    [Fact]
    public void LabelOutsideTheClassesThrowsAndNamesTheSample()
    {
        var net = new RefTanhSoftmaxCe();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => net.TrainStep(new float[8], new[] { 1, 3 }));
        Assert.Contains("Label of sample 1 must be a class in [0, 3), found 3", e.Message);
    }

    [Fact]
    public void SameSeedSameWeightsDifferentSeedDifferentWeights()
    {
        Assert.Equal(new MixedFloat(7).Parameters.ToArray(), new MixedFloat(7).Parameters.ToArray());
        Assert.NotEqual(new MixedFloat(7).Parameters.ToArray(), new MixedFloat(8).Parameters.ToArray());
        // Biases start at zero; Glorot-uniform weights stay within their limit sqrt(6 / (fan_in + fan_out)).
        var net = new MixedFloat(7);
        TensorInfo w = MixedFloat.ParameterLayout[0], b = MixedFloat.ParameterLayout[1];
        Assert.Equal("L1.weight", w.Name);
        Assert.Equal(new[] { 16, 20 }, w.Shape);
        Assert.Equal(0, w.Offset);
        Assert.Equal(320, b.Offset);
        Assert.All(net.Parameters.Slice(b.Offset, b.Length).ToArray(), v => Assert.Equal(0f, v));
        float limit = MathF.Sqrt(6f / 36);
        Assert.All(net.Parameters.Slice(w.Offset, w.Length).ToArray(), v => Assert.InRange(v, -limit, limit));
    }

    [Fact]
    public void SummaryAndConstantsDescribeTheModel()
    {
        Assert.Equal(20, MixedFloat.InputSize);
        Assert.Equal(5, MixedFloat.OutputSize);
        Assert.Equal(20 * 16 + 16 + 16 * 12 + 12 + 12 * 30 + 30 + 30 * 5 + 5, MixedFloat.ParameterCount);
        Assert.Contains("L3 Dense(30, Act.Tanh)", MixedFloat.Summary);
        Assert.Contains("[30]", MixedFloat.Summary);
        Assert.Contains("Total params: 1085 (float)", MixedFloat.Summary);
    }
}
