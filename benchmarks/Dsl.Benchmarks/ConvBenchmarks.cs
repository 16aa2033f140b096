using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Dsl.Benchmarks.Workloads;
using Dsl.Runtime;

namespace Dsl.Benchmarks;

// The seed network's convolutions as the generator declares them (W4CnnNet's own structs are private to it).
internal readonly struct CnnConv1 : IConvLayer
{
    public static int InChannels => 1; public static int InHeight => 28; public static int InWidth => 28;
    public static int OutChannels => 4; public static int OutHeight => 24; public static int OutWidth => 24;
    public static int Kernel => 5; public static int Stride => 1; public static int PadTop => 0; public static int PadLeft => 0;
    public static Act Activation => Act.Tanh;
}

internal readonly struct CnnConv2 : IConvLayer
{
    public static int InChannels => 4; public static int InHeight => 24; public static int InWidth => 24;
    public static int OutChannels => 8; public static int OutHeight => 22; public static int OutWidth => 22;
    public static int Kernel => 3; public static int Stride => 1; public static int PadTop => 0; public static int PadLeft => 0;
    public static Act Activation => Act.Tanh;
}

internal readonly struct CnnConv4 : IConvLayer
{
    public static int InChannels => 8; public static int InHeight => 11; public static int InWidth => 11;
    public static int OutChannels => 16; public static int OutHeight => 9; public static int OutWidth => 9;
    public static int Kernel => 3; public static int Stride => 1; public static int PadTop => 0; public static int PadLeft => 0;
    public static Act Activation => Act.ReLU;
}

/// <summary>
/// Workload W4's network (<see cref="W4CnnNet"/>, seed 000's CNN) on one fixed batch of 100 (an epoch of Fashion-MNIST
/// is 600 such steps), at 1 and 2 worker threads: <c>TrainStep</c> with integer labels followed by SGD with Nesterov
/// momentum, as the sample trains, and <c>Forward</c> on the batch. (W4CnnBenchmark times the same step on shuffled
/// Fashion-MNIST batches at the default degree.)
/// </summary>
[Config(typeof(ConvConfig))]
public class CnnBenchmarks
{
    private const int Batch = 100;
    private W4CnnNet _net = null!;
    private Sgd<float> _sgd = null!;
    private float[] _inputs = null!, _outputs = null!;
    private int[] _labels = null!;
    private int _savedDegree;

    [Params(1, 2)]
    public int Threads { get; set; }

    /// <summary>Pixel-like inputs in [0, 1) and labels 0-9 from a fixed seed; the degree of <see cref="Workers"/> set.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _savedDegree = Workers.Degree;
        Workers.Degree = Threads;
        var random = new Random(1);
        _inputs = new float[Batch * W4CnnNet.InputSize];
        for (int i = 0; i < _inputs.Length; i++) _inputs[i] = random.NextSingle();
        _labels = new int[Batch];
        for (int s = 0; s < Batch; s++) _labels[s] = random.Next(W4CnnNet.OutputSize);
        _outputs = new float[Batch * W4CnnNet.OutputSize];
        _net = new W4CnnNet(seed: 0);
        _sgd = new Sgd<float>(_net, learningRate: 0.05, momentum: 0.9, nesterov: true);
    }

    /// <summary>183 MFLOP: 915,000 multiply-adds per sample (forward 324,000, backward 591,000).</summary>
    [Benchmark]
    public float TrainStepAndSgdNesterov_100()
    {
        float loss = _net.TrainStep(_inputs, _labels);
        _sgd.Step();
        return loss;
    }

    /// <summary>64.9 MFLOP: 324,400 multiply-adds per sample.</summary>
    [Benchmark]
    public float Forward_100()
    {
        _net.Forward(_inputs, _outputs);
        return _outputs[0];
    }

    /// <summary>The loss stayed finite, and the degree goes back to what it was.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        float loss = _net.TrainStep(_inputs, _labels);
        Console.WriteLine($"// CnnBenchmarks ({Threads} threads): loss after {_sgd.Iterations} steps = {loss}");
        Workers.Degree = _savedDegree;
    }
}

/// <summary>
/// Each convolution of seed 000's CNN and its first max pooling on a batch of 100, at 1 and 2 worker threads: forward
/// (bias and activation included) and backward (dL/dz, dL/dW, dL/db, and dL/dx where the network needs it: not for the
/// first layer). The GFLOP/s column counts 2 FLOP per multiply-add of the convolution itself.
/// </summary>
[Config(typeof(ConvConfig))]
public class ConvLayerBenchmarks
{
    private const int Batch = 100;
    private Layer<CnnConv1> _l1 = null!;
    private Layer<CnnConv2> _l2 = null!;
    private Layer<CnnConv4> _l4 = null!;
    private float[] _poolIn = null!, _poolOut = null!, _poolGradient = null!, _poolInputGradient = null!;
    private int[] _argmax = null!;
    private readonly SpatialGeometry _pool = new(8, 22, 22, 8, 2, 2, 0, 0, 11, 11);
    private int _savedDegree;

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _savedDegree = Workers.Degree;
        Workers.Degree = Threads;
        var random = new Random(2);
        _l1 = new Layer<CnnConv1>(random, Batch, inputGradient: false);
        _l2 = new Layer<CnnConv2>(random, Batch, inputGradient: true);
        _l4 = new Layer<CnnConv4>(random, Batch, inputGradient: true);
        _poolIn = Layer<CnnConv1>.Random(random, Batch * _pool.InSize);
        _poolOut = new float[Batch * _pool.OutSize];
        _poolGradient = Layer<CnnConv1>.Random(random, Batch * _pool.OutSize);
        _poolInputGradient = new float[Batch * _pool.InSize];
        _argmax = new int[Batch * _pool.OutSize];
        SpatialKernels.MaxPoolForward<float>(_poolOut, _argmax, _poolIn, Batch, _pool);
    }

    [GlobalCleanup]
    public void Cleanup() => Workers.Degree = _savedDegree;

    /// <summary>[1, 28, 28] -> [4, 24, 24], 5x5, tanh: 57,600 multiply-adds per sample.</summary>
    [Benchmark] public void Conv1_Forward() => _l1.Forward();

    /// <summary>dL/dW and dL/db only: 57,600 multiply-adds per sample.</summary>
    [Benchmark] public void Conv1_Backward() => _l1.Backward();

    /// <summary>[4, 24, 24] -> [8, 22, 22], 3x3, tanh: 139,392 multiply-adds per sample.</summary>
    [Benchmark] public void Conv2_Forward() => _l2.Forward();

    /// <summary>dL/dW, dL/db and dL/dx: 2 x 139,392 multiply-adds per sample.</summary>
    [Benchmark] public void Conv2_Backward() => _l2.Backward();

    /// <summary>[8, 11, 11] -> [16, 9, 9], 3x3, ReLU: 93,312 multiply-adds per sample.</summary>
    [Benchmark] public void Conv4_Forward() => _l4.Forward();

    /// <summary>dL/dW, dL/db and dL/dx: 2 x 93,312 multiply-adds per sample.</summary>
    [Benchmark] public void Conv4_Backward() => _l4.Backward();

    /// <summary>[8, 22, 22] -> [8, 11, 11], 2x2 windows, recording the maxima's indices.</summary>
    [Benchmark] public void MaxPool3_Forward() => SpatialKernels.MaxPoolForward<float>(_poolOut, _argmax, _poolIn, Batch, _pool);

    /// <summary>Each gradient to its window's maximum, zeros elsewhere.</summary>
    [Benchmark] public void MaxPool3_Backward() => SpatialKernels.MaxPoolBackward<float>(_poolInputGradient, _poolGradient, _argmax, Batch, _pool);

    /// <summary>One layer's buffers and its kernels.</summary>
    private sealed class Layer<L> where L : IConvLayer
    {
        private readonly float[] _x, _y, _w, _b, _dy, _dw, _db, _dx, _workspace;
        private readonly int _n;

        public Layer(Random random, int n, bool inputGradient)
        {
            _n = n;
            int inSize = L.InChannels * L.InHeight * L.InWidth, outSize = L.OutChannels * L.OutHeight * L.OutWidth;
            int weights = L.OutChannels * L.InChannels * L.Kernel * L.Kernel;
            _x = Random(random, n * inSize);
            _w = Random(random, weights);
            _b = Random(random, L.OutChannels);
            _dy = Random(random, n * outSize);
            _y = new float[n * outSize];
            _dw = new float[weights];
            _db = new float[L.OutChannels];
            _dx = inputGradient ? new float[n * inSize] : [];
            _workspace = new float[ConvKernels.WorkspaceLength<float, L>(n, training: true)];
            Forward();
        }

        public void Forward() => ConvKernels.Forward<float, L>(_y, _x, _w, _b, _n, _workspace);

        // The backward pass turns dy into dz in place only for Softmax, so repeating it repeats the same work.
        public void Backward() => ConvKernels.Backward<float, L>(_dx, _dw, _db, _dy, _x, _y, _w, _n, _workspace);

        public static float[] Random(Random random, int length)
        {
            var values = new float[length];
            for (int i = 0; i < length; i++) values[i] = random.NextSingle() - 0.5f;
            return values;
        }
    }
}

/// <summary>Memory diagnoser, minimum and median, and a GFLOP/s column for the convolution benchmarks.</summary>
public class ConvConfig : ManualConfig
{
    public ConvConfig()
    {
        AddDiagnoser(BenchmarkDotNet.Diagnosers.MemoryDiagnoser.Default);
        AddColumn(StatisticColumn.Min, StatisticColumn.Median, new GflopsColumn());
    }
}

/// <summary>2 FLOP per multiply-add of each benchmark's arithmetic (batch of 100), divided by the median time.</summary>
public class GflopsColumn : IColumn
{
    private static readonly Dictionary<string, double> MultiplyAdds = new()
    {
        ["TrainStepAndSgdNesterov_100"] = 100 * 915_000.0,
        ["Forward_100"] = 100 * 324_400.0,
        ["Conv1_Forward"] = 100 * 57_600.0,
        ["Conv1_Backward"] = 100 * 57_600.0,
        ["Conv2_Forward"] = 100 * 139_392.0,
        ["Conv2_Backward"] = 100 * 2 * 139_392.0,
        ["Conv4_Forward"] = 100 * 93_312.0,
        ["Conv4_Backward"] = 100 * 2 * 93_312.0,
    };

    public string Id => nameof(GflopsColumn);
    public string ColumnName => "GFLOP/s";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => "2 x multiply-adds of the benchmark's arithmetic / median time";
    public bool IsAvailable(Summary summary) => true;
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        if (!MultiplyAdds.TryGetValue(benchmarkCase.Descriptor.WorkloadMethod.Name, out double macs)) return "-";
        var statistics = summary[benchmarkCase]?.ResultStatistics;
        if (statistics is null) return "?";
        return (2 * macs / statistics.Median).ToString("F1", CultureInfo.InvariantCulture); // FLOP per ns = GFLOP/s
    }
}
