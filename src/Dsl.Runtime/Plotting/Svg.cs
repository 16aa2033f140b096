using System;
using System.Globalization;
using System.IO;
using System.Text;

namespace Dsl.Runtime.Plotting;

/// <summary>
/// A small SVG writer: enough for decision boundaries and curves, with no dependency. Files are written to a
/// temporary file beside the target and renamed over it, so a crash never leaves a half-written picture.
/// </summary>
public sealed class Svg
{
    private readonly StringBuilder _body = new();

    /// <summary>Starts a picture of the given size in pixels.</summary>
    public Svg(int width, int height)
    {
        if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width), $"Expected a positive size, got {width} x {height}.");
        Width = width;
        Height = height;
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>A filled rectangle.</summary>
    public Svg Rect(double x, double y, double width, double height, string fill, string? stroke = null)
        => Append($"<rect x=\"{F(x)}\" y=\"{F(y)}\" width=\"{F(width)}\" height=\"{F(height)}\" fill=\"{fill}\" shape-rendering=\"crispEdges\"{(stroke is null ? "" : $" stroke=\"{stroke}\"")}/>");

    /// <summary>A filled circle with an outline.</summary>
    public Svg Circle(double cx, double cy, double r, string fill, string stroke = "#000")
        => Append($"<circle cx=\"{F(cx)}\" cy=\"{F(cy)}\" r=\"{F(r)}\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"0.6\"/>");

    /// <summary>A straight line; <paramref name="dash"/> is an SVG <c>stroke-dasharray</c> such as <c>"4 3"</c>.</summary>
    public Svg Line(double x1, double y1, double x2, double y2, string stroke, double width = 1, string? dash = null)
        => Append($"<line x1=\"{F(x1)}\" y1=\"{F(y1)}\" x2=\"{F(x2)}\" y2=\"{F(y2)}\" stroke=\"{stroke}\" stroke-width=\"{F(width)}\"{Dash(dash)}/>");

    /// <summary>An open polyline through the given points; <paramref name="dash"/> as for <see cref="Line"/>.</summary>
    public Svg Polyline(ReadOnlySpan<(double X, double Y)> points, string stroke, double width = 1.5, string? dash = null)
    {
        var sb = new StringBuilder();
        foreach (var (x, y) in points) sb.Append(F(x)).Append(',').Append(F(y)).Append(' ');
        return Append($"<polyline points=\"{sb.ToString().TrimEnd()}\" fill=\"none\" stroke=\"{stroke}\" stroke-width=\"{F(width)}\"{Dash(dash)}/>");
    }

    /// <summary>Text, with XML special characters escaped.</summary>
    public Svg Text(double x, double y, string text, int size = 12, string anchor = "start")
        => Append($"<text x=\"{F(x)}\" y=\"{F(y)}\" font-family=\"sans-serif\" font-size=\"{size}\" text-anchor=\"{anchor}\">{Escape(text)}</text>");

    /// <summary>The SVG document.</summary>
    public override string ToString()
        => $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\">\n{_body}</svg>\n";

    /// <summary>Writes the document atomically: to a temporary file in the same folder, then renamed over <paramref name="path"/>.</summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] bytes = new UTF8Encoding(false).GetBytes(ToString());
        AtomicFile.Write(path, stream => stream.Write(bytes));
    }

    private Svg Append(string element)
    {
        _body.Append("  ").Append(element).Append('\n');
        return this;
    }

    private static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Dash(string? dash) => dash is null ? "" : $" stroke-dasharray=\"{Escape(dash)}\"";

    private static string Escape(string s) => s.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\"", "&quot;");
}

/// <summary>Pictures of a two-dimensional classifier: its decision regions over a grid, with the data on top.</summary>
public static class DecisionBoundary
{
    private static readonly string[] RegionColors = ["#f6c9a8", "#a8c8f0", "#c4e6b4", "#e6c4e6"];
    private static readonly string[] PointColors = ["#e0701c", "#1f5fb4", "#3a9a2a", "#9a3a9a"];

    /// <summary>
    /// Draws the class <paramref name="classify"/> assigns over a <paramref name="resolution"/>² grid that covers the data
    /// with a margin, then the points coloured by their label.
    /// </summary>
    /// <param name="classify">Fills the class of each of a batch of points, given as <c>[count, 2]</c> row-major.</param>
    /// <param name="data">Two-feature samples and their labels.</param>
    /// <param name="title">Caption above the plot.</param>
    /// <param name="size">Width and height of the picture in pixels.</param>
    /// <param name="resolution">Grid cells per side.</param>
    public static Svg Draw(Action<float[], int[]> classify, Dataset data, string title, int size = 480, int resolution = 120)
    {
        ArgumentNullException.ThrowIfNull(classify);
        ArgumentNullException.ThrowIfNull(data);
        if (data.Features != 2) throw new ArgumentException($"A decision boundary needs 2 features per sample, found {data.Features}.", nameof(data));
        if (resolution < 2) throw new ArgumentOutOfRangeException(nameof(resolution), resolution, "Expected at least 2 grid cells per side.");
        float minX = float.MaxValue, maxX = float.MinValue, minY = float.MaxValue, maxY = float.MinValue;
        for (int i = 0; i < data.Count; i++)
        {
            minX = Math.Min(minX, data.Inputs[2 * i]); maxX = Math.Max(maxX, data.Inputs[2 * i]);
            minY = Math.Min(minY, data.Inputs[2 * i + 1]); maxY = Math.Max(maxY, data.Inputs[2 * i + 1]);
        }
        minX -= 0.5f; maxX += 0.5f; minY -= 0.5f; maxY += 0.5f;

        const int top = 28;
        int plot = size - top;
        var svg = new Svg(size, size);
        svg.Rect(0, 0, size, size, "#ffffff");
        svg.Text(size / 2.0, 18, title, 14, "middle");

        var grid = new float[resolution * resolution * 2];
        var classes = new int[resolution * resolution];
        for (int r = 0; r < resolution; r++)
            for (int c = 0; c < resolution; c++)
            {
                grid[2 * (r * resolution + c)] = minX + (c + 0.5f) * (maxX - minX) / resolution;
                grid[2 * (r * resolution + c) + 1] = maxY - (r + 0.5f) * (maxY - minY) / resolution;
            }
        classify(grid, classes);
        double cell = (double)size / resolution, cellY = (double)plot / resolution;
        // One rectangle per run of equal cells in a row keeps the file small.
        for (int r = 0; r < resolution; r++)
            for (int c = 0; c < resolution;)
            {
                int cls = classes[r * resolution + c], end = c + 1;
                while (end < resolution && classes[r * resolution + end] == cls) end++;
                svg.Rect(c * cell, top + r * cellY, (end - c) * cell + 0.3, cellY + 0.3, RegionColors[Math.Abs(cls) % RegionColors.Length]);
                c = end;
            }
        for (int i = 0; i < data.Count; i++)
        {
            double px = (data.Inputs[2 * i] - minX) / (maxX - minX) * size;
            double py = top + (maxY - data.Inputs[2 * i + 1]) / (maxY - minY) * plot;
            svg.Circle(px, py, 3.2, PointColors[data.Labels[i] % PointColors.Length]);
        }
        return svg;
    }
}
