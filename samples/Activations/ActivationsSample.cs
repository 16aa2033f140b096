using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Dsl;
using Dsl.Runtime;
using Samples.Optimizers;

// Not "Samples.Activations": the generated code names the runtime's Activations class by its simple name, which a
// namespace of that name would hide.
namespace Samples.ActivationComparison;

// Seed 003's activation comparison: its 784-H-H-10 network with the loss (MSE) and optimizer (SGD) unchanged and only the
// activations changed. Activations are compile-time attributes, so each combination is its own class. Weights start as
// the seed's Keras kernel_initializer='normal', N(0, 0.05); hidden layers have 100 units (the seed's 784 made smaller
// to keep five trainings fast).

/// <summary>The seed's original model: sigmoid everywhere, output included.</summary>
[Input(784)]
[Dense(100, Act.Sigmoid, Init = Init.Normal)]
[Dense(100, Act.Sigmoid, Init = Init.Normal)]
[Dense(10, Act.Sigmoid, Init = Init.Normal)]
[Loss(Loss.MeanSquaredError)]
public partial class SigmoidSigmoidSigmoid;

/// <summary>Sigmoid hidden layers, softmax output.</summary>
[Input(784)]
[Dense(100, Act.Sigmoid, Init = Init.Normal)]
[Dense(100, Act.Sigmoid, Init = Init.Normal)]
[Dense(10, Act.Softmax, Init = Init.Normal)]
[Loss(Loss.MeanSquaredError)]
public partial class SigmoidSigmoidSoftmax;

/// <summary>Tanh hidden layers, softmax output.</summary>
[Input(784)]
[Dense(100, Act.Tanh, Init = Init.Normal)]
[Dense(100, Act.Tanh, Init = Init.Normal)]
[Dense(10, Act.Softmax, Init = Init.Normal)]
[Loss(Loss.MeanSquaredError)]
public partial class TanhTanhSoftmax;

/// <summary>Softplus hidden layers, softmax output.</summary>
[Input(784)]
[Dense(100, Act.Softplus, Init = Init.Normal)]
[Dense(100, Act.Softplus, Init = Init.Normal)]
[Dense(10, Act.Softmax, Init = Init.Normal)]
[Loss(Loss.MeanSquaredError)]
public partial class SoftplusSoftplusSoftmax;

/// <summary>ReLU hidden layers, softmax output.</summary>
[Input(784)]
[Dense(100, Act.ReLU, Init = Init.Normal)]
[Dense(100, Act.ReLU, Init = Init.Normal)]
[Dense(10, Act.Softmax, Init = Init.Normal)]
[Loss(Loss.MeanSquaredError)]
public partial class ReluReluSoftmax;

/// <summary>
/// Seed 003's activation comparison: five activation combinations of the same 784-100-100-10 network, each trained
/// with mean squared error and plain SGD (as the seed: "other parameters unchanged, still MSE and SGD, 20 epochs"), from
/// the same seed, on the same batches.
/// </summary>
public static class ActivationsSample
{
    /// <summary>
    /// The default learning rate of SGD. Not Keras' 0.01, which the seed used for 20 epochs of 60000 images (6000 steps):
    /// in the 500 steps of the default run (20 epochs of 5000 images in batches of 200) it leaves every combination near
    /// chance (measured: test accuracy 0.105 to 0.181), because the mean squared error over 10 outputs has small gradients.
    /// </summary>
    public const double DefaultLearningRate = 1;

    /// <summary>The five combinations, named "hidden + output" activation, each trained with SGD at <paramref name="learningRate"/>.</summary>
    public static IReadOnlyList<Contender> Contenders(double learningRate)
    {
        if (!(learningRate > 0) || !double.IsFinite(learningRate))
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "Expected a finite positive learning rate.");
        string settings = "MSE, SGD lr " + learningRate.ToString(CultureInfo.InvariantCulture);
        return
        [
            Make("sigmoid + sigmoid", settings, seed => new SigmoidSigmoidSigmoid(seed), learningRate),
            Make("sigmoid + softmax", settings, seed => new SigmoidSigmoidSoftmax(seed), learningRate),
            Make("tanh + softmax", settings, seed => new TanhTanhSoftmax(seed), learningRate),
            Make("softplus + softmax", settings, seed => new SoftplusSoftplusSoftmax(seed), learningRate),
            Make("relu + softmax", settings, seed => new ReluReluSoftmax(seed), learningRate),
        ];
    }

    private static Contender Make(string name, string settings, Func<int, ITrainable<float>> create, double learningRate)
        => new(name, settings, seed =>
        {
            ITrainable<float> net = create(seed);
            return (net, new Sgd<float>(net, learningRate));
        });

    /// <summary>Runs the comparison and writes <c>activations.svg</c>.</summary>
    public static ComparisonResult Run(ComparisonOptions options, double learningRate, TextWriter log)
        => Comparison.Run("Activations of 784-100-100-10, MSE + SGD", Contenders(learningRate), options, "activations.svg", log);

    /// <summary>The comparison's command line, plus <c>--lr X</c> (SGD's learning rate, default 1).</summary>
    public static int Main(string[] args)
    {
        double learningRate = DefaultLearningRate;
        int at = Array.IndexOf(args, "--lr");
        if (at >= 0)
        {
            if (at + 1 >= args.Length || !double.TryParse(args[at + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out learningRate) || !(learningRate > 0) || !double.IsFinite(learningRate))
            {
                Console.Error.WriteLine($"--lr expects a finite positive number, found '{(at + 1 < args.Length ? args[at + 1] : "")}'.");
                return 2;
            }
            args = args.Take(at).Concat(args.Skip(at + 2)).ToArray();
        }
        return Comparison.RunCommandLine(args, "Activations [--lr 1]", SigmoidSigmoidSigmoid.Summary, (options, log) => Run(options, learningRate, log));
    }
}
