using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace Dsl.Runtime.Plotting;

/// <summary>
/// A panel of curves with axes, ticks and a legend, drawn into an <see cref="Svg"/>: enough for training curves
/// (<see cref="History.SaveSvg"/>) and comparisons of runs. Non-finite points are left out and break their curve.
/// </summary>
public sealed class LinePlot
{
    private readonly List<Series> _series = [];

    /// <summary>A curve or a set of markers: markers of <paramref name="Marker"/> pixels radius when it is positive, joined
    /// by a line unless <paramref name="Joined"/> is false.</summary>
    private sealed record Series(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y, string Color, string? Dash, double Marker = 0, bool Joined = true);

    /// <summary>Starts an empty panel.</summary>
    /// <param name="title">Caption above the panel.</param>
    /// <param name="xLabel">Name of the horizontal axis.</param>
    /// <param name="yLabel">Name of the vertical axis.</param>
    public LinePlot(string title, string xLabel, string yLabel)
    {
        Title = title ?? throw new ArgumentNullException(nameof(title));
        XLabel = xLabel ?? throw new ArgumentNullException(nameof(xLabel));
        YLabel = yLabel ?? throw new ArgumentNullException(nameof(yLabel));
    }

    /// <summary>Caption above the panel.</summary>
    public string Title { get; }

    /// <summary>Name of the horizontal axis.</summary>
    public string XLabel { get; }

    /// <summary>Name of the vertical axis.</summary>
    public string YLabel { get; }

    /// <summary>When true, ticks on the horizontal axis are whole numbers (epochs, steps). Default true.</summary>
    public bool IntegerX { get; init; } = true;

    /// <summary>
    /// When true (default), the panel draws its legend in the corner of the plot area its curves cross least; false
    /// leaves it out, for pictures that draw one legend for several panels.
    /// </summary>
    public bool ShowLegend { get; init; } = true;

    /// <summary>Number of curves added.</summary>
    public int Count => _series.Count;

    /// <summary>Adds a curve through the points <c>(x[i], y[i])</c>.</summary>
    /// <param name="name">Its legend entry.</param>
    /// <param name="x">Horizontal coordinates.</param>
    /// <param name="y">Vertical coordinates, as many as <paramref name="x"/>.</param>
    /// <param name="color">An SVG colour such as <c>#1f5fb4</c>.</param>
    /// <param name="dash">An SVG <c>stroke-dasharray</c> (for example <c>"5 3"</c>), or null for a solid line.</param>
    public LinePlot Add(string name, IReadOnlyList<double> x, IReadOnlyList<double> y, string color, string? dash = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        ArgumentNullException.ThrowIfNull(color);
        if (x.Count != y.Count) throw new ArgumentException($"Expected as many y values as x values ({x.Count}), found {y.Count}.", nameof(y));
        _series.Add(new Series(name, x, y, color, dash));
        return this;
    }

    /// <summary>
    /// Adds the points <c>(x[i], y[i])</c> as round markers (a scatter plot), optionally joined by a thin line in their
    /// order (a path). Non-finite points are left out, as for <see cref="Add"/>.
    /// </summary>
    /// <param name="name">Its legend entry.</param>
    /// <param name="x">Horizontal coordinates.</param>
    /// <param name="y">Vertical coordinates, as many as <paramref name="x"/>.</param>
    /// <param name="color">An SVG colour such as <c>#1f5fb4</c>, for the markers and the line.</param>
    /// <param name="radius">Radius of each marker in pixels, positive.</param>
    /// <param name="joined">When true, a line of width 1 joins consecutive finite points.</param>
    public LinePlot AddPoints(string name, IReadOnlyList<double> x, IReadOnlyList<double> y, string color, double radius = 3, bool joined = false)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        ArgumentNullException.ThrowIfNull(color);
        if (x.Count != y.Count) throw new ArgumentException($"Expected as many y values as x values ({x.Count}), found {y.Count}.", nameof(y));
        if (!(radius > 0) || !double.IsFinite(radius)) throw new ArgumentOutOfRangeException(nameof(radius), radius, "Expected a positive marker radius in pixels.");
        _series.Add(new Series(name, x, y, color, null, radius, joined));
        return this;
    }

    /// <summary>Draws the panel into the rectangle (<paramref name="left"/>, <paramref name="top"/>, <paramref name="width"/>, <paramref name="height"/>) of <paramref name="svg"/>.</summary>
    public void Draw(Svg svg, double left, double top, double width, double height)
    {
        ArgumentNullException.ThrowIfNull(svg);
        const double marginLeft = 58, marginRight = 14, marginTop = 30, marginBottom = 44;
        double plotLeft = left + marginLeft, plotTop = top + marginTop;
        double plotWidth = width - marginLeft - marginRight, plotHeight = height - marginTop - marginBottom;
        if (plotWidth <= 10 || plotHeight <= 10) throw new ArgumentOutOfRangeException(nameof(width), $"A panel of {width} x {height} pixels is too small to draw.");

        var (xMin, xMax) = Range(s => s.X);
        var (yMin, yMax) = Range(s => s.Y);
        double[] xTicks = Ticks(ref xMin, ref xMax, 6, IntegerX ? 1 : 0), yTicks = Ticks(ref yMin, ref yMax, 5, 0);
        double Px(double x) => plotLeft + (x - xMin) / (xMax - xMin) * plotWidth;
        double Py(double y) => plotTop + (yMax - y) / (yMax - yMin) * plotHeight;

        svg.Text(left + width / 2, top + 18, Title, 14, "middle");
        svg.Rect(plotLeft, plotTop, plotWidth, plotHeight, "#ffffff", "#888888");
        foreach (double t in yTicks)
        {
            svg.Line(plotLeft, Py(t), plotLeft + plotWidth, Py(t), "#e4e4e4");
            svg.Text(plotLeft - 6, Py(t) + 4, Format(t, yTicks), 11, "end");
        }
        foreach (double t in xTicks)
        {
            svg.Line(Px(t), plotTop + plotHeight, Px(t), plotTop + plotHeight + 4, "#888888");
            svg.Text(Px(t), plotTop + plotHeight + 17, Format(t, xTicks), 11, "middle");
        }
        svg.Text(plotLeft + plotWidth / 2, top + height - 8, XLabel, 12, "middle");
        svg.Text(left + 14, plotTop - 10, YLabel, 12, "start");

        var curves = new List<(double X, double Y)[]>();
        var points = new List<(double X, double Y)>();
        foreach (var s in _series)
        {
            points.Clear();
            if (s.Marker > 0)
            {
                for (int i = 0; i < s.X.Count; i++)
                    if (double.IsFinite(s.X[i]) && double.IsFinite(s.Y[i])) points.Add((Px(s.X[i]), Py(s.Y[i])));
                if (s.Joined && points.Count > 1) svg.Polyline(points.ToArray(), s.Color, 1);
                foreach (var (x, y) in points) svg.Circle(x, y, s.Marker, s.Color, s.Color);
                curves.Add(points.ToArray());
                continue;
            }
            for (int i = 0; i <= s.X.Count; i++)
            {
                bool ok = i < s.X.Count && double.IsFinite(s.X[i]) && double.IsFinite(s.Y[i]);
                if (ok) points.Add((Px(s.X[i]), Py(s.Y[i])));
                if (!ok || i == s.X.Count - 1)
                {
                    if (points.Count == 1) svg.Circle(points[0].X, points[0].Y, 2.5, s.Color, s.Color);
                    else if (points.Count > 1) svg.Polyline(points.ToArray(), s.Color, 1.8, s.Dash);
                    if (points.Count > 0) curves.Add(points.ToArray());
                    points.Clear();
                }
            }
        }

        if (!ShowLegend) return;

        // Legend in the corner of the plot area that the curves cross least.
        const double legendWidth = 130;
        double legendHeight = 16 * _series.Count + 4;
        (double X, double Y)[] corners =
        [
            (plotLeft + plotWidth - legendWidth, plotTop + 2), (plotLeft + plotWidth - legendWidth, plotTop + plotHeight - legendHeight - 2),
            (plotLeft + 8, plotTop + 2), (plotLeft + 8, plotTop + plotHeight - legendHeight - 2),
        ];
        var (lx, ly) = corners.MinBy(c => Crossings(curves, c.X, c.Y, legendWidth, legendHeight));
        double legendY = ly + 14;
        foreach (var s in _series)
        {
            if (s.Marker <= 0 || s.Joined) svg.Line(lx, legendY - 4, lx + 24, legendY - 4, s.Color, s.Marker > 0 ? 1 : 2, s.Dash);
            if (s.Marker > 0) svg.Circle(lx + 12, legendY - 4, s.Marker, s.Color, s.Color);
            svg.Text(lx + 30, legendY, s.Name, 11);
            legendY += 16;
        }
    }

    /// <summary>How many of 20 samples along each segment of the curves fall inside the box.</summary>
    private static int Crossings(List<(double X, double Y)[]> curves, double x, double y, double width, double height)
    {
        int count = 0;
        foreach (var c in curves)
            for (int i = 0; i < c.Length; i++)
            {
                var (x1, y1) = c[i];
                var (x2, y2) = i + 1 < c.Length ? c[i + 1] : c[i];
                for (int k = 0; k < 20; k++)
                {
                    double px = x1 + (x2 - x1) * k / 20, py = y1 + (y2 - y1) * k / 20;
                    if (px >= x && px <= x + width && py >= y && py <= y + height) count++;
                }
            }
        return count;
    }

    private (double Min, double Max) Range(Func<Series, IReadOnlyList<double>> pick)
    {
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (var s in _series)
            for (int i = 0; i < s.X.Count; i++)
            {
                if (!double.IsFinite(s.X[i]) || !double.IsFinite(s.Y[i])) continue;
                double v = pick(s)[i];
                min = Math.Min(min, v);
                max = Math.Max(max, v);
            }
        if (double.IsInfinity(min)) return (0, 1);
        if (min == max)
        {
            double pad = min == 0 ? 0.5 : Math.Abs(min) * 0.1;
            return (min - pad, max + pad);
        }
        return (min, max);
    }

    /// <summary>
    /// Round tick values (1, 2 or 5 times a power of ten apart, at least <paramref name="minStep"/>) covering [min, max],
    /// which it widens to the outer ticks.
    /// </summary>
    private static double[] Ticks(ref double min, ref double max, int target, double minStep)
    {
        double raw = Math.Max((max - min) / target, minStep);
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = magnitude * (raw / magnitude < 1.5 ? 1 : raw / magnitude < 3.5 ? 2 : raw / magnitude < 7.5 ? 5 : 10);
        double first = Math.Floor(min / step) * step, last = Math.Ceiling(max / step) * step;
        int count = (int)Math.Round((last - first) / step) + 1;
        var ticks = new double[count];
        for (int i = 0; i < count; i++) ticks[i] = first + i * step;
        min = first;
        max = last;
        return ticks;
    }

    private static string Format(double value, double[] ticks)
    {
        double step = ticks.Length > 1 ? ticks[1] - ticks[0] : 1;
        int decimals = Math.Clamp((int)Math.Ceiling(-Math.Log10(step) - 1e-9), 0, 8);
        value = Math.Round(value, decimals);
        if (value == 0) value = 0; // no "-0.0"
        return value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }
}
