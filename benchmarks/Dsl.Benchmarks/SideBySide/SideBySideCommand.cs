using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text.Encodings.Web;
using System.Text.Json;
using Dsl.Benchmarks.Workloads;
using Dsl.Runtime.Data;

namespace Dsl.Benchmarks.SideBySide;

/// <summary>
/// <c>side-by-side</c>: runs Dsl's W1-W5 and the peer scripts one after the other in interleaved rounds and prints
/// the medians and the ratios against issue 6's targets. Progress goes to standard error, the report (Markdown) to
/// standard output.
/// </summary>
/// <remarks>
/// Round r runs, for every workload in turn, one timed unit of Dsl and one peer process per peer configuration; the
/// order of the implementations rotates by one each round, so slow and fast phases of the machine (it drifts by up to
/// 30%) fall on every implementation alike. Each peer process does its own warm-up (2000 passes, one epoch, or 2000
/// calls) before its timed unit, as the peer scripts always do; Dsl, in this process, warms up once per workload until
/// the JIT has reached its final tier, and then, like a peer, runs that same warm-up right before each timed unit.
/// </remarks>
internal static class SideBySideCommand
{
    public static int Run(IReadOnlyList<string> args)
    {
        SideBySideOptions options;
        try
        {
            options = SideBySideOptions.Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine(SideBySideOptions.Usage);
            return 2;
        }
        if (options.Help)
        {
            Console.WriteLine(SideBySideOptions.Usage);
            return 0;
        }

        TextWriter log = Console.Error;
        FashionSet? fashion = null;
        if (options.Workloads.Any(w => w.NeedsFashion))
        {
            try
            {
                fashion = FashionSet.Load(options.DataDirectory);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                log.WriteLine($"Cannot load Fashion-MNIST: {e.Message}");
                return 2;
            }
            log.WriteLine(fashion.Location.Source == FashionMnistSource.Explicit
                ? $"Data: {fashion.Location.Description}"
                : $"Data: {fashion.Location.Description} in {fashion.Location.Directory}");
        }

        PeerRunner? peers = options.Peers == PeerChoice.None
            ? null
            : PeerRunner.Prepare(options.Python, options.InstallPeers, fashion?.Location.Directory, options.OpenBlasCoreType, log);
        if (peers is not null) log.WriteLine($"Peers: {peers.Description}");
        bool peersHaveData = fashion is null || fashion.IsFull;
        if (peers is not null && !peersHaveData)
            log.WriteLine($"Peers skipped for W2-W5: their scripts need the full Fashion-MNIST ({FashionSet.FullTrainCount} training images), found {fashion!.Train.Count}; apt-get install dataset-fashion-mnist, or pass --data.");

        var dsl = new DslSide(fashion);
        var series = new List<Series>();
        Series Get(WorkloadSpec workload, string implementation, string threads, bool isDsl)
        {
            Series? s = series.FirstOrDefault(x => x.Workload == workload && x.Implementation == implementation && x.Threads == threads);
            if (s is null) series.Add(s = new Series(workload, implementation, threads, isDsl));
            return s;
        }
        // The runtime's choice: all cores unless DSL_THREADS says otherwise (where the runtime reads that variable).
        string? pinned = Environment.GetEnvironmentVariable("DSL_THREADS");
        string dslThreads = string.IsNullOrWhiteSpace(pinned) ? $"up to {Environment.ProcessorCount}" : $"DSL_THREADS={pinned.Trim()}";
        foreach (WorkloadSpec workload in options.Workloads) Get(workload, "Dsl", dslThreads, true);

        for (int round = 0; round < options.Repeats; round++)
        {
            foreach (WorkloadSpec workload in options.Workloads)
            {
                var runs = new List<Action>
                {
                    () => Record(log, round, options.Repeats, workload, "Dsl", Get(workload, "Dsl", dslThreads, true), dsl.Measure(workload)),
                };
                if (peers is not null && (!workload.NeedsFashion || peersHaveData))
                    foreach (PeerConfig peer in options.PeersFor(workload))
                        runs.Add(() => RunPeer(log, round, options.Repeats, peers, workload, peer, Get));
                int shift = round % runs.Count;
                foreach (Action run in runs.Skip(shift).Concat(runs.Take(shift))) run();
            }
        }

        foreach (WorkloadSpec workload in options.Workloads) Get(workload, "Dsl", dslThreads, true).Check = dsl.Check(workload);

        List<string> header = Header(options, fashion, peers, args);
        Report.Write(Console.Out, header, options.Workloads, series, dsl.StepsPerUnit);
        if (options.JsonPath is not null) WriteJson(options.JsonPath, header, series);
        return 0;
    }

    private static void RunPeer(TextWriter log, int round, int rounds, PeerRunner peers, WorkloadSpec workload, PeerConfig peer,
        Func<WorkloadSpec, string, string, bool, Series> get)
    {
        string threads = peer.Threads.ToString(CultureInfo.InvariantCulture);
        try
        {
            foreach (PeerSample sample in peers.Run(workload, peer))
            {
                Series s = get(workload, sample.Implementation, threads, false);
                s.Check = sample.Check;
                Record(log, round, rounds, workload, $"{sample.Implementation} @{threads}", s, sample.Values);
            }
        }
        catch (InvalidOperationException e)
        {
            get(workload, peer.Impl, threads, false).Failures.Add(e.Message);
            log.WriteLine($"[round {round + 1}/{rounds}] {workload.Id} {peer}: {e.Message}");
        }
    }

    private static void Record(TextWriter log, int round, int rounds, WorkloadSpec workload, string name, Series series, IReadOnlyList<double> values)
    {
        series.Values.AddRange(values);
        log.WriteLine($"[round {round + 1}/{rounds}] {workload.Id} {name}: {Report.Number(Statistics.Median(values.ToArray()))} {workload.Unit}" +
                      (values.Count > 1 ? $" (median of {values.Count})" : ""));
    }

    private static List<string> Header(SideBySideOptions options, FashionSet? fashion, PeerRunner? peers, IReadOnlyList<string> args)
    {
        var header = new List<string>
        {
            $"Date: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; command: `benchmarks/side-by-side.sh{(args.Count > 0 ? " " + string.Join(' ', args) : "")}`",
            $"Machine: {CpuName()}, {Environment.ProcessorCount} logical cores, {RuntimeInformation.OSDescription}; " +
            $"{RuntimeInformation.FrameworkDescription}, Vector512 {(Vector512.IsHardwareAccelerated ? "accelerated" : "not accelerated")}",
            $"Rounds: {options.Repeats}, each timing one unit of every implementation in turn (order rotated each round); " +
            $"each peer in a fresh process after its own warm-up, Dsl in this process after the same warm-up (and a JIT warm-up once per workload)",
        };
        if (fashion is not null)
            header.Add(fashion.IsFull
                ? $"Data: {fashion.Location.Description}"
                : $"Data: {fashion.Location.Description}. **Not the full set: an epoch here is {fashion.Train.Count} images, not {FashionSet.FullTrainCount}; W2-W4 are not comparable with the targets.**");
        header.Add(peers is null
            ? "Peers: not run"
            : $"Peers: {peers.Description}; OPENBLAS_CORETYPE={options.OpenBlasCoreType}, OMP_WAIT_POLICY=PASSIVE at 2 threads");
        return header;
    }

    /// <summary>The CPU's model name from Linux's <c>/proc/cpuinfo</c>, or the architecture elsewhere.</summary>
    private static string CpuName()
    {
        const string CpuInfo = "/proc/cpuinfo";
        if (OperatingSystem.IsLinux() && File.Exists(CpuInfo))
        {
            string? line = File.ReadLines(CpuInfo).FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            if (line is not null) return line[(line.IndexOf(':') + 1)..].Trim();
        }
        return RuntimeInformation.ProcessArchitecture.ToString();
    }

    private static void WriteJson(string path, IReadOnlyList<string> header, IReadOnlyList<Series> series)
    {
        var document = new
        {
            header,
            series = series.Select(s => new
            {
                workload = s.Workload.Id,
                unit = s.Workload.Unit,
                implementation = s.Implementation,
                threads = s.Threads,
                median = s.Values.Count > 0 ? s.Median : (double?)null,
                values = s.Values,
                check = s.Check,
                failures = s.Failures,
            }),
        };
        File.WriteAllText(path, JsonSerializer.Serialize(document, new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
        Console.Error.WriteLine($"Wrote {path}");
    }
}
