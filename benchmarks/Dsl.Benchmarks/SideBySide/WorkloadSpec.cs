using System;
using System.Collections.Generic;
using System.Linq;

namespace Dsl.Benchmarks.SideBySide;

/// <summary>One peer configuration: an implementation of a peer script (<c>--impl</c>) at a thread count (<c>--threads</c>).</summary>
/// <param name="Impl"><c>numpy</c> or <c>torch</c>.</param>
/// <param name="Threads">Threads given to OpenBLAS and OpenMP; at 2 or more the peer runs with <c>OMP_WAIT_POLICY=PASSIVE</c>.</param>
internal sealed record PeerConfig(string Impl, int Threads)
{
    /// <summary>Every configuration of the peer baselines: NumPy and PyTorch at 1 and 2 threads.</summary>
    public static readonly IReadOnlyList<PeerConfig> All = [new("numpy", 1), new("numpy", 2), new("torch", 1), new("torch", 2)];

    /// <summary>Parses <c>numpy@1</c> or <c>torch@2</c>.</summary>
    /// <exception cref="ArgumentException">Not of that form.</exception>
    public static PeerConfig Parse(string text)
    {
        string[] parts = text.Split('@');
        if (parts.Length == 2 && parts[0] is "numpy" or "torch" && int.TryParse(parts[1], out int threads) && threads >= 1)
            return new PeerConfig(parts[0], threads);
        throw new ArgumentException($"--peers: expected all, target, none or a list like numpy@1,torch@2; found '{text}'.");
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Impl}@{Threads}";
}

/// <summary>What the issue asks of a workload.</summary>
/// <param name="MinRatio">Best peer's median / Dsl's median must be at least this, or null.</param>
/// <param name="MaxDsl">Dsl's median must be at most this (in the workload's unit), or null.</param>
internal sealed record Target(double? MinRatio, double? MaxDsl)
{
    /// <summary>As the issue writes it.</summary>
    public override string ToString()
        => MinRatio is double r ? $">= {r:0.##}x vs best peer" : $"Dsl <= {MaxDsl:0.##}";
}

/// <summary>
/// One of issue 6's workloads as the side-by-side command runs it: its peer script and the arguments that make one
/// round's worth of timed work (the script does its own warm-up first), its unit and the target.
/// </summary>
/// <param name="Id"><c>W1</c> ... <c>W5</c>.</param>
/// <param name="Title">What it is, for the table.</param>
/// <param name="Script">The peer script in <c>benchmarks/peers/</c>.</param>
/// <param name="RoundArguments">Arguments of one peer run: one timed unit after the script's warm-up.</param>
/// <param name="NeedsFashion">Whether the workload reads Fashion-MNIST.</param>
/// <param name="TargetPeers">The peer the issue names as the best (for <c>--peers target</c>).</param>
/// <param name="Target">The target.</param>
/// <param name="Unit">Unit of every sample and median.</param>
internal sealed record WorkloadSpec(string Id, string Title, string Script, string[] RoundArguments, bool NeedsFashion,
    PeerConfig TargetPeers, Target Target, string Unit)
{
    /// <summary>Blocks of 100 calls that one W5 round times, on each side.</summary>
    public const int LatencyBlocks = 200;

    /// <summary>Calls per W5 block.</summary>
    public const int LatencyBlockCalls = 100;

    /// <summary>The five workloads, with the peer scripts' own settings.</summary>
    public static readonly IReadOnlyList<WorkloadSpec> All =
    [
        new("W1", "moons 2-3-2 tanh/softmax, 200 points, 20000 full-batch passes, L2", "w1_moons.py",
            ["--repeats", "1"], false, new("numpy", 1), new(50, null), "s per 20000 passes"),
        new("W2", "MLP 784-128(tanh)-10, SGD momentum 0.9, batch 100", "w2_mlp.py",
            ["--epochs", "2"], true, new("numpy", 1), new(2, null), "s per epoch"),
        new("W3", "MLP 784-784-784-10 sigmoid, Adam, batch 200", "w3_wide_sigmoid.py",
            ["--epochs", "2"], true, new("torch", 2), new(1.6, null), "s per epoch"),
        new("W4", "seed 000's CNN, SGD Nesterov momentum 0.9, batch 100", "w4_cnn.py",
            ["--epochs", "2"], true, new("torch", 2), new(8, null), "s per epoch"),
        new("W5", "one-sample Forward of the W2 network", "w5_latency.py",
            ["--blocks", LatencyBlocks.ToString(System.Globalization.CultureInfo.InvariantCulture),
             "--block", LatencyBlockCalls.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            true, new("numpy", 1), new(null, 3), "us per call"),
    ];

    /// <summary>Parses <c>W1,W3</c> (any case) into specs, in the canonical order.</summary>
    /// <exception cref="ArgumentException">An unknown name.</exception>
    public static IReadOnlyList<WorkloadSpec> Parse(string text)
    {
        var wanted = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => s.ToUpperInvariant()).ToHashSet();
        string[] unknown = wanted.Where(w => All.All(spec => spec.Id != w)).ToArray();
        if (unknown.Length > 0 || wanted.Count == 0)
            throw new ArgumentException($"--workloads: expected a comma-separated list of W1, W2, W3, W4, W5; found '{text}'.");
        return All.Where(spec => wanted.Contains(spec.Id)).ToArray();
    }
}
