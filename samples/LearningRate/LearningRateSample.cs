using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Dsl.Runtime.Plotting;

namespace Samples.LearningRate;

/// <summary>How the gradient of f is computed.</summary>
public enum GradientKind
{
    /// <summary>Central differences with h = 1e-4, as the seed's <c>numerical_gradient</c>: <c>(f(x + h) - f(x - h)) / (2h)</c> per coordinate.</summary>
    Numerical,

    /// <summary>The analytic gradient of <c>x0² + x1²</c>: <c>(2·x0, 2·x1)</c>.</summary>
    Exact,
}

/// <summary>One run of gradient descent: every point visited, <c>[0]</c> the start and <c>[k]</c> the point after k steps.</summary>
/// <param name="LearningRate">The step size η of <c>x ← x - η·∇f(x)</c>.</param>
/// <param name="X0">First coordinate of each point.</param>
/// <param name="X1">Second coordinate of each point.</param>
/// <param name="StalledAfter">The step after which every gradient was exactly zero although the point was not the minimum
/// (the central difference ran out of precision), or null when that did not happen.</param>
public sealed record DescentPath(double LearningRate, double[] X0, double[] X1, int? StalledAfter)
{
    /// <summary>Number of steps taken.</summary>
    public int Steps => X0.Length - 1;

    /// <summary>The last point.</summary>
    public (double X0, double X1) End => (X0[^1], X1[^1]);
}

/// <summary>What a run of the sample ends with.</summary>
/// <param name="Paths">One path per learning rate, in the order given.</param>
/// <param name="ClosedForm">For each learning rate, where descent with the exact gradient lands: <c>x_k = (1 - 2η)^k · x_0</c>.</param>
/// <param name="SvgPath">Where the picture of the paths was written.</param>
public sealed record LearningRateResult(IReadOnlyList<DescentPath> Paths, IReadOnlyList<(double X0, double X1)> ClosedForm, string SvgPath);

/// <summary>
/// Seed 001's gradient descent (chapter 4 of "Deep Learning from Scratch"): minimise <c>f(x0, x1) = x0² + x1²</c> from
/// (-3, 4) by 100 steps of <c>x ← x - η·∇f(x)</c> with η = 0.01, 10 and 1e-10, the gradient taken by central
/// differences exactly as the seed's <c>numerical_gradient</c> and <c>gradient_descent</c> (double precision, the same
/// operations in the same order, so the end points are NumPy's bit for bit). No network: the point is the step size.
/// </summary>
/// <remarks>
/// With the exact gradient <c>2x</c>, one step is <c>x ← (1 - 2η)·x</c>, so <c>x_k = (1 - 2η)^k · x_0</c>: it converges
/// when <c>|1 - 2η| &lt; 1</c> (0 &lt; η &lt; 1) and diverges beyond. η = 0.01 multiplies x by 0.98 a step (0.133 after
/// 100); η = 10 by -19 (the point flips side and grows 19-fold); η = 1e-10 by 1 - 2e-10 (it barely moves).
/// </remarks>
public static class LearningRateSample
{
    /// <summary>The seed's step of the central difference.</summary>
    public const double H = 1e-4;

    /// <summary>The three learning rates of the seed.</summary>
    public static readonly IReadOnlyList<double> SeedRates = [0.01, 10, 1e-10];

    private static readonly string[] Colors = ["#1f5fb4", "#d62728", "#2ca02c", "#9467bd", "#e0701c", "#17becf"];

    /// <summary>The function the seed minimises, <c>f_2</c>: <c>x0² + x1²</c>.</summary>
    public static double F(double[] x) => x[0] * x[0] + x[1] * x[1];

    /// <summary>
    /// The seed's <c>numerical_gradient</c>: for each coordinate, <c>(f(x + h·e_i) - f(x - h·e_i)) / (2h)</c> with
    /// h = 1e-4, moving <paramref name="x"/> in place and putting the coordinate back.
    /// </summary>
    public static void NumericalGradient(Func<double[], double> f, double[] x, double[] gradient)
    {
        for (int i = 0; i < x.Length; i++)
        {
            double saved = x[i];
            x[i] = saved + H;
            double fPlus = f(x);
            x[i] = saved - H;
            double fMinus = f(x);
            gradient[i] = (fPlus - fMinus) / (2 * H);
            x[i] = saved;
        }
    }

    /// <summary>The seed's <c>gradient_descent</c>: <paramref name="steps"/> steps of <c>x ← x - η·∇f(x)</c> from <paramref name="start"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative step count, or a learning rate that is not a finite positive number.</exception>
    public static DescentPath Descend(double learningRate, (double X0, double X1) start, int steps, GradientKind gradient = GradientKind.Numerical)
    {
        if (steps < 0) throw new ArgumentOutOfRangeException(nameof(steps), steps, "Expected a number of steps >= 0.");
        if (!(learningRate > 0) || !double.IsFinite(learningRate))
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "Expected a finite positive learning rate.");
        double[] x = [start.X0, start.X1], grad = new double[2];
        var x0 = new double[steps + 1];
        var x1 = new double[steps + 1];
        x0[0] = x[0];
        x1[0] = x[1];
        int? stalled = null;
        for (int k = 0; k < steps; k++)
        {
            if (gradient == GradientKind.Numerical) NumericalGradient(F, x, grad);
            else { grad[0] = 2 * x[0]; grad[1] = 2 * x[1]; }
            bool zero = grad[0] == 0 && grad[1] == 0 && (x[0] != 0 || x[1] != 0);
            if (zero) stalled ??= k;
            else stalled = null;
            x[0] -= learningRate * grad[0];
            x[1] -= learningRate * grad[1];
            x0[k + 1] = x[0];
            x1[k + 1] = x[1];
        }
        return new DescentPath(learningRate, x0, x1, stalled);
    }

    /// <summary>Where descent with the exact gradient lands after <paramref name="steps"/> steps: <c>(1 - 2η)^steps · start</c>.</summary>
    public static (double X0, double X1) ClosedForm(double learningRate, (double X0, double X1) start, int steps)
    {
        double factor = Math.Pow(1 - 2 * learningRate, steps);
        return (factor * start.X0, factor * start.X1);
    }

    /// <summary>Runs the descent for every learning rate, prints the table and writes <c>learning_rate.svg</c>.</summary>
    /// <param name="rates">Learning rates, each finite and positive.</param>
    /// <param name="start">The starting point.</param>
    /// <param name="steps">Steps per run.</param>
    /// <param name="gradient">How the gradient is taken.</param>
    /// <param name="outputDirectory">Folder of the picture (created if needed).</param>
    /// <param name="log">Where the table goes.</param>
    public static LearningRateResult Run(IReadOnlyList<double> rates, (double X0, double X1) start, int steps, GradientKind gradient, string outputDirectory, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(rates);
        ArgumentNullException.ThrowIfNull(log);
        if (rates.Count == 0) throw new ArgumentException("Expected at least one learning rate, found none.", nameof(rates));
        var paths = rates.Select(lr => Descend(lr, start, steps, gradient)).ToArray();
        var closed = rates.Select(lr => ClosedForm(lr, start, steps)).ToArray();

        log.WriteLine($"Gradient descent on f(x0, x1) = x0^2 + x1^2 from ({G(start.X0)}, {G(start.X1)}), {steps} steps of x <- x - lr * grad f(x),");
        log.WriteLine(gradient == GradientKind.Numerical
            ? "gradient by central differences, (f(x + h) - f(x - h)) / 2h with h = 1e-4, as the seed's numerical_gradient."
            : "exact gradient (2 x0, 2 x1).");
        log.WriteLine();
        string[] header = ["learning rate", "end point (x0, x1)", "f(end)", "exact gradient: (1 - 2 lr)^" + steps.ToString(CultureInfo.InvariantCulture) + " x_0", "verdict"];
        var rows = new List<string[]>();
        for (int r = 0; r < paths.Length; r++)
        {
            DescentPath p = paths[r];
            rows.Add([G(p.LearningRate), $"({G(p.End.X0)}, {G(p.End.X1)})", G(F([p.End.X0, p.End.X1])), $"({G(closed[r].X0)}, {G(closed[r].X1)})", Verdict(p, start)]);
        }
        WriteTable(log, header, rows);
        log.WriteLine();
        foreach (DescentPath p in paths)
        {
            double factor = 1 - 2 * p.LearningRate;
            string line = $"lr = {G(p.LearningRate)}: each exact step multiplies x by 1 - 2 lr = {factor.ToString("R", CultureInfo.InvariantCulture)}";
            if (p.StalledAfter is int k)
                line += $"; after step {k} the central difference returned exactly 0 (f(x + h) and f(x - h) round to the same double at |x| = {G(Math.Sqrt(F([p.X0[k], p.X1[k]])))}), so the path stopped there";
            log.WriteLine(line + ".");
        }

        string path = Path.Combine(outputDirectory, "learning_rate.svg");
        Draw(paths, start, gradient).Save(path);
        log.WriteLine($"Wrote {path}");
        return new LearningRateResult(paths, closed, path);
    }

    private static string Verdict(DescentPath p, (double X0, double X1) start)
    {
        double f0 = F([start.X0, start.X1]), f = F([p.End.X0, p.End.X1]);
        double moved = Math.Sqrt(Sq(p.End.X0 - start.X0) + Sq(p.End.X1 - start.X1)) / Math.Sqrt(f0);
        if (!double.IsFinite(f) || f > f0) return "diverges";
        if (moved < 1e-6) return "barely moves";
        return string.Format(CultureInfo.InvariantCulture, "converges ({0:F1}% of f left)", 100 * f / f0);
    }

    private static double Sq(double v) => v * v;

    /// <summary>
    /// One square panel per learning rate with the path in the (x0, x1) plane (dashed: the contour f = f(start); the
    /// start in black, the minimum in grey),
    /// and a fourth panel with log10 of the distance to the minimum against the step.
    /// </summary>
    private static Svg Draw(IReadOnlyList<DescentPath> paths, (double X0, double X1) start, GradientKind gradient)
    {
        const int panel = 420;
        int columns = 2, rows = (paths.Count + 1 + 1) / 2;
        var svg = new Svg(columns * panel, rows * panel + 30);
        svg.Rect(0, 0, svg.Width, svg.Height, "#ffffff");
        svg.Text(svg.Width / 2.0, 21, $"Gradient descent on x0\u00b2 + x1\u00b2 from ({G(start.X0)}, {G(start.X1)}), {paths[0].Steps} steps ({(gradient == GradientKind.Numerical ? "numerical" : "exact")} gradient)", 15, "middle");
        double radius = Math.Sqrt(F([start.X0, start.X1]));
        for (int i = 0; i < paths.Count; i++)
        {
            DescentPath p = paths[i];
            // Coordinates beyond a million are drawn in units of a power of ten, named on the axes.
            double largest = p.X0.Concat(p.X1).Where(double.IsFinite).Select(Math.Abs).DefaultIfEmpty(1).Max();
            double unit = largest >= 1e6 ? Math.Pow(10, Math.Floor(Math.Log10(largest))) : 1;
            string suffix = unit == 1 ? "" : " / " + G(unit);
            var plot = new LinePlot($"lr = {G(p.LearningRate)}: {Verdict(p, start)}", "x0" + suffix, "x1" + suffix) { IntegerX = false };
            if (unit == 1)
            {
                var circle = Enumerable.Range(0, 121).Select(k => 2 * Math.PI * k / 120).ToArray();
                plot.Add($"f = {G(radius * radius)}", circle.Select(a => radius * Math.Cos(a)).ToArray(), circle.Select(a => radius * Math.Sin(a)).ToArray(), "#aaaaaa", "4 3");
            }
            plot.AddPoints("path", p.X0.Select(v => v / unit).ToArray(), p.X1.Select(v => v / unit).ToArray(), Colors[i % Colors.Length], 2.2, joined: true);
            plot.AddPoints("start", [start.X0 / unit], [start.X1 / unit], "#000000", 3.5);
            plot.AddPoints("minimum (0, 0)", [0], [0], "#888888", 3.5);
            plot.Draw(svg, (i % columns) * panel, 30 + (i / columns) * panel, panel, panel);
        }
        var distance = new LinePlot("Distance to the minimum", "step", "log10 |x|");
        for (int i = 0; i < paths.Count; i++)
        {
            DescentPath p = paths[i];
            double[] steps = Enumerable.Range(0, p.X0.Length).Select(k => (double)k).ToArray();
            distance.Add($"lr = {G(p.LearningRate)}", steps, steps.Select(k => Math.Log10(Math.Sqrt(Sq(p.X0[(int)k]) + Sq(p.X1[(int)k])))).ToArray(), Colors[i % Colors.Length]);
        }
        int last = paths.Count;
        distance.Draw(svg, (last % columns) * panel, 30 + (last / columns) * panel, panel, panel);
        return svg;
    }

    /// <summary>Numbers as NumPy prints them: 8 decimals, or 8 significant digits with an exponent when very large or small.</summary>
    public static string G(double v)
    {
        if (v == 0 || !double.IsFinite(v)) return v.ToString(CultureInfo.InvariantCulture);
        double a = Math.Abs(v);
        if (a >= 1e-4 && a < 1e8) return v.ToString("0.########", CultureInfo.InvariantCulture);
        return v.ToString("0.########e+00", CultureInfo.InvariantCulture);
    }

    private static void WriteTable(TextWriter log, string[] header, List<string[]> rows)
    {
        int[] widths = header.Select((h, c) => Math.Max(h.Length, rows.Max(r => r[c].Length))).ToArray();
        string Line(string[] cells) => string.Join("  ", cells.Select((s, c) => s.PadRight(widths[c]))).TrimEnd();
        log.WriteLine(Line(header));
        log.WriteLine(string.Join("  ", widths.Select(w => new string('-', w))));
        foreach (string[] r in rows) log.WriteLine(Line(r));
    }

    /// <summary>
    /// <c>LearningRate [--lr 0.01,10,1e-10] [--steps 100] [--start -3,4] [--gradient numerical|exact] [--out DIR]</c>.
    /// </summary>
    public static int Main(string[] args)
    {
        double[] rates = [.. SeedRates];
        (double, double) start = (-3, 4);
        int steps = 100;
        var gradient = GradientKind.Numerical;
        string output = "out";
        try
        {
            for (int i = 0; i < args.Length; i += 2)
            {
                string value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value.");
                switch (args[i])
                {
                    case "--lr": rates = Numbers(value, "--lr", count: null); break;
                    case "--steps":
                        steps = int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int s) && s >= 0
                            ? s : throw new ArgumentException($"--steps expects an integer >= 0, found '{value}'.");
                        break;
                    case "--start": var p = Numbers(value, "--start", count: 2); start = (p[0], p[1]); break;
                    case "--gradient":
                        gradient = value switch
                        {
                            "numerical" => GradientKind.Numerical,
                            "exact" => GradientKind.Exact,
                            _ => throw new ArgumentException($"--gradient expects 'numerical' or 'exact', found '{value}'."),
                        };
                        break;
                    case "--out": output = value; break;
                    default: throw new ArgumentException($"Unknown argument '{args[i]}'.");
                }
            }
            if (rates.Any(r => !(r > 0) || !double.IsFinite(r))) throw new ArgumentException($"--lr expects finite positive learning rates, found {string.Join(",", rates.Select(G))}.");
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine("Usage: LearningRate [--lr 0.01,10,1e-10] [--steps 100] [--start -3,4] [--gradient numerical|exact] [--out DIR (default ./out)]");
            return 2;
        }
        try
        {
            Run(rates, start, steps, gradient, output, Console.Out);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine(e.Message);
            return 1;
        }
        return 0;
    }

    private static double[] Numbers(string text, string option, int? count)
    {
        string[] parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new double[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !double.IsFinite(values[i]))
                throw new ArgumentException($"{option} expects comma-separated numbers, found '{text}'.");
        if (count is int n && values.Length != n) throw new ArgumentException($"{option} expects {n} comma-separated numbers, found {values.Length} in '{text}'.");
        return values;
    }
}
