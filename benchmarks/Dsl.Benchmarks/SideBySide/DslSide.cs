using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using Dsl.Benchmarks.Workloads;
using Dsl.Runtime;

namespace Dsl.Benchmarks.SideBySide;

/// <summary>
/// Dsl's half of the side-by-side run, in this process. Each workload is created and warmed up on first use, until
/// the JIT has reached its final tier. Then every <see cref="Measure"/> does what one peer process does in a round:
/// the peer script's own warm-up (2000 passes for W1, one epoch for W2-W4, 2000 calls for W5), untimed, and right
/// after it one timed unit, the way the peer script times it: a whole 20000-pass training from fresh initial weights
/// (W1), one epoch over a new permutation of the training set (W2-W4), 200 blocks of 100 single-sample calls (W5).
/// </summary>
internal sealed class DslSide
{
    private readonly FashionSet? _fashion;
    private Dataset? _moons;
    private W1MoonsNet? _lastMoons;
    private readonly Dictionary<string, TrainingWorkload> _training = [];
    private readonly Dictionary<string, int> _epochs = [];
    private LatencyWorkload? _latency;

    /// <param name="fashion">The data for W2-W5; null when only W1 runs.</param>
    public DslSide(FashionSet? fashion) => _fashion = fashion;

    /// <summary>Times one unit of <paramref name="workload"/>, in its unit (s, or us per call for W5).</summary>
    public IReadOnlyList<double> Measure(WorkloadSpec workload)
    {
        switch (workload.Id)
        {
            case "W1":
            {
                Dataset data = _moons ??= WarmUpMoons();
                W1Moons.Train(data, PeerWarmUpPasses);
                long start = Stopwatch.GetTimestamp();
                _lastMoons = W1Moons.Train(data, W1Moons.Passes);
                return [Stopwatch.GetElapsedTime(start).TotalSeconds];
            }
            case "W5":
            {
                LatencyWorkload latency = _latency ??= WarmUpLatency();
                for (int call = 0; call < PeerWarmUpCalls; call++) latency.Call();
                var perCall = new double[WorkloadSpec.LatencyBlocks];
                for (int block = 0; block < perCall.Length; block++)
                {
                    long start = Stopwatch.GetTimestamp();
                    for (int call = 0; call < WorkloadSpec.LatencyBlockCalls; call++) latency.Call();
                    perCall[block] = Stopwatch.GetElapsedTime(start).TotalMicroseconds / WorkloadSpec.LatencyBlockCalls;
                }
                return perCall;
            }
            default:
            {
                TrainingWorkload training = Training(workload.Id);
                training.Epoch(); // the peer script's warm-up epoch
                long start = Stopwatch.GetTimestamp();
                training.Epoch();
                double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
                _epochs[workload.Id] = _epochs.GetValueOrDefault(workload.Id) + 2;
                return [seconds];
            }
        }
    }

    /// <summary>What the timed work trained to, as the peers report it: W1's final loss, W2-W4's test accuracy.</summary>
    public string Check(WorkloadSpec workload)
    {
        if (workload.Id == "W1")
            return _lastMoons is null || _moons is null ? "" : string.Format(CultureInfo.InvariantCulture, "final loss {0:F4}", W1Moons.Loss(_lastMoons, _moons));
        if (_training.TryGetValue(workload.Id, out TrainingWorkload? training) && _fashion is not null)
        {
            int epochs = _epochs.GetValueOrDefault(workload.Id);
            return string.Format(CultureInfo.InvariantCulture, "test acc {0:F4} after {1} epoch{2} and the warm-up steps",
                training.Accuracy(_fashion.Test), epochs, epochs == 1 ? "" : "s");
        }
        return "";
    }

    /// <summary>Steps per unit, for the per-step column: 20000 passes (W1), steps per epoch (W2-W4), none (W5).</summary>
    public int? StepsPerUnit(WorkloadSpec workload)
        => workload.Id switch
        {
            "W1" => W1Moons.Passes,
            "W5" => null,
            _ => _training.TryGetValue(workload.Id, out TrainingWorkload? t) ? t.StepsPerEpoch : null,
        };

    /// <summary>Passes of W1 the peer script runs untimed before each timed training.</summary>
    private const int PeerWarmUpPasses = 2000;

    /// <summary>Calls of W5 the peer script makes untimed before its timed blocks.</summary>
    private const int PeerWarmUpCalls = 2000;

    /// <summary>Until the JIT has compiled the hot paths at their final tier: 2000 passes (the peers' warm-up) and at least a second.</summary>
    private static Dataset WarmUpMoons()
    {
        Dataset data = W1Moons.CreateData();
        long start = Stopwatch.GetTimestamp();
        do W1Moons.Train(data, PeerWarmUpPasses);
        while (Stopwatch.GetElapsedTime(start).TotalSeconds < 1);
        return data;
    }

    /// <summary>At least 2000 calls (the peers' warm-up) and at least a second.</summary>
    private LatencyWorkload WarmUpLatency()
    {
        var latency = new LatencyWorkload(Fashion.Test);
        long start = Stopwatch.GetTimestamp();
        for (int calls = 0; calls < PeerWarmUpCalls || Stopwatch.GetElapsedTime(start).TotalSeconds < 1; calls++) latency.Call();
        return latency;
    }

    /// <summary>The workload, created and warmed up (at least 20 steps and 2 seconds) on first use.</summary>
    private TrainingWorkload Training(string id)
    {
        if (_training.TryGetValue(id, out TrainingWorkload? existing)) return existing;
        TrainingWorkload training = id switch
        {
            "W2" => TrainingWorkload.W2(Fashion.Train),
            "W3" => TrainingWorkload.W3(Fashion.Train),
            "W4" => TrainingWorkload.W4(Fashion.Train),
            _ => throw new ArgumentOutOfRangeException(nameof(id), id, "Expected W2, W3 or W4."),
        };
        long start = Stopwatch.GetTimestamp();
        for (int steps = 0; steps < 20 || Stopwatch.GetElapsedTime(start).TotalSeconds < 2; steps++) training.Step();
        _training[id] = training;
        return training;
    }

    private FashionSet Fashion => _fashion ?? throw new InvalidOperationException("Fashion-MNIST was not loaded, but a workload that needs it runs.");
}
