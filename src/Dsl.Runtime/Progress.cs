using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Dsl.Runtime;

/// <summary>How <c>Fit</c> shows its progress: nothing, one line per epoch, or a live bar per epoch.</summary>
internal abstract class ProgressReporter
{
    /// <summary>The reporter <paramref name="options"/> ask for (see <see cref="Verbosity"/>).</summary>
    public static ProgressReporter Create(FitOptions options)
    {
        switch (options.Verbose)
        {
            case Verbosity.Silent:
                return new SilentReporter();
            case Verbosity.EpochLines:
                return new LineReporter(options.Log ?? Console.Out);
            case Verbosity.ProgressBar:
                return new BarReporter(options.ProgressConsole ?? AnsiConsole.Console, options.Log);
            default:
                if (options.Log is not null) return new LineReporter(options.Log);
                IAnsiConsole console = options.ProgressConsole ?? AnsiConsole.Console;
                return !Console.IsOutputRedirected && console.Profile.Capabilities.Interactive
                    ? new BarReporter(console, null)
                    : new LineReporter(Console.Out);
        }
    }

    /// <summary>Runs the training loop (a live display needs to wrap it).</summary>
    public virtual void Run(Action training) => training();

    /// <summary>An epoch of <paramref name="batches"/> steps starts.</summary>
    public virtual void EpochBegin(int epoch, int epochs, int batches) { }

    /// <summary>Step <paramref name="batch"/> is done; running means so far (accuracy NaN when not measured per batch).</summary>
    public virtual void BatchEnd(int batch, double loss, double accuracy) { }

    /// <summary>The epoch is over, with these logs.</summary>
    public abstract void EpochEnd(int epoch, int epochs, IReadOnlyDictionary<string, double> logs);

    /// <summary>A message of training (a NaN stop, a callback's note).</summary>
    public abstract void Message(string text);

    /// <summary>The plain line of an epoch: <c>Epoch 3/10 - </c> and its <see cref="Summary"/>.</summary>
    public static string Line(int epoch, int epochs, IReadOnlyDictionary<string, double> logs)
        => string.Format(CultureInfo.InvariantCulture, "Epoch {0}/{1} - {2}", epoch, epochs, Summary(logs));

    /// <summary><c>9.8s - loss: 0.4123 - accuracy: 0.8512 - val_loss: 0.3919 - val_accuracy: 0.8573</c>, as much of it as was measured.</summary>
    public static string Summary(IReadOnlyDictionary<string, double> logs)
    {
        var s = string.Format(CultureInfo.InvariantCulture, "{0:F1}s - loss: {1:F4}", logs["seconds"], logs["loss"]);
        foreach (string key in (ReadOnlySpan<string>)["accuracy", "val_loss", "val_accuracy"])
            if (logs.TryGetValue(key, out double v)) s += string.Format(CultureInfo.InvariantCulture, " - {0}: {1:F4}", key, v);
        return s;
    }
}

internal sealed class SilentReporter : ProgressReporter
{
    public override void EpochEnd(int epoch, int epochs, IReadOnlyDictionary<string, double> logs) { }

    public override void Message(string text) { }
}

/// <summary>Exactly one Keras-like line per epoch, written when the epoch ends.</summary>
internal sealed class LineReporter(TextWriter log) : ProgressReporter
{
    public override void EpochEnd(int epoch, int epochs, IReadOnlyDictionary<string, double> logs)
    {
        log.WriteLine(Line(epoch, epochs, logs));
        log.Flush();
    }

    public override void Message(string text)
    {
        log.WriteLine(text);
        log.Flush();
    }
}

/// <summary>
/// A live Spectre.Console progress bar per epoch: <c>Epoch 3/10 ━━━━━━━╺━━━ 312/480 ETA 0:00:04 loss: 0.4123 - accuracy: 0.8512</c>
/// with the estimated time left; when the epoch ends its row keeps the epoch's full summary. Messages are printed
/// below the bars once training is over (writing during a live display would tear it).
/// </summary>
internal sealed class BarReporter(IAnsiConsole console, TextWriter? alsoLines) : ProgressReporter
{
    private readonly ConcurrentDictionary<int, string> _summaries = new();
    private readonly List<string> _messages = [];
    private ProgressContext? _context;
    private ProgressTask? _task;
    private double _loss = double.NaN, _accuracy = double.NaN;

    public override void Run(Action training)
    {
        console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn { Width = 24 }, new StepsColumn(), new EtaColumn(), new MetricsColumn(this))
            .Start(context =>
            {
                _context = context;
                training();
                context.Refresh();
            });
        foreach (string message in _messages) console.WriteLine(message);
    }

    public override void EpochBegin(int epoch, int epochs, int batches)
    {
        _loss = _accuracy = double.NaN;
        _task = _context!.AddTask($"Epoch {epoch}/{epochs}", autoStart: true, maxValue: Math.Max(1, batches));
    }

    public override void BatchEnd(int batch, double loss, double accuracy)
    {
        _loss = loss;
        _accuracy = accuracy;
        if (_task is not null) _task.Value = batch;
    }

    public override void EpochEnd(int epoch, int epochs, IReadOnlyDictionary<string, double> logs)
    {
        if (_task is not null)
        {
            _summaries[_task.Id] = Summary(logs);
            _task.Value = _task.MaxValue;
            _task.StopTask();
        }
        alsoLines?.WriteLine(Line(epoch, epochs, logs));
    }

    public override void Message(string text)
    {
        _messages.Add(text);
        alsoLines?.WriteLine(text);
    }

    private string Metrics(ProgressTask task)
    {
        if (_summaries.TryGetValue(task.Id, out string? done)) return done;
        if (!ReferenceEquals(task, _task) || double.IsNaN(_loss)) return "";
        return double.IsNaN(_accuracy)
            ? string.Format(CultureInfo.InvariantCulture, "loss: {0:F4}", _loss)
            : string.Format(CultureInfo.InvariantCulture, "loss: {0:F4} - accuracy: {1:F4}", _loss, _accuracy);
    }

    /// <summary><c>312/480</c>: steps done of the epoch's steps.</summary>
    private sealed class StepsColumn : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime)
            => new Text(string.Format(CultureInfo.InvariantCulture, "{0}/{1}", (long)task.Value, (long)task.MaxValue));
    }

    /// <summary><c>ETA 0:01:18</c> while the epoch runs (Spectre's estimate from its recent speed); nothing once it is over.</summary>
    private sealed class EtaColumn : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime)
            => new Text(task.IsFinished ? "" : task.RemainingTime is { } left ? $"ETA {left:h\\:mm\\:ss}" : "ETA -:--:--");
    }

    /// <summary>The running loss and accuracy, then the epoch's summary once it is over.</summary>
    private sealed class MetricsColumn(BarReporter owner) : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) => new Text(owner.Metrics(task));
    }
}
