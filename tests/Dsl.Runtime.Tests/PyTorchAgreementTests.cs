using System;
using System.Collections.Generic;
using System.Text.Json;
using Xunit;

namespace Dsl.Runtime.Tests;

/// <summary>
/// Float32 forward outputs, losses, gradients and SGD trajectories against numbers PyTorch computed for the same
/// weights and data (Reference/make_dense_reference.py). Tolerances: about 1e-4 relative for one pass, 1e-5 relative
/// (plus a tiny absolute floor) after 100 optimizer steps.
/// </summary>
public class PyTorchAgreementTests
{
    private static readonly Dictionary<string, Func<ITrainable<float>>> Models = new()
    {
        ["tanh_softmax_ce"] = () => new RefTanhSoftmaxCe(),
        ["sigmoid_bce"] = () => new RefSigmoidBce(),
        ["wide_relu_softplus_mse"] = () => new RefWideReluSoftplusMse(),
        ["sse_sigmoid"] = () => new RefSseSigmoid(),
    };

    [Theory]
    [InlineData("tanh_softmax_ce")]
    [InlineData("sigmoid_bce")]
    [InlineData("wide_relu_softplus_mse")]
    [InlineData("sse_sigmoid")]
    public void ForwardLossAndGradientMatchPyTorch(string name)
    {
        JsonElement c = ReferenceData.Case(name);
        ITrainable<float> net = Models[name]();
        float[] parameters = c.Floats("params");
        Assert.Equal(parameters.Length, net.ParameterCount);
        parameters.CopyTo(net.Parameters);
        float[] x = c.Floats("input"), t = c.Floats("target");

        var output = new float[t.Length];
        net.Forward(x, output);
        AssertClose(c.Floats("output"), output, 1e-5, 1e-6, "output");

        float loss = net.TrainStep(x, t);
        AssertClose([(float)c.GetProperty("loss").GetDouble()], [loss], 1e-5, 0, "loss");
        AssertClose(c.Floats("grad"), net.Gradients.ToArray(), 1e-4, 1e-6, "gradient");

        if (c.TryGetProperty("labels", out _))
        {
            Assert.Equal(loss, net.TrainStep(x, c.Ints("labels")));
        }
    }

    [Theory]
    [InlineData("plain")]
    [InlineData("momentum")]
    [InlineData("dampening")]
    [InlineData("nesterov_wd")]
    [InlineData("wd_only")]
    public void SgdTrajectoryMatchesTorchOptim(string config)
    {
        JsonElement c = ReferenceData.Case("tanh_softmax_ce");
        JsonElement run = ReferenceData.Sgd(config);
        var net = new RefTanhSoftmaxCe();
        c.Floats("params").CopyTo(net.Parameters);
        var sgd = new Sgd<float>(net,
            learningRate: run.GetProperty("lr").GetDouble(),
            momentum: run.GetProperty("momentum").GetDouble(),
            dampening: run.GetProperty("dampening").GetDouble(),
            weightDecay: run.GetProperty("weight_decay").GetDouble(),
            nesterov: run.GetProperty("nesterov").GetBoolean());
        float[] x = c.Floats("input");
        int[] labels = c.Ints("labels");
        float[] expectedLosses = run.Floats("losses");
        var losses = new float[expectedLosses.Length];
        for (int step = 0; step < losses.Length; step++)
        {
            losses[step] = net.TrainStep(x, labels);
            sgd.Step();
        }
        AssertClose(expectedLosses, losses, 1e-5, 0, "losses");
        AssertClose(run.Floats("final_params"), net.Parameters.ToArray(), 1e-5, 1e-6, "parameters after 100 steps");
    }

    internal static void AssertClose(float[] expected, float[] actual, double relative, double absolute, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double diff = Math.Abs((double)expected[i] - actual[i]);
            Assert.True(diff <= relative * Math.Abs(expected[i]) + absolute,
                $"{what}[{i}]: PyTorch {expected[i]:R}, Dsl {actual[i]:R} (difference {diff:E2})");
        }
    }
}
