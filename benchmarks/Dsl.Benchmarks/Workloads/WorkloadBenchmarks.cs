using System;
using BenchmarkDotNet.Attributes;
using Dsl.Runtime;

namespace Dsl.Benchmarks.Workloads;

// BenchmarkDotNet benchmarks of issue 6's workloads, one class each so that a filter picks one ('*W3*'). One operation
// is the unit BenchmarkDotNet times well: one full-batch pass (W1), one training step (W2-W4), one call (W5). The
// side-by-side command (SideBySide/) turns units into the peers' units: W1 x 20000 passes, W2/W4 x 600 steps and
// W3 x 300 steps per epoch of 60000 images. W2-W4 load Fashion-MNIST with FashionMnist.Locate() (the full set when
// Debian's dataset-fashion-mnist is installed, else the repository's subset; a step costs the same either way).

/// <summary>W1: one of the 20000 full-batch passes of seed 002's 2-3-2 moons network (<c>TrainStep</c> on 200 samples, then SGD).</summary>
[MemoryDiagnoser, MinColumn, MedianColumn]
public class W1MoonsBenchmark
{
    private W1MoonsNet _net = null!;
    private Sgd<float> _sgd = null!;
    private Dataset _data = null!;

    [GlobalSetup]
    public void Setup()
    {
        _data = W1Moons.CreateData();
        _net = new W1MoonsNet(seed: 0);
        _sgd = new Sgd<float>(_net, W1Moons.LearningRate);
    }

    [Benchmark]
    public float Pass()
    {
        float loss = _net.TrainStep(_data.Inputs, _data.Labels);
        _sgd.Step();
        return loss;
    }

    /// <summary>The L2 penalty keeps the weights bounded: the loss settles near the sample's 0.025, so the passes did ordinary arithmetic.</summary>
    [GlobalCleanup]
    public void Cleanup() => Console.WriteLine($"// W1: loss after {_sgd.Iterations} passes = {W1Moons.Loss(_net, _data)}");
}

/// <summary>Shared set-up of the training-step benchmarks W2-W4.</summary>
public abstract class TrainingStepBenchmark
{
    private TrainingWorkload _workload = null!;
    private float _lastLoss;

    /// <summary>Creates the workload on the training set.</summary>
    protected abstract TrainingWorkload Create(Dataset train);

    /// <summary>Workload name for the clean-up line.</summary>
    protected abstract string Name { get; }

    [GlobalSetup]
    public void Setup()
    {
        FashionSet data = FashionSet.Load();
        Console.WriteLine($"// {Name}: {data.Location.Description}");
        _workload = Create(data.Train);
    }

    /// <summary>Gathers the next shuffled batch, <c>TrainStep</c>, optimizer step.</summary>
    [Benchmark]
    public float TrainStep() => _lastLoss = _workload.Step();

    /// <summary>Shows that the steps kept training (a finite, falling loss), not a diverged model's arithmetic.</summary>
    [GlobalCleanup]
    public void Cleanup() => Console.WriteLine($"// {Name}: last batch loss {_lastLoss}");
}

/// <summary>W2: one step of 784-128-10 (tanh/softmax), SGD momentum 0.9, batch 100 (600 steps an epoch).</summary>
[MemoryDiagnoser, MinColumn, MedianColumn]
public class W2MlpBenchmark : TrainingStepBenchmark
{
    protected override TrainingWorkload Create(Dataset train) => TrainingWorkload.W2(train);
    protected override string Name => "W2";
}

/// <summary>W3: one step of 784-784-784-10 (sigmoid), Adam, batch 200 (300 steps an epoch).</summary>
[MemoryDiagnoser, MinColumn, MedianColumn]
public class W3WideSigmoidBenchmark : TrainingStepBenchmark
{
    protected override TrainingWorkload Create(Dataset train) => TrainingWorkload.W3(train);
    protected override string Name => "W3";
}

/// <summary>W4: one step of seed 000's CNN, SGD Nesterov momentum 0.9, batch 100 (600 steps an epoch).</summary>
[MemoryDiagnoser, MinColumn, MedianColumn]
public class W4CnnBenchmark : TrainingStepBenchmark
{
    protected override TrainingWorkload Create(Dataset train) => TrainingWorkload.W4(train);
    protected override string Name => "W4";
}

/// <summary>W5: <c>Forward</c> of the W2 network on one test image.</summary>
[MemoryDiagnoser, MinColumn, MedianColumn]
public class W5LatencyBenchmark
{
    private LatencyWorkload _workload = null!;

    [GlobalSetup]
    public void Setup() => _workload = new LatencyWorkload(FashionSet.Load().Test);

    [Benchmark]
    public float Forward() => _workload.Call();
}
