using System;
using BenchmarkDotNet.Attributes;
using Dsl.Runtime;

namespace Dsl.Benchmarks;

/// <summary>
/// W1 of issue 6: seed 002's moons network (<see cref="BenchMoonsNet"/>, 2-3-2 tanh/softmax, cross-entropy, L2), trained
/// full-batch on make_moons(200, noise 0.2) with SGD at the sample's rate 2. The generator gives it the lanes path
/// (docs/perf-lanes.md); compiled against a generator without that path, the same file measures the tile path.
/// </summary>
[MemoryDiagnoser, MinColumn, MedianColumn]
public class LanesBenchmarks
{
    private const int Passes = 20000;
    private BenchMoonsNet _net = null!;
    private Sgd<float> _sgd = null!;
    private Dataset _data = null!;
    private float[] _initial = null!;
    private float[] _outputs = null!;

    [GlobalSetup]
    public void Setup()
    {
        _data = Datasets.Moons(200, noise: 0.2);
        _net = new BenchMoonsNet(seed: 0);
        _initial = _net.Parameters.ToArray();
        _sgd = new Sgd<float>(_net, learningRate: 2.0);
        _outputs = new float[200 * BenchMoonsNet.OutputSize];
    }

    /// <summary>One of W1's passes: TrainStep on all 200 points, then the SGD step.</summary>
    [Benchmark]
    public float TrainStepAndSgd_200()
    {
        float loss = _net.TrainStep(_data.Inputs, _data.Labels);
        _sgd.Step();
        return loss;
    }

    /// <summary>W1 itself: the tutorial's 20000 full-batch passes from the initial weights (plain SGD keeps no state).</summary>
    [Benchmark]
    public float W1_20000Passes()
    {
        _initial.CopyTo(_net.Parameters);
        float loss = 0;
        for (int pass = 0; pass < Passes; pass++)
        {
            loss = _net.TrainStep(_data.Inputs, _data.Labels);
            _sgd.Step();
        }
        return loss;
    }

    /// <summary>Inference on the 200 points (the sample's accuracy and decision-boundary pictures).</summary>
    [Benchmark]
    public float Forward_200()
    {
        _net.Forward(_data.Inputs, _outputs);
        return _outputs[0];
    }

    /// <summary>Inference on one point: one group of which one lane is used.</summary>
    [Benchmark]
    public float Forward_1()
    {
        _net.Forward(_data.Inputs.AsSpan(0, BenchMoonsNet.InputSize), _outputs.AsSpan(0, BenchMoonsNet.OutputSize));
        return _outputs[0];
    }

    /// <summary>Shows that the passes trained the network: after W1 the sample ends near 0.025.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _initial.CopyTo(_net.Parameters);
        float loss = 0;
        for (int pass = 0; pass <= Passes; pass++)
        {
            loss = _net.TrainStep(_data.Inputs, _data.Labels);
            _sgd.Step();
        }
        Console.WriteLine($"// LanesBenchmarks: loss after {Passes} passes from the initial weights = {loss}");
    }
}

// Networks around the lanes threshold (256 multiply-adds per sample), for LanesSizeBenchmarks.
[Input(3), Dense(4, Act.Sigmoid), Dense(1, Act.Sigmoid), Loss(Loss.SumSquaredError)]
public partial class LaneNet3x4x1;
[Input(2), Dense(20, Act.Tanh), Dense(2, Act.Softmax), Loss(Loss.CrossEntropy)]
public partial class LaneNet2x20x2;
[Input(2), Dense(64, Act.Tanh), Dense(2, Act.Softmax), Loss(Loss.CrossEntropy)]
public partial class LaneNet2x64x2;
[Input(16), Dense(16), Loss(Loss.MeanSquaredError)]
public partial class LaneNet16x16;
[Input(8), Dense(16, Act.Tanh), Dense(8, Act.Sigmoid), Loss(Loss.BinaryCrossEntropy)]
public partial class LaneNet8x16x8;
[Input(4), Dense(8, Act.Softplus), Dense(8, Act.Sigmoid), Dense(8, Act.ReLU), Dense(4, Act.Softmax), Loss(Loss.CrossEntropy)]
public partial class LaneNet4x8x8x8x4;
[Input(12), Dense(24, Act.Tanh), Dense(4, Act.Softmax), Loss(Loss.CrossEntropy)]
public partial class LaneNet12x24x4;
[Input(16), Dense(32, Act.Tanh), Dense(10, Act.Softmax), Loss(Loss.CrossEntropy)]
public partial class LaneNet16x32x10;

/// <summary>
/// TrainStep + SGD on a batch of 200 for networks below and above the lanes threshold: the evidence for
/// <c>LaneEmitter.Threshold</c> (multiply-adds per sample in brackets).
/// </summary>
[MemoryDiagnoser, MinColumn, MedianColumn]
public class LanesSizeBenchmarks
{
    private const int Batch = 200;
    private ITrainable<float> _net = null!;
    private Sgd<float> _sgd = null!;
    private float[] _inputs = null!;
    private float[] _targets = null!;

    [Params("2-3-2 (12)", "3-4-1 (16)", "2-20-2 (80)", "2-64-2 (256)", "16-16 (256)", "8-16-8 (256)", "4-8-8-8-4 (192)", "12-24-4 (384)", "16-32-10 (832)")]
    public string Network { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        _net = Network.Split(' ')[0] switch
        {
            "2-3-2" => new BenchMoonsNet(1),
            "3-4-1" => new LaneNet3x4x1(1),
            "2-20-2" => new LaneNet2x20x2(1),
            "2-64-2" => new LaneNet2x64x2(1),
            "16-16" => new LaneNet16x16(1),
            "8-16-8" => new LaneNet8x16x8(1),
            "4-8-8-8-4" => new LaneNet4x8x8x8x4(1),
            "12-24-4" => new LaneNet12x24x4(1),
            "16-32-10" => new LaneNet16x32x10(1),
            _ => throw new ArgumentException($"Unknown network '{Network}'."),
        };
        var random = new Random(1);
        _inputs = new float[Batch * _net.InputSize];
        for (int i = 0; i < _inputs.Length; i++) _inputs[i] = random.NextSingle() * 2 - 1;
        _targets = new float[Batch * _net.OutputSize];
        for (int s = 0; s < Batch; s++) _targets[s * _net.OutputSize + random.Next(_net.OutputSize)] = 1; // one-hot rows
        _sgd = new Sgd<float>(_net, learningRate: 0.01);
    }

    [Benchmark]
    public float TrainStepAndSgd_200()
    {
        float loss = _net.TrainStep(_inputs, _targets);
        _sgd.Step();
        return loss;
    }
}
