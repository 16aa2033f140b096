using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace Dsl.Benchmarks.SideBySide;

/// <summary>Which peers run: every configuration, the one the issue names for each workload, none, or a fixed list.</summary>
internal enum PeerChoice
{
    All,
    Target,
    None,
    List,
}

/// <summary>The side-by-side command's options (see <see cref="Usage"/>).</summary>
internal sealed class SideBySideOptions
{
    public const string Usage = """
        Usage: side-by-side [options]
        Runs Dsl's workloads W1-W5 (issue 6) and the NumPy/PyTorch peer scripts of benchmarks/peers/ one after the other,
        in interleaved rounds, and prints Markdown tables of medians and of the ratio peer / Dsl against each target.

          --workloads W1,W2,...   workloads to run (default: W1,W2,W3,W4,W5)
          --repeats N             interleaved rounds; each round times one unit of every implementation (default 5):
                                  W1 one training run of 20000 passes, W2-W4 one epoch, W5 200 blocks of 100 calls
          --peers WHICH           all: numpy and torch at 1 and 2 threads (default); target: only the peer the issue
                                  names for each workload (W1, W2, W5 numpy@1; W3, W4 torch@2); none; or a list such
                                  as numpy@1,torch@2
          --quick                 the same as --repeats 3 --peers target (a few minutes)
          --data DIR              Fashion-MNIST folder (default: FashionMnist.Locate(), the full set when Debian's
                                  dataset-fashion-mnist is installed); the peers need the full 60000 training images
          --python CMD            the Python interpreter for the peers (default: the first python3 on PATH that
                                  imports numpy, torch and sklearn)
          --openblas-coretype X   OPENBLAS_CORETYPE for the peers (default Cooperlake: OpenBLAS 0.3.21 misdetects
                                  recent CPUs and falls back to SSE3 kernels)
          --install-peers         if Debian packages the peers need are missing, run apt-get install -y for them
                                  (needs root); without it the command prints the apt-get line and skips the peers
          --json FILE             also write every sample and the environment as JSON
          --help                  this text
        """;

    public IReadOnlyList<WorkloadSpec> Workloads { get; private set; } = WorkloadSpec.All;
    public int Repeats { get; private set; } = 5;
    public PeerChoice Peers { get; private set; } = PeerChoice.All;
    public IReadOnlyList<PeerConfig> PeerList { get; private set; } = [];
    public string? DataDirectory { get; private set; }
    public string? Python { get; private set; }
    public string OpenBlasCoreType { get; private set; } = "Cooperlake";
    public bool InstallPeers { get; private set; }
    public string? JsonPath { get; private set; }
    public bool Help { get; private set; }

    /// <summary>The peer configurations that run for <paramref name="workload"/>.</summary>
    public IReadOnlyList<PeerConfig> PeersFor(WorkloadSpec workload) => Peers switch
    {
        PeerChoice.All => PeerConfig.All,
        PeerChoice.Target => [workload.TargetPeers],
        PeerChoice.List => PeerList,
        _ => [],
    };

    /// <summary>Parses the command line.</summary>
    /// <exception cref="ArgumentException">An unknown option, a missing value or a value out of range, with what was expected.</exception>
    public static SideBySideOptions Parse(IReadOnlyList<string> args)
    {
        var options = new SideBySideOptions();
        for (int i = 0; i < args.Count; i++)
        {
            string option = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{option} needs a value.");
            switch (option)
            {
                case "--workloads": options.Workloads = WorkloadSpec.Parse(Value()); break;
                case "--repeats": options.Repeats = PositiveInt(Value(), option); break;
                case "--peers": options.ParsePeers(Value()); break;
                case "--quick": options.Repeats = 3; options.Peers = PeerChoice.Target; break;
                case "--data": options.DataDirectory = Value(); break;
                case "--python": options.Python = Value(); break;
                case "--openblas-coretype": options.OpenBlasCoreType = Value(); break;
                case "--install-peers": options.InstallPeers = true; break;
                case "--json": options.JsonPath = Value(); break;
                case "--help" or "-h": options.Help = true; break;
                default: throw new ArgumentException($"Unknown option '{option}'; expected one of --workloads, --repeats, --peers, --quick, --data, --python, --openblas-coretype, --install-peers, --json, --help.");
            }
        }
        return options;
    }

    private void ParsePeers(string value)
    {
        switch (value)
        {
            case "all": Peers = PeerChoice.All; break;
            case "target": Peers = PeerChoice.Target; break;
            case "none": Peers = PeerChoice.None; break;
            default:
                PeerList = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Select(PeerConfig.Parse).Distinct().ToArray();
                if (PeerList.Count == 0) throw new ArgumentException("--peers: expected all, target, none or a list like numpy@1,torch@2; found an empty list.");
                Peers = PeerChoice.List;
                break;
        }
    }

    private static int PositiveInt(string text, string option)
        => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) && value >= 1
            ? value
            : throw new ArgumentException($"{option} expects a positive integer, found '{text}'.");
}
