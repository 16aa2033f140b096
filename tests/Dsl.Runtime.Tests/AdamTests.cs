using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using Xunit;
using Xunit.Abstractions;

namespace Dsl.Runtime.Tests;

/// <summary>
/// Adam and AdamW against torch.optim.Adam / AdamW (Reference/make_optimizer_reference.py): 100-step float32 training
/// trajectories from the "tanh_softmax_ce" case of dense_reference.json (1e-5 relative), and 100 steps on exactly
/// representable gradients (bit for bit); the first step in closed form in double precision; zero allocation; defaults;
/// argument validation.
/// </summary>
public class AdamTests(ITestOutputHelper output)
{
    private static readonly Lazy<JsonDocument> Reference = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Reference", "optimizer_reference.json"))));

    [Theory]
    [InlineData("adam")]
    [InlineData("adam_wd_amsgrad")]
    [InlineData("adamw")]
    public void TrajectoryMatchesTorchOptim(string config)
    {
        JsonElement root = Reference.Value.RootElement;
        JsonElement run = root.GetProperty("runs").GetProperty(config);
        JsonElement c = ReferenceData.Case(root.GetProperty("case").GetString()!);
        var net = new RefTanhSoftmaxCe();
        c.Floats("params").CopyTo(net.Parameters);
        Optimizer<float> optimizer = Create(run, net);
        float[] x = c.Floats("input");
        int[] labels = c.Ints("labels");
        float[] expectedLosses = run.Floats("losses");
        Assert.Equal(root.GetProperty("steps").GetInt32(), expectedLosses.Length);
        var losses = new float[expectedLosses.Length];
        for (int step = 0; step < losses.Length; step++)
        {
            losses[step] = net.TrainStep(x, labels);
            optimizer.Step();
        }
        float[] expectedParams = run.Floats("final_params"), actualParams = net.Parameters.ToArray();
        output.WriteLine($"{config}: max relative difference from PyTorch: losses {MaxRelative(expectedLosses, losses):E2}, "
            + $"final parameters {MaxRelative(expectedParams, actualParams):E2}");
        PyTorchAgreementTests.AssertClose(expectedLosses, losses, 1e-5, 1e-6, "losses");
        PyTorchAgreementTests.AssertClose(expectedParams, actualParams, 1e-5, 1e-6, "parameters after 100 steps");
        Assert.Equal(expectedLosses.Length, optimizer.Iterations);
    }

    [Theory]
    [InlineData("adam")]
    [InlineData("adam_wd_amsgrad")]
    [InlineData("adamw")]
    public void IsolatedTrajectoryIsBitIdenticalToTorchOptim(string config)
    {
        // One tensor and exactly representable gradients (make_optimizer_reference.py): the only rounding is the
        // optimizer's, so float32 Adam/AdamW must give PyTorch's parameters bit for bit.
        JsonElement root = Reference.Value.RootElement;
        JsonElement run = root.GetProperty("runs").GetProperty(config);
        var model = new FixedGradientModel(40);
        for (int j = 0; j < 40; j++) model.Parameters[j] = (j - 20) / 32f;
        Optimizer<float> optimizer = Create(run, model);
        for (int t = 1; t <= root.GetProperty("steps").GetInt32(); t++)
        {
            for (int j = 0; j < 40; j++) model.Gradients[j] = (float)(((7 * j + 13 * t) % 17 - 8) / Math.Pow(2, 4 + t % 5));
            optimizer.Step();
        }
        Assert.Equal(root.GetProperty("isolated").GetProperty(config).Floats("final_params"), model.Parameters.ToArray());
    }

    [Fact]
    public void FirstStepMovesEachParameterByTheLearningRate()
    {
        // At t = 1 the bias-corrected moments are g and g², so the step is lr * g / (|g| + eps): lr against the gradient's sign.
        var net = new MseTanh(3);
        double[] x = [0.3, -0.7, 1.1, -0.2, 0.5, 0.9], t = [0.1, -0.4, 0.6, 0.2, 0.8, -0.5];
        net.TrainStep(x, t);
        double[] before = net.Parameters.ToArray(), grad = net.Gradients.ToArray();
        new Adam<double>(net, learningRate: 0.05, epsilon: 0).Step();
        for (int i = 0; i < before.Length; i++)
        {
            Assert.NotEqual(0, grad[i]);
            Assert.Equal(before[i] - 0.05 * Math.Sign(grad[i]), net.Parameters[i], 1e-15);
        }
    }

    [Fact]
    public void StepAllocatesNothing()
    {
        var net = new MixedFloat(1);
        float[] x = new float[150 * MixedFloat.InputSize];
        int[] labels = new int[150];
        for (int i = 0; i < x.Length; i++) x[i] = MathF.Sin(i);
        for (int s = 0; s < labels.Length; s++) labels[s] = s % MixedFloat.OutputSize;
        net.TrainStep(x, labels);
        var adam = new Adam<float>(net, 1e-3, weightDecay: 1e-4, amsGrad: true);
        var adamW = new AdamW<float>(net, 1e-3, amsGrad: true);
        Assert.Equal(0, AllocationTests.Allocated(adam.Step));
        Assert.Equal(0, AllocationTests.Allocated(adamW.Step));
        Assert.Equal(0, AllocationTests.Allocated(() => { net.TrainStep(x, labels); adam.Step(); }));
    }

    [Fact]
    public void DefaultsAreTorchs()
    {
        var net = new RefTanhSoftmaxCe();
        var adam = new Adam<float>(net);
        var adamW = new AdamW<float>(net);
        Assert.Equal((1e-3, 0.9, 0.999, 1e-8, 0.0, false), (adam.LearningRate, adam.Beta1, adam.Beta2, adam.Epsilon, adam.WeightDecay, adam.AmsGrad));
        Assert.Equal((1e-3, 0.9, 0.999, 1e-8, 0.01, false), (adamW.LearningRate, adamW.Beta1, adamW.Beta2, adamW.Epsilon, adamW.WeightDecay, adamW.AmsGrad));
    }

    [Theory]
    [InlineData("learningRate", -0.001, "Expected a finite, non-negative learning rate.")]
    [InlineData("learningRate", double.PositiveInfinity, "Expected a finite, non-negative learning rate.")]
    [InlineData("beta1", -0.1, "Expected beta1 in [0, 1) (PyTorch's betas[0]).")]
    [InlineData("beta1", 1.0, "Expected beta1 in [0, 1) (PyTorch's betas[0]).")]
    [InlineData("beta2", 1.0, "Expected beta2 in [0, 1) (PyTorch's betas[1]).")]
    [InlineData("beta2", double.NaN, "Expected beta2 in [0, 1) (PyTorch's betas[1]).")]
    [InlineData("epsilon", -1e-8, "Expected a finite, non-negative epsilon.")]
    [InlineData("weightDecay", -0.01, "Expected a finite, non-negative weightDecay.")]
    public void InvalidArgumentsThrow(string name, double value, string message)
    {
        var net = new RefTanhSoftmaxCe();
        double Arg(string n, double fallback) => n == name ? value : fallback;
        Func<object>[] constructors =
        [
            () => new Adam<float>(net, Arg("learningRate", 1e-3), Arg("beta1", 0.9), Arg("beta2", 0.999), Arg("epsilon", 1e-8), Arg("weightDecay", 0)),
            () => new AdamW<float>(net, Arg("learningRate", 1e-3), Arg("beta1", 0.9), Arg("beta2", 0.999), Arg("epsilon", 1e-8), Arg("weightDecay", 0.01)),
        ];
        foreach (Func<object> construct in constructors)
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(construct);
            Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
            // The base class validates the learning rate through its setter, whose parameter is "value".
            Assert.Equal(name == "learningRate" ? "value" : name, e.ParamName);
        }
        Assert.Throws<ArgumentNullException>(() => new Adam<float>(null!));
    }

    /// <summary>The run's optimizer, with its hyper-parameters, on <paramref name="model"/>.</summary>
    private static Optimizer<float> Create(JsonElement run, IModel<float> model)
    {
        double lr = run.GetProperty("lr").GetDouble(), beta1 = run.GetProperty("beta1").GetDouble();
        double beta2 = run.GetProperty("beta2").GetDouble(), eps = run.GetProperty("eps").GetDouble();
        double wd = run.GetProperty("weight_decay").GetDouble();
        bool amsGrad = run.GetProperty("amsgrad").GetBoolean();
        return run.GetProperty("optimizer").GetString() switch
        {
            "Adam" => new Adam<float>(model, lr, beta1, beta2, eps, wd, amsGrad),
            "AdamW" => new AdamW<float>(model, lr, beta1, beta2, eps, wd, amsGrad),
            var other => throw new InvalidDataException($"Unknown optimizer {other}."),
        };
    }

    /// <summary>A bare parameter vector whose gradient the test writes directly.</summary>
    private sealed class FixedGradientModel(int count) : IModel<float>
    {
        private readonly float[] _parameters = new float[count], _gradients = new float[count];
        public int InputSize => 0;
        public int OutputSize => 0;
        public int ParameterCount => count;
        public Span<float> Parameters => _parameters;
        public Span<float> Gradients => _gradients;
        public IReadOnlyList<TensorInfo> ParameterLayout => [];
        public void Forward(ReadOnlySpan<float> input, Span<float> output) => throw new NotSupportedException();
    }

    private static double MaxRelative(float[] expected, float[] actual)
        => expected.Zip(actual, (e, a) => Math.Abs((double)e - a) / Math.Abs((double)e)).Max();
}
