using System.Collections.Generic;
using System.IO;
using Dsl;
using Dsl.Runtime;

namespace Samples.Optimizers;

/// <summary>
/// Seed 003's network for the optimizer comparison: relu, relu, softmax, cross-entropy; 784-100-100-10 (the seed's
/// hidden layers have 784 units; 100 keeps six trainings fast). Weights start as the seed's Keras
/// <c>kernel_initializer='normal'</c>, N(0, 0.05).
/// </summary>
[Input(784)]
[Dense(100, Act.ReLU, Init = Init.Normal)]
[Dense(100, Act.ReLU, Init = Init.Normal)]
[Dense(10, Act.Softmax, Init = Init.Normal)]
[Loss(Loss.CrossEntropy)]
public partial class OptimizerNet;

/// <summary>
/// Seed 003's optimizer comparison: the same network, from the same initial weights and on the same shuffled batches,
/// trained with SGD, SGD with momentum, Nesterov momentum, Adagrad, RMSprop and Adam for the same epochs.
/// </summary>
/// <remarks>
/// Learning rates are the libraries' usual defaults, so that each optimizer is run as a user would first run it:
/// SGD 0.01 (Keras' default; the momentum variants add momentum 0.9 to it), Adagrad 0.01 (PyTorch's default),
/// RMSprop 0.001 (Keras' default, rho 0.9) and Adam 0.001 (both libraries' default).
/// </remarks>
public static class OptimizersSample
{
    /// <summary>The six optimizers, in the order of the seed (simplest first).</summary>
    public static IReadOnlyList<Contender> Contenders { get; } =
    [
        Make("SGD", "lr 0.01", net => new Sgd<float>(net, learningRate: 0.01)),
        Make("SGD + momentum", "lr 0.01, momentum 0.9", net => new Sgd<float>(net, learningRate: 0.01, momentum: 0.9)),
        Make("Nesterov", "lr 0.01, momentum 0.9, nesterov", net => new Sgd<float>(net, learningRate: 0.01, momentum: 0.9, nesterov: true)),
        Make("Adagrad", "lr 0.01", net => new Adagrad<float>(net, learningRate: 0.01)),
        Make("RMSprop", "lr 0.001, alpha 0.9", net => new RmsProp<float>(net, learningRate: 0.001, alpha: 0.9)),
        Make("Adam", "lr 0.001, betas 0.9/0.999", net => new Adam<float>(net, learningRate: 0.001)),
    ];

    private static Contender Make(string name, string settings, System.Func<OptimizerNet, Optimizer<float>> optimizer)
        => new(name, settings, seed =>
        {
            var net = new OptimizerNet(seed);
            return (net, optimizer(net));
        });

    /// <summary>Runs the comparison and writes <c>optimizers.svg</c>.</summary>
    public static ComparisonResult Run(ComparisonOptions options, TextWriter log)
        => Comparison.Run("Optimizers on 784-100-100-10 relu-relu-softmax", Contenders, options, "optimizers.svg", log);

    /// <summary><c>Optimizers [--data DIR] [--epochs 20] [--limit 5000|all] [--test-limit 1000|all] [--batch 200] [--seed 0] [--out DIR]</c>.</summary>
    public static int Main(string[] args) => Comparison.RunCommandLine(args, "Optimizers", OptimizerNet.Summary, Run);
}
