using System;
using System.Globalization;
using System.Linq;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Mathematics;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Attributes;
using Dsl.Runtime;

namespace Dsl.Benchmarks;

/// <summary>
/// The three Dense products of <see cref="Gemm"/> at the shapes of the W2 and W3 workloads, at 1 and 2 threads:
/// <c>Forward</c> <c>y[n, out] = x[n, in] wᵀ + b</c>, <c>InputGradient</c> <c>dx[n, in] = dz[n, out] w</c>,
/// <c>WeightGradient</c> <c>dw[out, in] += dzᵀ x</c> (and <c>db</c>). The GFLOP/s column is <c>2 n in out / mean</c>.
/// </summary>
[Config(typeof(GflopsConfig))]
[MemoryDiagnoser]
public class KernelsBenchmarks
{
    /// <summary><c>n x in x out</c>: W2's first layer (batch 100), W3's hidden layers (batch 200), W5's first layer (one sample).</summary>
    [Params("100x784x128", "200x784x784", "1x784x128")]
    public string Shape { get; set; } = "";

    /// <summary><see cref="Workers.Degree"/>.</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    private int _n, _in, _out;
    private float[] _x = null!, _w = null!, _b = null!, _y = null!, _dz = null!, _dx = null!, _dw = null!;

    [GlobalSetup]
    public void Setup()
    {
        Workers.Degree = Threads;
        (_n, _in, _out) = GflopsConfig.Parse(Shape);
        var random = new Random(1);
        float[] Random(int length, float scale)
        {
            var a = new float[length];
            for (int i = 0; i < a.Length; i++) a[i] = (random.NextSingle() * 2 - 1) * scale;
            return a;
        }
        _x = Random(_n * _in, 1);
        _w = Random(_out * _in, 0.05f);
        _b = Random(_out, 0.1f);
        _dz = Random(_n * _out, 0.01f);
        _y = new float[_n * _out];
        _dx = new float[_n * _in];
        _dw = new float[_out * _in];
    }

    [Benchmark]
    public void Forward() => Gemm.DenseForward<float>(_y, _x, _w, _b, _n, _in, _out, Act.Tanh);

    [Benchmark]
    public void InputGradient() => Gemm.DenseInputGradient<float>(_dx, _dz, _w, _n, _in, _out);

    [Benchmark]
    public void WeightGradient()
    {
        Gemm.DenseWeightGradient<float>(_dw, _b, _dz, _x, _n, _in, _out);
    }
}

/// <summary>Adds a GFLOP/s column (<c>2 n in out</c> over the mean time) for benchmarks with a <c>Shape</c> parameter <c>"n x in x out"</c>.</summary>
public sealed class GflopsConfig : ManualConfig
{
    public GflopsConfig()
    {
        AddColumn(new GflopsColumn());
        AddColumn(StatisticColumn.Min, StatisticColumn.Median);
    }

    internal static (int N, int In, int Out) Parse(string shape)
    {
        int[] parts = shape.Split('x').Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray();
        if (parts.Length != 3) throw new ArgumentException($"Expected a shape \"n x in x out\", got \"{shape}\".", nameof(shape));
        return (parts[0], parts[1], parts[2]);
    }

    private sealed class GflopsColumn : IColumn
    {
        public string Id => "GFLOPs";
        public string ColumnName => "GFLOP/s";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => "2 n in out floating-point operations over the mean time, in 10^9 per second";
        public bool IsAvailable(Summary summary) => true;
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            object? shape = benchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == "Shape")?.Value;
            Statistics? stats = summary[benchmarkCase]?.ResultStatistics;
            if (shape is not string text || stats is null) return "-";
            var (n, inSize, outSize) = Parse(text);
            double flops = 2.0 * n * inSize * outSize;
            return (flops / stats.Mean).ToString("F1", CultureInfo.InvariantCulture); // flop per ns = GFLOP/s
        }
    }
}
