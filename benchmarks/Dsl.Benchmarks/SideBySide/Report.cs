using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace Dsl.Benchmarks.SideBySide;

/// <summary>All timed units of one implementation on one workload, gathered over the rounds.</summary>
internal sealed class Series(WorkloadSpec workload, string implementation, string threads, bool isDsl)
{
    public WorkloadSpec Workload { get; } = workload;
    public string Implementation { get; } = implementation;
    public string Threads { get; } = threads;
    public bool IsDsl { get; } = isDsl;
    public List<double> Values { get; } = [];
    public string Check { get; set; } = "";
    public List<string> Failures { get; } = [];

    public double Median => Statistics.Median(Values);
}

/// <summary>Median of a sample, as Python's <c>statistics.median</c> (the mean of the two middle values for an even count).</summary>
internal static class Statistics
{
    public static double Median(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0) return double.NaN;
        double[] sorted = values.Order().ToArray();
        int middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}

/// <summary>The Markdown report: the environment, every implementation's medians, and the targets of issue 6.</summary>
internal static class Report
{
    public static void Write(TextWriter output, IReadOnlyList<string> header, IReadOnlyList<WorkloadSpec> workloads,
        IReadOnlyList<Series> series, Func<WorkloadSpec, int?> stepsPerUnit)
    {
        output.WriteLine("## Dsl side by side with NumPy and PyTorch (issue 6)");
        output.WriteLine();
        foreach (string line in header) output.WriteLine("- " + line);
        output.WriteLine();
        output.WriteLine("Medians over the timed units (warm-up excluded), min and max; n = timed units. \"per step\" is the median");
        output.WriteLine("divided by the steps in a unit (us per pass for W1, ms per step for W2-W4). \"peer / Dsl\" > 1 means Dsl is faster.");
        output.WriteLine();
        output.WriteLine("| workload | implementation | threads | median | min | max | n | per step | peer / Dsl | trained to |");
        output.WriteLine("|---|---|---|---:|---:|---:|---:|---:|---:|---|");
        foreach (WorkloadSpec workload in workloads)
        {
            Series? dsl = series.FirstOrDefault(s => s.Workload == workload && s.IsDsl);
            foreach (Series s in series.Where(s => s.Workload == workload))
            {
                string perStep = PerStep(workload, s, stepsPerUnit(workload));
                string ratio = s.IsDsl || dsl is null || s.Values.Count == 0 ? "" : Ratio(s.Median / dsl.Median);
                string check = s.Failures.Count > 0 ? $"{s.Check} ({s.Failures.Count} failed runs)".Trim() : s.Check;
                output.WriteLine(s.Values.Count == 0
                    ? $"| {workload.Id} ({workload.Unit}) | {s.Implementation} | {s.Threads} | - | - | - | 0 | | | {check} |"
                    : $"| {workload.Id} ({workload.Unit}) | {(s.IsDsl ? "**Dsl**" : s.Implementation)} | {s.Threads} | {(s.IsDsl ? $"**{Number(s.Median)}**" : Number(s.Median))} | {Number(s.Values.Min())} | {Number(s.Values.Max())} | {s.Values.Count} | {perStep} | {ratio} | {check} |");
            }
        }
        output.WriteLine();
        output.WriteLine("| workload | what | target | Dsl median | best peer (median) | best peer / Dsl | met |");
        output.WriteLine("|---|---|---|---:|---|---:|---|");
        foreach (WorkloadSpec workload in workloads)
        {
            Series? dsl = series.FirstOrDefault(s => s.Workload == workload && s.IsDsl);
            Series? best = series.Where(s => s.Workload == workload && !s.IsDsl && s.Values.Count > 0).MinBy(s => s.Median);
            if (dsl is null || dsl.Values.Count == 0) continue;
            double? ratio = best is null ? null : best.Median / dsl.Median;
            string met = workload.Target switch
            {
                { MaxDsl: double max } => dsl.Median <= max ? "**yes**" : "no",
                { MinRatio: double min } => ratio is null ? "no peer ran" : ratio >= min ? "**yes**" : "no",
                _ => "",
            };
            string target = workload.Target.MaxDsl is double m ? string.Format(CultureInfo.InvariantCulture, "Dsl <= {0:0.##} {1}", m, workload.Unit) : workload.Target.ToString();
            string bestText = best is null ? "-" : $"{best.Implementation} @{best.Threads}: {Number(best.Median)}";
            output.WriteLine($"| {workload.Id} | {workload.Title} | {target} | {Number(dsl.Median)} {workload.Unit} | {bestText} | {(ratio is double r ? Ratio(r) : "-")} | {met} |");
        }
    }

    private static string PerStep(WorkloadSpec workload, Series s, int? steps)
    {
        if (steps is not int n || s.Values.Count == 0) return "";
        double perStep = s.Median / n;
        return workload.Id == "W1" ? $"{Number(perStep * 1e6)} us" : $"{Number(perStep * 1e3)} ms";
    }

    /// <summary>Four significant digits, invariant culture, no exponent below a million.</summary>
    public static string Number(double value)
    {
        if (double.IsNaN(value)) return "-";
        double magnitude = Math.Abs(value);
        int decimals = magnitude >= 1000 ? 0 : magnitude == 0 ? 0 : Math.Clamp(3 - (int)Math.Floor(Math.Log10(magnitude)), 0, 9);
        return value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }

    private static string Ratio(double ratio)
        => ratio.ToString(ratio >= 100 ? "F0" : ratio >= 10 ? "F1" : "F2", CultureInfo.InvariantCulture) + "x";
}
