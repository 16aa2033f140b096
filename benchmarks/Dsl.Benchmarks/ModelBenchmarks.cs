using System;
using BenchmarkDotNet.Attributes;
using Dsl.Runtime;

namespace Dsl.Benchmarks;

/// <summary>The Moons sample's network (seed 002): 2-3-2, tanh then softmax, cross-entropy, L2 as in the sample.</summary>
[Input(2)]
[Dense(3, Act.Tanh, L2 = 2.5e-5, Init = Init.LeCunNormal)]
[Dense(2, Act.Softmax, L2 = 2.5e-5, Init = Init.LeCunNormal)]
[Loss(Loss.CrossEntropy)]
public partial class BenchMoonsNet;

/// <summary>An MNIST-sized MLP: 784-128 tanh, 10 softmax, cross-entropy (both layers take the kernel path).</summary>
[Input(784)]
[Dense(128, Act.Tanh)]
[Dense(10, Act.Softmax)]
[Loss(Loss.CrossEntropy)]
public partial class BenchMlp;

/// <summary>One full-batch training pass of the Moons sample: TrainStep on 200 samples, then an SGD step.</summary>
[MemoryDiagnoser, MinColumn, MedianColumn]
public class MoonsBenchmarks
{
    private BenchMoonsNet _net = null!;
    private Sgd<float> _sgd = null!;
    private Dataset _data = null!;

    [GlobalSetup]
    public void Setup()
    {
        _data = Datasets.Moons(200, noise: 0.2);
        _net = new BenchMoonsNet(seed: 0);
        _sgd = new Sgd<float>(_net, learningRate: 2.0);
    }

    [Benchmark]
    public float TrainStepAndSgd_200()
    {
        float loss = _net.TrainStep(_data.Inputs, _data.Labels);
        _sgd.Step();
        return loss;
    }

    /// <summary>The L2 penalty keeps the weights bounded, so the loss settles near the sample's 0.025.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        float loss = _net.TrainStep(_data.Inputs, _data.Labels);
        Console.WriteLine($"// MoonsBenchmarks: loss after {_sgd.Iterations} steps = {loss}");
    }
}

/// <summary>The 784-128-10 MLP: a training step on a batch of 100 with SGD momentum 0.9, and Forward on one sample.</summary>
[MemoryDiagnoser, MinColumn, MedianColumn]
public class MlpBenchmarks
{
    private const int Batch = 100;
    private BenchMlp _net = null!;
    private Sgd<float> _sgd = null!;
    private float[] _inputs = null!;
    private int[] _labels = null!;
    private float[] _outputs = null!;

    /// <summary>Pixel-like inputs in [0, 1) and labels 0-9, from a fixed seed.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _inputs = new float[Batch * BenchMlp.InputSize];
        for (int i = 0; i < _inputs.Length; i++) _inputs[i] = random.NextSingle();
        _labels = new int[Batch];
        for (int s = 0; s < Batch; s++) _labels[s] = random.Next(BenchMlp.OutputSize);
        _outputs = new float[Batch * BenchMlp.OutputSize];
        _net = new BenchMlp(seed: 0);
        _sgd = new Sgd<float>(_net, learningRate: 0.01, momentum: 0.9);
    }

    [Benchmark]
    public float TrainStepAndSgdMomentum_100()
    {
        float loss = _net.TrainStep(_inputs, _labels);
        _sgd.Step();
        return loss;
    }

    [Benchmark]
    public float Forward_1()
    {
        _net.Forward(_inputs.AsSpan(0, BenchMlp.InputSize), _outputs.AsSpan(0, BenchMlp.OutputSize));
        return _outputs[0];
    }

    /// <summary>Shows that the repeated steps stayed finite (no overflow, no slow denormal arithmetic from a diverging model).</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        float loss = _net.TrainStep(_inputs, _labels);
        Console.WriteLine($"// MlpBenchmarks: loss after {_sgd.Iterations} steps = {loss}");
    }
}
