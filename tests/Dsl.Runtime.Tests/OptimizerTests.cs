using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using Xunit;
using Xunit.Abstractions;

namespace Dsl.Runtime.Tests;

/// <summary>
/// Adagrad, RMSprop and Adadelta against torch.optim (Reference/make_adaptive_optimizer_reference.py): 100-step float32
/// training trajectories from the "tanh_softmax_ce" case of dense_reference.json (1e-5 relative), and 100 steps on exactly
/// representable gradients (bit for bit); the first step in closed form in double precision; state names; zero allocation;
/// defaults; argument validation. (Adam, AdamW and AMSGrad are covered the same way by <see cref="AdamTests"/>.)
/// </summary>
public class OptimizerTests(ITestOutputHelper output)
{
    private static readonly Lazy<JsonDocument> Reference = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Reference", "adaptive_optimizer_reference.json"))));

    private static readonly string[] ConfigNames =
    [
        "adagrad", "adagrad_decay_wd_init",
        "rmsprop", "rmsprop_momentum", "rmsprop_centered", "rmsprop_centered_momentum_wd",
        "adadelta", "adadelta_wd",
    ];

    public static TheoryData<string> Configs => new(ConfigNames);

    [Fact]
    public void ReferenceHoldsExactlyTheTestedConfigurations()
    {
        // A configuration added to the script but not to Configs would otherwise go untested.
        JsonElement root = Reference.Value.RootElement;
        string[] runs = root.GetProperty("runs").EnumerateObject().Select(p => p.Name).ToArray();
        string[] isolated = root.GetProperty("isolated").EnumerateObject().Select(p => p.Name).ToArray();
        Assert.Equal(ConfigNames, runs);
        Assert.Equal(ConfigNames, isolated);
    }

    [Theory]
    [MemberData(nameof(Configs))]
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
        output.WriteLine($"{config}: largest difference from PyTorch as a fraction of the tolerance (1e-5 relative + 1e-6): "
            + $"losses {ToleranceUsed(expectedLosses, losses):F3}, final parameters {ToleranceUsed(expectedParams, actualParams):F3}");
        PyTorchAgreementTests.AssertClose(expectedLosses, losses, 1e-5, 1e-6, "losses");
        PyTorchAgreementTests.AssertClose(expectedParams, actualParams, 1e-5, 1e-6, "parameters after 100 steps");
        Assert.Equal(expectedLosses.Length, optimizer.Iterations);
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void IsolatedTrajectoryIsBitIdenticalToTorchOptim(string config)
    {
        // One tensor and exactly representable gradients: the only rounding is the optimizer's, so float32 must give
        // PyTorch's parameters bit for bit (same operations, same order, same fused multiply-adds).
        JsonElement root = Reference.Value.RootElement;
        var model = new VectorModel(40);
        for (int j = 0; j < 40; j++) model.Parameters[j] = (j - 20) / 32f;
        Optimizer<float> optimizer = Create(root.GetProperty("runs").GetProperty(config), model);
        for (int t = 1; t <= root.GetProperty("steps").GetInt32(); t++)
        {
            for (int j = 0; j < 40; j++) model.Gradients[j] = (float)(((7 * j + 13 * t) % 17 - 8) / Math.Pow(2, 4 + t % 5));
            optimizer.Step();
        }
        Assert.Equal(root.GetProperty("isolated").GetProperty(config).Floats("final_params"), model.Parameters.ToArray());
    }

    [Fact]
    public void AdagradStepsInClosedForm()
    {
        // sum = init + g², then p -= lr / (1 + (t - 1) * decay) * g / (sqrt(sum) + eps): worked by hand in double.
        var model = new VectorModel<double>([1.0, -2.0, 0.5]);
        var adagrad = new Adagrad<double>(model, learningRate: 0.1, learningRateDecay: 0.5, weightDecay: 0.2,
            initialAccumulatorValue: 0.25, epsilon: 1e-3);
        Assert.Equal([0.25, 0.25, 0.25], adagrad.State.Single(s => s.Key == "sum").Value);
        double[] g1 = [0.3, 0.4, -1.0];
        double[] p0 = [1.0, -2.0, 0.5];
        g1.CopyTo(model.Gradients);
        adagrad.Step();
        double[] sum1 = new double[3], p1 = new double[3];
        for (int i = 0; i < 3; i++)
        {
            double g = g1[i] + 0.2 * p0[i];            // 0.5, 0.0, -0.9
            sum1[i] = 0.25 + g * g;                    // 0.5, 0.25, 1.06
            p1[i] = p0[i] - 0.1 * g / (Math.Sqrt(sum1[i]) + 1e-3);
        }
        Assert.Equal(1 - 0.1 * 0.5 / (Math.Sqrt(0.5) + 1e-3), p1[0], 1e-15);
        AssertClose(p1, model.Parameters, 1e-15);
        // Step 2: the rate is lr / (1 + 1 * 0.5).
        double[] g2 = [-0.1, 0.2, 0.3];
        g2.CopyTo(model.Gradients);
        adagrad.Step();
        var p2 = new double[3];
        for (int i = 0; i < 3; i++)
        {
            double g = g2[i] + 0.2 * p1[i];
            p2[i] = p1[i] - 0.1 / 1.5 * g / (Math.Sqrt(sum1[i] + g * g) + 1e-3);
        }
        AssertClose(p2, model.Parameters, 1e-15);
    }

    [Fact]
    public void RmsPropFirstStepIsLearningRateOverRootOfOneMinusAlpha()
    {
        // v = (1 - alpha) g², so with eps = 0 the first step is lr · g / (sqrt(1 - alpha) |g|) = lr / sqrt(1 - alpha) · sign(g).
        // Centered: gAvg = (1 - alpha) g, v - gAvg² = (1 - alpha) alpha g², so the step is lr / sqrt((1 - alpha) alpha) · sign(g).
        // With momentum the buffer starts at zero, so the first step is the same; the second adds momentum times the first.
        double[] g = [0.3, -0.02, 5.0];
        foreach (bool centered in new[] { false, true })
        {
            var model = new VectorModel<double>([0.0, 0.0, 0.0]);
            var rms = new RmsProp<double>(model, learningRate: 0.01, alpha: 0.75, epsilon: 0, momentum: 0.5, centered: centered);
            double size = 0.01 / Math.Sqrt(centered ? 0.25 * 0.75 : 0.25);
            g.CopyTo(model.Gradients);
            rms.Step();
            AssertClose(g.Select(v => -size * Math.Sign(v)).ToArray(), model.Parameters, 1e-15);
            // Second step, same gradient: v = 0.75 · 0.25 g² + 0.25 g² = 0.4375 g²; centered: gAvg = 0.4375 g, v - gAvg² = 0.24609375 g².
            double size2 = 0.01 / Math.Sqrt(centered ? 0.24609375 : 0.4375);
            rms.Step();
            AssertClose(g.Select(v => -(1.5 * size + size2) * Math.Sign(v)).ToArray(), model.Parameters, 1e-15);
        }
    }

    [Fact]
    public void AdadeltaFirstStepUsesEpsilonInsideBothRoots()
    {
        // delta = sqrt(0 + eps) / sqrt((1 - rho) g² + eps) · g; u = (1 - rho) delta²; the second step uses sqrt(u + eps).
        var model = new VectorModel<double>([1.0, 2.0]);
        var adadelta = new Adadelta<double>(model, learningRate: 0.5, rho: 0.8, epsilon: 1e-2);
        double[] g = [0.4, -3.0];
        g.CopyTo(model.Gradients);
        adadelta.Step();
        double[] v = g.Select(x => 0.2 * x * x).ToArray();
        double[] delta = g.Select((x, i) => Math.Sqrt(1e-2) / Math.Sqrt(v[i] + 1e-2) * x).ToArray();
        AssertClose([1.0 - 0.5 * delta[0], 2.0 - 0.5 * delta[1]], model.Parameters, 1e-15);
        double[] u = delta.Select(d => 0.2 * d * d).ToArray();
        AssertClose(u, adadelta.State.Single(s => s.Key == "acc_delta").Value, 1e-15);
        adadelta.Step();
        double[] v2 = g.Select((x, i) => 0.8 * v[i] + 0.2 * x * x).ToArray();
        double[] delta2 = g.Select((x, i) => Math.Sqrt(u[i] + 1e-2) / Math.Sqrt(v2[i] + 1e-2) * x).ToArray();
        AssertClose([1.0 - 0.5 * delta[0] - 0.5 * delta2[0], 2.0 - 0.5 * delta[1] - 0.5 * delta2[1]], model.Parameters, 1e-15);
    }

    [Fact]
    public void StateIsNamedAsPyTorchsStateDict()
    {
        var net = new RefTanhSoftmaxCe();
        string[] Names(Optimizer<float> o) => o.State.Select(s => s.Key).ToArray();
        Assert.Equal(["sum"], Names(new Adagrad<float>(net)));
        Assert.Equal(["square_avg"], Names(new RmsProp<float>(net)));
        Assert.Equal(["square_avg", "momentum_buffer", "grad_avg"], Names(new RmsProp<float>(net, momentum: 0.9, centered: true)));
        Assert.Equal(["square_avg", "acc_delta"], Names(new Adadelta<float>(net)));
        Assert.All(new Adadelta<float>(net).State, s => Assert.Equal(RefTanhSoftmaxCe.ParameterCount, s.Value.Length));
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
        Optimizer<float>[] optimizers =
        [
            new Adagrad<float>(net, 1e-3, learningRateDecay: 1e-3, weightDecay: 1e-4, initialAccumulatorValue: 0.1),
            new RmsProp<float>(net, 1e-4),
            new RmsProp<float>(net, 1e-4, weightDecay: 1e-4, momentum: 0.9, centered: true),
            new Adadelta<float>(net, weightDecay: 1e-4),
        ];
        foreach (Optimizer<float> optimizer in optimizers)
            Assert.Equal(0, AllocationTests.Allocated(optimizer.Step));
        Func<long, double> schedule = Schedules.Cosine(1e-3, 1000, 0.1);
        Assert.Equal(0, AllocationTests.Allocated(() =>
        {
            net.TrainStep(x, labels);
            optimizers[2].LearningRate = schedule(optimizers[2].Iterations);
            optimizers[2].Step();
        }));
    }

    [Fact]
    public void DefaultsAreTorchs()
    {
        var net = new RefTanhSoftmaxCe();
        var adagrad = new Adagrad<float>(net);
        var rms = new RmsProp<float>(net);
        var adadelta = new Adadelta<float>(net);
        Assert.Equal((1e-2, 0.0, 0.0, 0.0, 1e-10),
            (adagrad.LearningRate, adagrad.LearningRateDecay, adagrad.WeightDecay, adagrad.InitialAccumulatorValue, adagrad.Epsilon));
        Assert.Equal((1e-2, 0.99, 1e-8, 0.0, 0.0, false), (rms.LearningRate, rms.Alpha, rms.Epsilon, rms.WeightDecay, rms.Momentum, rms.Centered));
        Assert.Equal((1.0, 0.9, 1e-6, 0.0), (adadelta.LearningRate, adadelta.Rho, adadelta.Epsilon, adadelta.WeightDecay));
    }

    [Theory]
    [InlineData("Adagrad", "learningRate", -0.01, "Expected a finite, non-negative learning rate.")]
    [InlineData("Adagrad", "learningRateDecay", -1e-3, "Expected a finite, non-negative learningRateDecay.")]
    [InlineData("Adagrad", "weightDecay", double.NaN, "Expected a finite, non-negative weightDecay.")]
    [InlineData("Adagrad", "initialAccumulatorValue", -0.1, "Expected a finite, non-negative initialAccumulatorValue.")]
    [InlineData("Adagrad", "epsilon", double.PositiveInfinity, "Expected a finite, non-negative epsilon.")]
    [InlineData("RmsProp", "learningRate", double.NaN, "Expected a finite, non-negative learning rate.")]
    [InlineData("RmsProp", "alpha", 1.5, "Expected alpha in [0, 1].")]
    [InlineData("RmsProp", "alpha", -0.1, "Expected alpha in [0, 1].")]
    [InlineData("RmsProp", "epsilon", -1e-8, "Expected a finite, non-negative epsilon.")]
    [InlineData("RmsProp", "weightDecay", -1, "Expected a finite, non-negative weightDecay.")]
    [InlineData("RmsProp", "momentum", -0.9, "Expected a finite, non-negative momentum.")]
    [InlineData("Adadelta", "learningRate", -1, "Expected a finite, non-negative learning rate.")]
    [InlineData("Adadelta", "rho", 1.01, "Expected rho in [0, 1].")]
    [InlineData("Adadelta", "rho", double.NaN, "Expected rho in [0, 1].")]
    [InlineData("Adadelta", "epsilon", -1e-6, "Expected a finite, non-negative epsilon.")]
    [InlineData("Adadelta", "weightDecay", double.NegativeInfinity, "Expected a finite, non-negative weightDecay.")]
    public void InvalidArgumentsThrow(string optimizer, string name, double value, string message)
    {
        var net = new RefTanhSoftmaxCe();
        double Arg(string n, double fallback) => n == name ? value : fallback;
        Func<object> construct = optimizer switch
        {
            "Adagrad" => () => new Adagrad<float>(net, Arg("learningRate", 1e-2), Arg("learningRateDecay", 0), Arg("weightDecay", 0),
                Arg("initialAccumulatorValue", 0), Arg("epsilon", 1e-10)),
            "RmsProp" => () => new RmsProp<float>(net, Arg("learningRate", 1e-2), Arg("alpha", 0.99), Arg("epsilon", 1e-8),
                Arg("weightDecay", 0), Arg("momentum", 0)),
            "Adadelta" => () => new Adadelta<float>(net, Arg("learningRate", 1), Arg("rho", 0.9), Arg("epsilon", 1e-6), Arg("weightDecay", 0)),
            _ => throw new ArgumentException(optimizer),
        };
        var e = Assert.Throws<ArgumentOutOfRangeException>(construct);
        Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
        // The base class validates the learning rate through its setter, whose parameter is "value".
        Assert.Equal(name == "learningRate" ? "value" : name, e.ParamName);
        Assert.Throws<ArgumentNullException>(() => new Adagrad<float>(null!));
        Assert.Throws<ArgumentNullException>(() => new RmsProp<float>(null!));
        Assert.Throws<ArgumentNullException>(() => new Adadelta<float>(null!));
    }

    /// <summary>The run's optimizer, with its hyper-parameters, on <paramref name="model"/>.</summary>
    private static Optimizer<float> Create(JsonElement run, IModel<float> model)
    {
        double D(string name) => run.GetProperty(name).GetDouble();
        return run.GetProperty("optimizer").GetString() switch
        {
            "Adagrad" => new Adagrad<float>(model, D("lr"), D("lr_decay"), D("weight_decay"), D("initial_accumulator_value"), D("eps")),
            "RMSprop" => new RmsProp<float>(model, D("lr"), D("alpha"), D("eps"), D("weight_decay"), D("momentum"),
                run.GetProperty("centered").GetBoolean()),
            "Adadelta" => new Adadelta<float>(model, D("lr"), D("rho"), D("eps"), D("weight_decay")),
            var other => throw new InvalidDataException($"Unknown optimizer {other}."),
        };
    }

    private static void AssertClose(double[] expected, Span<double> actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * Math.Max(1, Math.Abs(expected[i])),
                $"element {i}: expected {expected[i]:R}, got {actual[i]:R}");
    }

    private static double ToleranceUsed(float[] expected, float[] actual)
        => expected.Zip(actual, (e, a) => Math.Abs((double)e - a) / (1e-5 * Math.Abs((double)e) + 1e-6)).Max();

    /// <summary>A bare float parameter vector whose gradient the test writes directly.</summary>
    private sealed class VectorModel(int count) : VectorModel<float>(new float[count]);

    /// <summary>A bare parameter vector whose gradient the test writes directly.</summary>
    private class VectorModel<T>(T[] parameters) : IModel<T> where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        private readonly T[] _gradients = new T[parameters.Length];
        public int InputSize => 0;
        public int OutputSize => 0;
        public int ParameterCount => parameters.Length;
        public Span<T> Parameters => parameters;
        public Span<T> Gradients => _gradients;
        public IReadOnlyList<TensorInfo> ParameterLayout => [];
        public void Forward(ReadOnlySpan<T> input, Span<T> output) => throw new NotSupportedException();
    }
}
