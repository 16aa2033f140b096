using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace Dsl.Benchmarks.SideBySide;

/// <summary>One implementation's timings from one peer run (a W5 torch run reports two: <c>no_grad</c> and <c>inference_mode</c>).</summary>
/// <param name="Implementation">The script's <c>impl</c> label, e.g. <c>torch [OMP_WAIT_POLICY=PASSIVE]</c>.</param>
/// <param name="Values">Timed units, in the workload's unit.</param>
/// <param name="Check">What the run trained to (final loss or test accuracy), or empty.</param>
internal sealed record PeerSample(string Implementation, IReadOnlyList<double> Values, string Check);

/// <summary>
/// Finds a Python that can run the peer scripts, checks the Debian packages they need, and runs them: one process per
/// workload, implementation and round, with the thread settings of the peer baselines.
/// </summary>
internal sealed class PeerRunner
{
    /// <summary>What the peers need on Debian: NumPy, PyTorch, scikit-learn (W1's make_moons) and the pthreads OpenBLAS,
    /// without which Debian's NumPy and PyTorch use the reference BLAS (2-3 GFLOP/s instead of about 140).</summary>
    public static readonly IReadOnlyList<string> DebianPackages = ["python3-numpy", "python3-torch", "python3-sklearn", "libopenblas0-pthread"];

    private const string Probe = """
        import json, platform, numpy, torch, sklearn
        info = {"python": platform.python_version(), "numpy": numpy.__version__, "torch": torch.__version__, "sklearn": sklearn.__version__}
        try:
            from threadpoolctl import threadpool_info
            info["blas"] = ["%s %s (%s, %s)" % (d.get("internal_api"), d.get("version"), d.get("architecture"), d.get("threading_layer"))
                            for d in threadpool_info() if d.get("user_api") == "blas"]
        except Exception as e:
            info["blas"] = ["not known (%s)" % e]
        print(json.dumps(info))
        """;

    private readonly string _python;
    private readonly string _scripts;
    private readonly string? _dataDirectory;
    private readonly string _coreType;

    private PeerRunner(string python, string scripts, string? dataDirectory, string coreType, string description)
    {
        _python = python;
        _scripts = scripts;
        _dataDirectory = dataDirectory;
        _coreType = coreType;
        Description = description;
    }

    /// <summary>Interpreter, library versions and BLAS, for the report's header.</summary>
    public string Description { get; }

    /// <summary>Where the scripts are: copied beside the program from <c>benchmarks/peers/</c> by the build.</summary>
    public static string ScriptDirectory => Path.Combine(AppContext.BaseDirectory, "peers");

    /// <summary>
    /// A runner, or null (with the reason written to <paramref name="log"/>) when the peers cannot run: a Debian package
    /// is missing (the apt-get command is printed, or run with <paramref name="install"/>), or no Python imports
    /// numpy, torch and sklearn.
    /// </summary>
    public static PeerRunner? Prepare(string? python, bool install, string? dataDirectory, string coreType, TextWriter log)
    {
        if (!File.Exists(Path.Combine(ScriptDirectory, "common.py")))
            throw new FileNotFoundException($"Expected the peer scripts beside the program in {ScriptDirectory} (the build copies benchmarks/peers/*.py there); found no common.py.");

        IReadOnlyList<string>? missing = MissingDebianPackages();
        if (missing is null)
            log.WriteLine("Peers: dpkg-query not found (not Debian?); cannot check that NumPy uses OpenBLAS; see the BLAS line below.");
        else if (missing.Count > 0)
        {
            string command = "apt-get install -y " + string.Join(' ', missing);
            if (!install)
            {
                log.WriteLine($"Peers skipped: the Debian packages {string.Join(", ", missing)} are missing. Install them with");
                log.WriteLine($"    {command}");
                log.WriteLine("(as root), or rerun with --install-peers as root.");
                return null;
            }
            log.WriteLine($"Peers: running {command}");
            ChildResult? apt = ChildProcess.Run("apt-get", ["install", "-y", .. missing]);
            if (apt is null || apt.ExitCode != 0)
            {
                log.WriteLine($"Peers skipped: {command} failed (exit {apt?.ExitCode.ToString(CultureInfo.InvariantCulture) ?? "apt-get not found"}); it needs root.");
                if (apt is not null) log.WriteLine(ChildProcess.Tail(apt.Error));
                return null;
            }
            missing = MissingDebianPackages();
            if (missing is { Count: > 0 })
            {
                log.WriteLine($"Peers skipped: still missing after apt-get: {string.Join(", ", missing)}.");
                return null;
            }
        }

        var tried = new List<string>();
        foreach (string candidate in python is not null ? [python] : PythonCandidates())
        {
            ChildResult? result = ChildProcess.Run(candidate, ["-c", Probe], Environment(1, coreType));
            if (result is { ExitCode: 0 })
            {
                string description = Describe(candidate, result.Output);
                return new PeerRunner(candidate, ScriptDirectory, dataDirectory, coreType, description);
            }
            tried.Add(result is null ? $"{candidate}: cannot be started" : $"{candidate}: {ChildProcess.Tail(result.Error, 1)}");
        }
        log.WriteLine("Peers skipped: no Python imports numpy, torch and sklearn" + (tried.Count == 0 ? " (no python3 on PATH)." : ":"));
        foreach (string line in tried) log.WriteLine("    " + line);
        log.WriteLine("Pass the interpreter that has Debian's python3-torch with --python.");
        return null;
    }

    /// <summary>
    /// Runs <paramref name="workload"/>'s script once for <paramref name="peer"/> with one round's arguments and returns
    /// the timed units it reports, or throws with the script's last error lines.
    /// </summary>
    /// <exception cref="InvalidOperationException">The script failed or printed no result.</exception>
    public IReadOnlyList<PeerSample> Run(WorkloadSpec workload, PeerConfig peer)
    {
        var arguments = new List<string> { Path.Combine(_scripts, workload.Script), "--threads", peer.Threads.ToString(CultureInfo.InvariantCulture), "--impl", peer.Impl };
        arguments.AddRange(workload.RoundArguments);
        if (_dataDirectory is not null) arguments.AddRange(["--data", _dataDirectory]);
        ChildResult result = ChildProcess.Run(_python, arguments, Environment(peer.Threads, _coreType), _scripts)
            ?? throw new InvalidOperationException($"{_python} could not be started.");
        string? json = result.Output.Split('\n').LastOrDefault(line => line.TrimStart().StartsWith('{'));
        if (result.ExitCode != 0 || json is null)
            throw new InvalidOperationException($"{workload.Script} --impl {peer.Impl} --threads {peer.Threads} failed (exit {result.ExitCode}):{System.Environment.NewLine}{ChildProcess.Tail(result.Error)}");
        return Parse(workload, json);
    }

    /// <summary>Environment of a peer process: thread variables are set by the scripts themselves from <c>--threads</c>.</summary>
    private static Dictionary<string, string?> Environment(int threads, string coreType) => new()
    {
        ["OPENBLAS_CORETYPE"] = coreType,
        // The baselines' rule: PyTorch at 2 threads only with passive OpenMP waiting (its libgomp pool otherwise spins
        // against OpenBLAS' own threads on the same cores, 2-3.6x slower).
        ["OMP_WAIT_POLICY"] = threads >= 2 ? "PASSIVE" : null,
        ["PYTHONDONTWRITEBYTECODE"] = "1",
    };

    private static IReadOnlyList<PeerSample> Parse(WorkloadSpec workload, string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        var samples = new List<PeerSample>();
        foreach (JsonElement result in document.RootElement.GetProperty("results").EnumerateArray())
        {
            string impl = result.GetProperty("impl").GetString() ?? "?";
            string field = workload.Id == "W5" ? "times_us" : "times_s";
            double[] values = result.GetProperty(field).EnumerateArray().Select(v => v.GetDouble()).ToArray();
            string check = "";
            if (result.TryGetProperty("final_loss", out JsonElement loss))
                check = string.Format(CultureInfo.InvariantCulture, "final loss {0:F4}", loss.GetDouble());
            else if (result.TryGetProperty("test_acc_after_epochs", out JsonElement accuracy))
            {
                int epochs = result.GetProperty("epochs_trained").GetInt32();
                check = string.Format(CultureInfo.InvariantCulture, "test acc {0:F4} after {1} epoch{2}", accuracy.GetDouble(), epochs, epochs == 1 ? "" : "s");
            }
            samples.Add(new PeerSample(impl, values, check));
        }
        return samples;
    }

    /// <summary>
    /// The installation state of <see cref="DebianPackages"/>: the missing ones, or null when dpkg-query is not there.
    /// </summary>
    private static IReadOnlyList<string>? MissingDebianPackages()
    {
        ChildResult? result = ChildProcess.Run("dpkg-query", ["-W", "-f=${Package} ${db:Status-Status}\n", .. DebianPackages]);
        if (result is null) return null;
        var installed = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Trim().Split(' '))
            .Where(parts => parts.Length == 2 && parts[1] == "installed")
            .Select(parts => parts[0].Split(':')[0])
            .ToHashSet();
        return DebianPackages.Where(p => !installed.Contains(p)).ToArray();
    }

    /// <summary>Every <c>python3</c> on PATH, in PATH order (a pyenv shim first, the system's interpreter later).</summary>
    private static IEnumerable<string> PythonCandidates()
    {
        var seen = new HashSet<string>();
        foreach (string directory in (System.Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(directory, "python3");
            if (File.Exists(candidate) && seen.Add(Path.GetFullPath(candidate))) yield return candidate;
        }
    }

    private static string Describe(string python, string probeOutput)
    {
        string json = probeOutput.Split('\n').Last(line => line.TrimStart().StartsWith('{'));
        using JsonDocument document = JsonDocument.Parse(json);
        JsonElement info = document.RootElement;
        string blas = string.Join("; ", info.GetProperty("blas").EnumerateArray().Select(b => b.GetString()));
        return $"{python}: Python {info.GetProperty("python").GetString()}, numpy {info.GetProperty("numpy").GetString()}, " +
               $"torch {info.GetProperty("torch").GetString()}, sklearn {info.GetProperty("sklearn").GetString()}; BLAS {(blas.Length == 0 ? "none found" : blas)}";
    }
}
