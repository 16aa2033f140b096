using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Dsl.Runtime.Plotting;

namespace Dsl.Runtime;

/// <summary>
/// Per-epoch figures of a <see cref="Training.Fit{T}"/> run (Keras' <c>History.history</c>), one entry per completed
/// epoch in every list that was measured: <see cref="Loss"/>, <see cref="LearningRate"/> and <see cref="Seconds"/>
/// always; <see cref="Accuracy"/> when accuracy is measured; the validation lists when there is validation data (the
/// others are then empty). An epoch stopped by a non-finite loss is not completed and has no entry.
/// </summary>
public sealed class History
{
    /// <summary>The keys of <see cref="this[string]"/> and of the logs callbacks receive, in the order of an epoch line.</summary>
    public static readonly IReadOnlyList<string> Keys = ["loss", "accuracy", "val_loss", "val_accuracy", "lr", "seconds"];

    private readonly List<int> _epoch = [];
    private readonly List<double> _loss = [], _accuracy = [], _valLoss = [], _valAccuracy = [], _lr = [], _seconds = [];

    /// <summary>Number of each completed epoch (from 1; from <c>InitialEpoch + 1</c> when resuming).</summary>
    public IReadOnlyList<int> Epoch => _epoch;

    /// <summary>
    /// <c>loss</c>: mean training loss of each epoch, the mean of its batches' <c>TrainStep</c> losses weighted by batch
    /// size (as Keras, computed with the weights each batch was trained from, L2 penalties included).
    /// </summary>
    public IReadOnlyList<double> Loss => _loss;

    /// <summary><c>accuracy</c>: training accuracy of each epoch, measured as <see cref="FitOptions.TrainingAccuracy"/> says.</summary>
    public IReadOnlyList<double> Accuracy => _accuracy;

    /// <summary><c>val_loss</c>: validation loss after each epoch, as <see cref="Training.Evaluate{T}"/> computes it.</summary>
    public IReadOnlyList<double> ValidationLoss => _valLoss;

    /// <summary><c>val_accuracy</c>: validation accuracy after each epoch.</summary>
    public IReadOnlyList<double> ValidationAccuracy => _valAccuracy;

    /// <summary><c>lr</c>: the learning rate of each epoch's last step.</summary>
    public IReadOnlyList<double> LearningRate => _lr;

    /// <summary><c>seconds</c>: wall-clock time of each epoch, its evaluations included.</summary>
    public IReadOnlyList<double> Seconds => _seconds;

    /// <summary>Number of completed epochs.</summary>
    public int Count => _loss.Count;

    /// <summary>
    /// True when training stopped because a batch's loss or gradient was NaN or infinite (as Keras' <c>TerminateOnNaN</c>:
    /// no exception, <c>Fit</c> returns). The model then holds the weights from before that batch; <see cref="StopReason"/> says where.
    /// </summary>
    public bool TerminatedOnNaN { get; internal set; }

    /// <summary>Why training ended before its last epoch (a NaN stop or a callback such as <see cref="EarlyStopping"/>); null when it ran to the end.</summary>
    public string? StopReason { get; internal set; }

    /// <summary>A list by its Keras name: <c>loss</c>, <c>accuracy</c>, <c>val_loss</c>, <c>val_accuracy</c>, <c>lr</c> or <c>seconds</c>.</summary>
    /// <exception cref="KeyNotFoundException">Another name.</exception>
    public IReadOnlyList<double> this[string key] => key switch
    {
        "loss" => _loss,
        "accuracy" => _accuracy,
        "val_loss" => _valLoss,
        "val_accuracy" => _valAccuracy,
        "lr" => _lr,
        "seconds" => _seconds,
        _ => throw new KeyNotFoundException($"History has no '{key}'; expected one of {string.Join(", ", Keys)}."),
    };

    internal void Add(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        _epoch.Add(epoch);
        _loss.Add(logs["loss"]);
        _lr.Add(logs["lr"]);
        _seconds.Add(logs["seconds"]);
        if (logs.TryGetValue("accuracy", out double a)) _accuracy.Add(a);
        if (logs.TryGetValue("val_loss", out double vl)) _valLoss.Add(vl);
        if (logs.TryGetValue("val_accuracy", out double va)) _valAccuracy.Add(va);
    }

    /// <summary>
    /// Draws the loss curves (training and validation) and, when accuracy was measured, the accuracy curves side by side,
    /// against the epoch number, and writes the picture atomically (a temporary file in the same folder, renamed over
    /// <paramref name="path"/>).
    /// </summary>
    /// <param name="path">The SVG file to write; its folder is created if needed.</param>
    /// <param name="title">Caption of the picture; null for none.</param>
    /// <returns>The picture, for callers that want to add to it or keep its text.</returns>
    /// <exception cref="InvalidOperationException">The history has no epoch.</exception>
    public Svg SaveSvg(string path, string? title = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Svg svg = ToSvg(title);
        svg.Save(path);
        return svg;
    }

    /// <summary>The picture <see cref="SaveSvg"/> writes.</summary>
    public Svg ToSvg(string? title = null)
    {
        if (Count == 0) throw new InvalidOperationException("The history has no completed epoch to draw.");
        double[] x = _epoch.Select(e => (double)e).ToArray();
        const string train = "#1f5fb4", validation = "#e0701c";
        var loss = new LinePlot("Loss", "epoch", "loss").Add("training", x, _loss, train);
        if (_valLoss.Count == Count) loss.Add("validation", x, _valLoss, validation, "6 4");
        LinePlot? accuracy = null;
        if (_accuracy.Count == Count || _valAccuracy.Count == Count)
        {
            accuracy = new LinePlot("Accuracy", "epoch", "accuracy");
            if (_accuracy.Count == Count) accuracy.Add("training", x, _accuracy, train);
            if (_valAccuracy.Count == Count) accuracy.Add("validation", x, _valAccuracy, validation, "6 4");
        }
        const int panel = 460, height = 340;
        int top = title is null ? 0 : 28;
        var svg = new Svg(accuracy is null ? panel : 2 * panel, height + top);
        svg.Rect(0, 0, svg.Width, svg.Height, "#ffffff");
        if (title is not null) svg.Text(svg.Width / 2.0, 20, title, 15, "middle");
        loss.Draw(svg, 0, top, panel, height);
        accuracy?.Draw(svg, panel, top, panel, height);
        return svg;
    }

    /// <summary>One line per completed epoch with its figures.</summary>
    public override string ToString()
    {
        var lines = new List<string>();
        for (int i = 0; i < Count; i++)
            lines.Add(string.Format(CultureInfo.InvariantCulture, "epoch {0}: loss {1:F4}", _epoch[i], _loss[i])
                + (i < _accuracy.Count ? string.Format(CultureInfo.InvariantCulture, ", accuracy {0:F4}", _accuracy[i]) : "")
                + (i < _valLoss.Count ? string.Format(CultureInfo.InvariantCulture, ", val_loss {0:F4}", _valLoss[i]) : "")
                + (i < _valAccuracy.Count ? string.Format(CultureInfo.InvariantCulture, ", val_accuracy {0:F4}", _valAccuracy[i]) : ""));
        return string.Join(Environment.NewLine, lines);
    }
}
