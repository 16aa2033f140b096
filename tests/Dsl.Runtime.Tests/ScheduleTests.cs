using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using Xunit;
using Xunit.Abstractions;

namespace Dsl.Runtime.Tests;

/// <summary>
/// Learning-rate schedules against torch.optim.lr_scheduler (Reference/make_schedule_reference.py) where PyTorch has the
/// schedule, and against Keras' formulas computed here by hand where it does not; all to 1e-7 relative. Also: seed 003's
/// staircase example, argument validation, and a schedule driving an optimizer.
/// </summary>
public class ScheduleTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-7;

    private static readonly Lazy<JsonDocument> Reference = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Reference", "schedule_reference.json"))));

    private static readonly string[] PyTorchCaseNames =
    [
        "step_3_half", "step_1_default", "exponential_0.9", "cosine_20_floor", "cosine_7_zero",
        "polynomial_10_square", "polynomial_6_linear", "multistep_3_7",
    ];

    public static TheoryData<string> PyTorchCases => new(PyTorchCaseNames);

    [Fact]
    public void ReferenceHoldsExactlyTheTestedCases()
    {
        string[] cases = Reference.Value.RootElement.GetProperty("cases").EnumerateObject().Select(p => p.Name).ToArray();
        Assert.Equal(PyTorchCaseNames, cases);
    }

    [Theory]
    [MemberData(nameof(PyTorchCases))]
    public void MatchesTorchLrScheduler(string name)
    {
        JsonElement c = Reference.Value.RootElement.GetProperty("cases").GetProperty(name);
        JsonElement d = c.GetProperty("dsl");
        double D(string p) => d.GetProperty(p).GetDouble();
        long L(string p) => d.GetProperty(p).GetInt64();
        Func<long, double> schedule = d.GetProperty("schedule").GetString() switch
        {
            "Step" => Schedules.Step(D("initial"), L("step_size"), D("gamma")),
            "Exponential" => Schedules.Exponential(D("initial"), L("decay_steps"), D("decay_rate"), d.GetProperty("staircase").GetBoolean()),
            "Cosine" => Schedules.Cosine(D("initial"), L("decay_steps"), D("alpha")),
            "Polynomial" => Schedules.Polynomial(D("initial"), L("decay_steps"), D("end"), D("power")),
            "PiecewiseConstant" => Schedules.PiecewiseConstant(
                d.GetProperty("boundaries").EnumerateArray().Select(e => e.GetInt64()).ToArray(),
                d.GetProperty("values").EnumerateArray().Select(e => e.GetDouble()).ToArray()),
            var other => throw new InvalidDataException($"Unknown schedule {other}."),
        };
        double[] expected = c.GetProperty("lr").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        double worst = 0;
        for (int step = 0; step < expected.Length; step++)
        {
            double actual = schedule(step);
            worst = Math.Max(worst, Math.Abs(actual - expected[step]) / Math.Max(Math.Abs(expected[step]), double.Epsilon));
            AssertRate(expected[step], actual, step);
        }
        output.WriteLine($"{name}: {expected.Length} steps, max relative difference from PyTorch {worst:E2}");
    }

    [Fact]
    public void ExponentialStaircaseIsSeed003sExample()
    {
        // lr 0.1, rate 0.9, 2 steps an epoch, decay every epoch.
        Func<long, double> lr = Schedules.Exponential(0.1, decaySteps: 2, decayRate: 0.9, staircase: true);
        double[] expected = [0.1, 0.1, 0.09, 0.09, 0.081, 0.081];
        for (int step = 0; step < expected.Length; step++) AssertRate(expected[step], lr(step), step);
    }

    [Fact]
    public void ExponentialIsKerasFormula()
    {
        // Keras: initial * rate ^ (step / decay_steps), the exponent floored with staircase.
        Func<long, double> smooth = Schedules.Exponential(0.05, decaySteps: 4, decayRate: 0.5);
        Func<long, double> stairs = Schedules.Exponential(0.05, decaySteps: 4, decayRate: 0.5, staircase: true);
        for (long step = 0; step <= 20; step++)
        {
            AssertRate(0.05 * Math.Pow(0.5, step / 4.0), smooth(step), step);
            AssertRate(0.05 * Math.Pow(0.5, Math.Floor(step / 4.0)), stairs(step), step);
        }
        AssertRate(0.025, smooth(4), 4);
        AssertRate(0.05 * Math.Sqrt(0.5), smooth(2), 2);
        AssertRate(0.05, stairs(3), 3);
        AssertRate(0.0125, stairs(11), 11);
    }

    [Fact]
    public void InverseTimeIsKerasLegacyDecay()
    {
        Func<long, double> lr = Schedules.InverseTime(0.05, 1e-3);
        AssertRate(0.05, lr(0), 0);
        AssertRate(0.05 / 1.001, lr(1), 1);
        AssertRate(0.025, lr(1000), 1000);
        AssertRate(0.05 / 101, lr(100_000), 100_000);
    }

    [Fact]
    public void PolynomialIsKerasFormulaWithAnEndRate()
    {
        // Keras: (initial - end) * (1 - min(step, decay_steps) / decay_steps) ^ power + end.
        Func<long, double> linear = Schedules.Polynomial(0.1, decaySteps: 10, end: 0.01);
        AssertRate(0.1, linear(0), 0);
        AssertRate(0.055, linear(5), 5);
        AssertRate(0.019, linear(9), 9);
        AssertRate(0.01, linear(10), 10);
        AssertRate(0.01, linear(1000), 1000);
        Func<long, double> cubic = Schedules.Polynomial(0.2, decaySteps: 8, end: 0.02, power: 3);
        for (long step = 0; step <= 12; step++)
            AssertRate((0.2 - 0.02) * Math.Pow(1 - Math.Min(step, 8) / 8.0, 3) + 0.02, cubic(step), step);
        AssertRate(0.18 * 0.125 + 0.02, cubic(4), 4);
        // Keras' defaults: end 1e-4, power 1.
        AssertRate(0.5 * (1 - 1e-4) + 1e-4, Schedules.Polynomial(1, 4)(2), 2);
        // The end may lie above the start: the rate then grows.
        AssertRate(0.3, Schedules.Polynomial(0.1, 2, end: 0.5)(1), 1);
    }

    [Fact]
    public void CosineIsKerasCosineDecayAndStaysAtTheFloor()
    {
        // Keras: initial * ((1 - alpha) * 0.5 * (1 + cos(pi * min(step, decay_steps) / decay_steps)) + alpha).
        Func<long, double> lr = Schedules.Cosine(1.0, decaySteps: 4);
        double[] expected = [1, 0.5 + 0.5 * Math.Sqrt(0.5), 0.5, 0.5 - 0.5 * Math.Sqrt(0.5), 0, 0, 0];
        for (int step = 0; step < expected.Length; step++)
            Assert.True(Math.Abs(expected[step] - lr(step)) <= 1e-15, $"step {step}: expected {expected[step]}, got {lr(step)}");
        Func<long, double> floored = Schedules.Cosine(0.2, decaySteps: 6, alpha: 0.1);
        for (long step = 0; step <= 10; step++)
            AssertRate(0.2 * (0.9 * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(step, 6) / 6)) + 0.1), floored(step), step);
        AssertRate(0.2 * (0.9 * 0.5 + 0.1), floored(3), 3);
        AssertRate(0.02, floored(6), 6);
        AssertRate(0.02, floored(1_000_000), 1_000_000);
    }

    [Fact]
    public void PiecewiseConstantBoundariesAreInclusiveUpperEnds()
    {
        // Keras: values[0] while step <= boundaries[0], values[1] while step <= boundaries[1], ..., then the last value.
        Func<long, double> lr = Schedules.PiecewiseConstant([100, 200], [1.0, 0.5, 0.1]);
        (long Step, double Rate)[] expected = [(0, 1.0), (100, 1.0), (101, 0.5), (200, 0.5), (201, 0.1), (10_000, 0.1)];
        foreach (var (step, rate) in expected) Assert.Equal(rate, lr(step));
        Assert.Equal(0.25, Schedules.PiecewiseConstant([], [0.25])(12345));
        // The schedule keeps its own copies.
        long[] boundaries = [5];
        double[] values = [0.3, 0.2];
        Func<long, double> copied = Schedules.PiecewiseConstant(boundaries, values);
        boundaries[0] = 0;
        values[0] = 9;
        Assert.Equal(0.3, copied(5));
    }

    [Fact]
    public void StepIsPyTorchsStepLrInSteps()
    {
        Func<long, double> lr = Schedules.Step(0.1, stepSize: 5, gamma: 0.5);
        for (long step = 0; step < 30; step++) AssertRate(0.1 * Math.Pow(0.5, step / 5), lr(step), step);
        AssertRate(0.1, lr(4), 4);
        AssertRate(0.05, lr(5), 5);
        AssertRate(0.025, lr(14), 14);
    }

    [Fact]
    public void ScheduleDrivesAnOptimizerByItsStepCount()
    {
        // The training-loop contract: LearningRate = schedule(Iterations) before each step. Plain SGD with gradient 1 moves
        // the parameter by exactly the scheduled rate each step.
        var model = new ScalarModel();
        var sgd = new Sgd<double>(model, learningRate: 1);
        Func<long, double> schedule = Schedules.Exponential(0.1, decaySteps: 2, decayRate: 0.9, staircase: true);
        double expected = 0;
        foreach (double rate in new[] { 0.1, 0.1, 0.09, 0.09, 0.081, 0.081 })
        {
            sgd.LearningRate = schedule(sgd.Iterations);
            model.Gradients[0] = 1;
            sgd.Step();
            expected -= rate;
            Assert.Equal(expected, model.Parameters[0], 1e-15);
        }
    }

    [Fact]
    public void InvalidArgumentsThrow()
    {
        void Throws<TException>(Func<object> create, string param, string message) where TException : ArgumentException
        {
            var e = Assert.Throws<TException>(create);
            Assert.Equal(param, e.ParamName);
            Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
        }
        const string Initial = "Expected a finite, non-negative initial learning rate, got ";
        Throws<ArgumentOutOfRangeException>(() => Schedules.Step(-0.1, 3), "initial", Initial + "-0.1.");
        Throws<ArgumentOutOfRangeException>(() => Schedules.Exponential(double.NaN, 3, 0.9), "initial", Initial + "NaN.");
        Throws<ArgumentOutOfRangeException>(() => Schedules.InverseTime(double.PositiveInfinity, 0.1), "initial", Initial);
        Throws<ArgumentOutOfRangeException>(() => Schedules.Polynomial(-1, 3), "initial", Initial + "-1.");
        Throws<ArgumentOutOfRangeException>(() => Schedules.Cosine(-1, 3), "initial", Initial + "-1.");
        Throws<ArgumentOutOfRangeException>(() => Schedules.Step(0.1, 0), "stepSize", "Expected stepSize of at least 1 step, got 0.");
        Throws<ArgumentOutOfRangeException>(() => Schedules.Step(0.1, 2, -0.5), "gamma", "Expected a finite, non-negative gamma, got -0.5.");
        Throws<ArgumentOutOfRangeException>(() => Schedules.Exponential(0.1, -2, 0.9), "decaySteps", "Expected decaySteps of at least 1 step, got -2.");
        Throws<ArgumentOutOfRangeException>(() => Schedules.Exponential(0.1, 2, 0), "decayRate", "Expected a finite, positive decayRate, got 0.");
        Throws<ArgumentOutOfRangeException>(() => Schedules.InverseTime(0.1, -1), "decay", "Expected a finite, non-negative decay, got -1.");
        Throws<ArgumentOutOfRangeException>(() => Schedules.Polynomial(0.1, 0), "decaySteps", "Expected decaySteps of at least 1 step, got 0.");
        Throws<ArgumentOutOfRangeException>(() => Schedules.Polynomial(0.1, 5, end: -0.01), "end", "Expected a finite, non-negative end learning rate, got -0.01.");
        Throws<ArgumentOutOfRangeException>(() => Schedules.Polynomial(0.1, 5, power: 0), "power", "Expected a finite, positive power, got 0.");
        Throws<ArgumentOutOfRangeException>(() => Schedules.Cosine(0.1, 0), "decaySteps", "Expected decaySteps of at least 1 step, got 0.");
        Throws<ArgumentOutOfRangeException>(() => Schedules.Cosine(0.1, 5, alpha: 1.5), "alpha",
            "Expected alpha (the floor as a fraction of the initial rate) in [0, 1], got 1.5.");
        Throws<ArgumentException>(() => Schedules.PiecewiseConstant([10, 20], [0.1, 0.01]), "values",
            "Expected one more value than boundaries (3 for 2 boundaries), got 2 values.");
        Throws<ArgumentException>(() => Schedules.PiecewiseConstant([10, 10], [0.1, 0.01, 0.001]), "boundaries",
            "Expected non-negative, strictly increasing boundaries, got 10 at index 1 after 10.");
        Throws<ArgumentException>(() => Schedules.PiecewiseConstant([-1], [0.1, 0.01]), "boundaries",
            "Expected non-negative, strictly increasing boundaries, got -1 at index 0.");
        Throws<ArgumentException>(() => Schedules.PiecewiseConstant([1], [0.1, -0.01]), "values",
            "Expected finite, non-negative learning rates, got -0.01 at index 1.");
        Throws<ArgumentNullException>(() => Schedules.PiecewiseConstant(null!, [0.1]), "boundaries", "Value cannot be null.");
        Throws<ArgumentNullException>(() => Schedules.PiecewiseConstant([], null!), "values", "Value cannot be null.");
        Func<long, double>[] all =
        [
            Schedules.PiecewiseConstant([1], [0.1, 0.01]), Schedules.Step(0.1, 2), Schedules.Exponential(0.1, 2, 0.9),
            Schedules.InverseTime(0.1, 0.01), Schedules.Polynomial(0.1, 2), Schedules.Cosine(0.1, 2),
        ];
        foreach (Func<long, double> schedule in all)
            Throws<ArgumentOutOfRangeException>(() => schedule(-1), "step", "Expected a step count (optimizer.Iterations) of at least 0, got -1.");
    }

    private static void AssertRate(double expected, double actual, long step)
        => Assert.True(Math.Abs(actual - expected) <= Tolerance * Math.Abs(expected),
            $"step {step}: expected {expected:R}, got {actual:R} (relative tolerance {Tolerance})");

    /// <summary>One parameter whose gradient the test sets.</summary>
    private sealed class ScalarModel : IModel<double>
    {
        private readonly double[] _parameters = new double[1], _gradients = new double[1];
        public int InputSize => 0;
        public int OutputSize => 0;
        public int ParameterCount => 1;
        public Span<double> Parameters => _parameters;
        public Span<double> Gradients => _gradients;
        public System.Collections.Generic.IReadOnlyList<TensorInfo> ParameterLayout => [];
        public void Forward(ReadOnlySpan<double> input, Span<double> output) => throw new NotSupportedException();
    }
}
