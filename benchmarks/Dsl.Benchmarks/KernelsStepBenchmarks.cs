using System;
using BenchmarkDotNet.Attributes;
using Dsl.Runtime;

namespace Dsl.Benchmarks;

/// <summary>W2's network: 784-128 tanh, 10 softmax, cross-entropy.</summary>
[Input(784)]
[Dense(128, Act.Tanh)]
[Dense(10, Act.Softmax)]
[Loss(Loss.CrossEntropy)]
public partial class KernelsW2Net;

/// <summary>W3's network (seed 003): 784-784-784 sigmoid, 10 softmax, cross-entropy.</summary>
[Input(784)]
[Dense(784, Act.Sigmoid)]
[Dense(784, Act.Sigmoid)]
[Dense(10, Act.Softmax)]
[Loss(Loss.CrossEntropy)]
public partial class KernelsW3Net;

/// <summary>
/// One training step of W2 (batch 100, SGD momentum 0.9: 600 of them are an epoch of Fashion-MNIST) and of W3 (batch
/// 200, Adam: 300 an epoch), and W5, the W2 network's <c>Forward</c> on one sample, at 1 and 2 threads.
/// </summary>
[MemoryDiagnoser, MinColumn, MedianColumn]
public class KernelsStepBenchmarks
{
    /// <summary><see cref="Workers.Degree"/>.</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    private KernelsW2Net _w2 = null!;
    private KernelsW3Net _w3 = null!;
    private Sgd<float> _sgd = null!;
    private Adam<float> _adam = null!;
    private float[] _inputs = null!, _output = null!;
    private int[] _labels = null!;

    /// <summary>Pixel-like inputs in [0, 1) and labels 0-9 from a fixed seed; the networks' seed-0 weights.</summary>
    [GlobalSetup]
    public void Setup()
    {
        Workers.Degree = Threads;
        var random = new Random(1);
        _inputs = new float[200 * 784];
        for (int i = 0; i < _inputs.Length; i++) _inputs[i] = random.NextSingle();
        _labels = new int[200];
        for (int s = 0; s < _labels.Length; s++) _labels[s] = random.Next(10);
        _output = new float[10];
        _w2 = new KernelsW2Net(seed: 0);
        _w3 = new KernelsW3Net(seed: 0);
        _sgd = new Sgd<float>(_w2, learningRate: 0.01, momentum: 0.9);
        _adam = new Adam<float>(_w3, learningRate: 1e-3);
    }

    [Benchmark]
    public float W2_TrainStepSgdMomentum_100()
    {
        float loss = _w2.TrainStep(_inputs.AsSpan(0, 100 * 784), _labels.AsSpan(0, 100));
        _sgd.Step();
        return loss;
    }

    [Benchmark]
    public float W3_TrainStepAdam_200()
    {
        float loss = _w3.TrainStep(_inputs, _labels);
        _adam.Step();
        return loss;
    }

    [Benchmark]
    public float W5_Forward_1()
    {
        _w2.Forward(_inputs.AsSpan(0, 784), _output);
        return _output[0];
    }

    /// <summary>Shows that the repeated steps stayed finite (ordinary arithmetic, not a diverged model).</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        Console.WriteLine($"// KernelsStepBenchmarks ({Threads} threads): W2 loss {_w2.TrainStep(_inputs.AsSpan(0, 100 * 784), _labels.AsSpan(0, 100))} after {_sgd.Iterations} steps, W3 loss {_w3.TrainStep(_inputs, _labels)} after {_adam.Iterations} steps");
    }
}
