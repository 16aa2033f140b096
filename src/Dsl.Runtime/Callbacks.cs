using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Numerics;
using System.Text.RegularExpressions;

namespace Dsl.Runtime;

/// <summary>
/// Hooks into <see cref="Training.Fit{T}"/>, as Keras' <c>keras.callbacks.Callback</c>. Every method has an empty default,
/// so an implementation overrides only what it needs. Epochs are numbered from 1 (Keras passes 0-based indices to its
/// callbacks but prints them from 1), batches from 1 within their epoch. To stop training, set
/// <see cref="FitContext.StopTraining"/> (and, preferably, <see cref="FitContext.StopReason"/>): <c>Fit</c> checks it after
/// every batch and every epoch. Callbacks run in the order of <see cref="FitOptions.Callbacks"/>.
/// </summary>
public interface ICallback
{
    /// <summary>Before the first epoch.</summary>
    void OnTrainBegin(FitContext context) { }

    /// <summary>Before the first batch of <paramref name="epoch"/>.</summary>
    void OnEpochBegin(FitContext context, int epoch) { }

    /// <summary>After the optimizer's step of batch <paramref name="batch"/>; <paramref name="loss"/> is that batch's <c>TrainStep</c> loss.</summary>
    void OnBatchEnd(FitContext context, int batch, double loss) { }

    /// <summary>
    /// After <paramref name="epoch"/>, with its logs: <c>loss</c>, <c>lr</c>, <c>seconds</c>, and <c>accuracy</c>,
    /// <c>val_loss</c>, <c>val_accuracy</c> when measured (see <see cref="History"/>). Not called for an epoch cut short
    /// by a non-finite loss.
    /// </summary>
    void OnEpochEnd(FitContext context, int epoch, IReadOnlyDictionary<string, double> logs) { }

    /// <summary>After the last epoch, or after training stopped early (also after a NaN stop).</summary>
    void OnTrainEnd(FitContext context) { }
}

/// <summary>
/// What a callback sees of a running <see cref="Training.Fit{T}"/>: where training is, its history so far, a way to stop
/// it, the model's weights, and checkpoints. One object per <c>Fit</c> call.
/// </summary>
public abstract class FitContext
{
    private protected FitContext(int initialEpoch, int epochs, int batchesPerEpoch, int trainingSamples, IReadOnlyList<string> logKeys, History history)
    {
        InitialEpoch = initialEpoch;
        Epochs = epochs;
        BatchesPerEpoch = batchesPerEpoch;
        TrainingSamples = trainingSamples;
        LogKeys = logKeys;
        History = history;
    }

    /// <summary>Epochs done before this run (<see cref="FitOptions.InitialEpoch"/>).</summary>
    public int InitialEpoch { get; }

    /// <summary>Number of the last epoch to run (<see cref="FitOptions.Epochs"/>).</summary>
    public int Epochs { get; }

    /// <summary>The current epoch, from <c>InitialEpoch + 1</c>; <see cref="InitialEpoch"/> before the first one starts.</summary>
    public int Epoch { get; internal set; }

    /// <summary>Optimizer steps per epoch: <c>ceiling(TrainingSamples / BatchSize)</c>.</summary>
    public int BatchesPerEpoch { get; }

    /// <summary>Samples trained on per epoch (after any validation split).</summary>
    public int TrainingSamples { get; }

    /// <summary>The keys every epoch's logs hold in this run, e.g. <c>loss, accuracy, val_loss, val_accuracy, lr, seconds</c>.</summary>
    public IReadOnlyList<string> LogKeys { get; }

    /// <summary>The figures of the epochs completed so far.</summary>
    public History History { get; }

    /// <summary>Set to true to stop training after the current batch (Keras' <c>model.stop_training</c>).</summary>
    public bool StopTraining { get; set; }

    /// <summary>Why training was stopped, for <see cref="History.StopReason"/> and the log.</summary>
    public string? StopReason { get; set; }

    /// <summary>Number of the model's parameters.</summary>
    public abstract int ParameterCount { get; }

    /// <summary>A copy of the model's parameters, in the order of its parameter buffer (exact for float and double models).</summary>
    public abstract double[] GetWeights();

    /// <summary>Overwrites the model's parameters with <paramref name="weights"/>, as <see cref="GetWeights"/> returned them.</summary>
    /// <exception cref="ArgumentException">Not <see cref="ParameterCount"/> values.</exception>
    public abstract void SetWeights(ReadOnlySpan<double> weights);

    /// <summary>
    /// Writes a checkpoint of the model (and of the optimizer's state and step count, when <paramref name="includeOptimizer"/>)
    /// with <see cref="Checkpoint.Save{T}"/>; the metadata gets <c>epoch</c> = the current epoch.
    /// </summary>
    public abstract void SaveCheckpoint(string path, bool includeOptimizer = true, IReadOnlyDictionary<string, string>? metadata = null);

    /// <summary>Writes a message where <c>Fit</c> writes its epoch lines (nothing when it is silent).</summary>
    public abstract void Report(string message);
}

/// <summary>A callback made of delegates, as Keras' <c>LambdaCallback</c>; any of them may be null.</summary>
/// <param name="onTrainBegin">Called as <see cref="ICallback.OnTrainBegin"/>.</param>
/// <param name="onEpochBegin">Called as <see cref="ICallback.OnEpochBegin"/>.</param>
/// <param name="onBatchEnd">Called as <see cref="ICallback.OnBatchEnd"/>.</param>
/// <param name="onEpochEnd">Called as <see cref="ICallback.OnEpochEnd"/>.</param>
/// <param name="onTrainEnd">Called as <see cref="ICallback.OnTrainEnd"/>.</param>
public sealed class LambdaCallback(
    Action<FitContext>? onTrainBegin = null,
    Action<FitContext, int>? onEpochBegin = null,
    Action<FitContext, int, double>? onBatchEnd = null,
    Action<FitContext, int, IReadOnlyDictionary<string, double>>? onEpochEnd = null,
    Action<FitContext>? onTrainEnd = null) : ICallback
{
    void ICallback.OnTrainBegin(FitContext context) => onTrainBegin?.Invoke(context);
    void ICallback.OnEpochBegin(FitContext context, int epoch) => onEpochBegin?.Invoke(context, epoch);
    void ICallback.OnBatchEnd(FitContext context, int batch, double loss) => onBatchEnd?.Invoke(context, batch, loss);
    void ICallback.OnEpochEnd(FitContext context, int epoch, IReadOnlyDictionary<string, double> logs) => onEpochEnd?.Invoke(context, epoch, logs);
    void ICallback.OnTrainEnd(FitContext context) => onTrainEnd?.Invoke(context);
}

/// <summary>Whether a monitored figure improves by going down or up (Keras' <c>mode</c>).</summary>
public enum MonitorMode
{
    /// <summary>Up for accuracies (a name containing <c>acc</c>), down for everything else (losses).</summary>
    Auto,

    /// <summary>Lower is better.</summary>
    Min,

    /// <summary>Higher is better.</summary>
    Max,
}

/// <summary>The improvement test Keras' monitoring callbacks share.</summary>
internal readonly struct Monitor
{
    public Monitor(string key, MonitorMode mode, double minDelta)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        if (!Enum.IsDefined(mode)) throw new ArgumentOutOfRangeException(nameof(mode), mode, "Expected Auto, Min or Max.");
        if (!double.IsFinite(minDelta)) throw new ArgumentOutOfRangeException(nameof(minDelta), minDelta, "Expected a finite minimum change.");
        Key = key;
        Maximize = mode == MonitorMode.Max || (mode == MonitorMode.Auto && key.Contains("acc", StringComparison.Ordinal));
        MinDelta = Math.Abs(minDelta);
    }

    public string Key { get; }

    public bool Maximize { get; }

    public double MinDelta { get; }

    /// <summary>The starting "best": +infinity when minimising, -infinity when maximising.</summary>
    public double Worst => Maximize ? double.NegativeInfinity : double.PositiveInfinity;

    /// <summary>Keras' <c>_is_improvement</c>: <c>current - minDelta &gt; best</c> when maximising, <c>current + minDelta &lt; best</c> when minimising.</summary>
    public bool IsImprovement(double current, double best) => Maximize ? current - MinDelta > best : current + MinDelta < best;

    public void CheckAvailable(FitContext context, string owner)
    {
        if (!context.LogKeys.Contains(Key))
            throw new InvalidOperationException(
                $"{owner} monitors '{Key}', but this Fit logs only {string.Join(", ", context.LogKeys)}"
                + (Key.StartsWith("val_", StringComparison.Ordinal) ? "; give validation data (ValidationSplit or ValidationData)." : "."));
    }
}

/// <summary>
/// Stops training when a monitored figure has stopped improving, as Keras 3's <c>keras.callbacks.EarlyStopping</c>.
/// After each epoch: <c>wait += 1</c>; if the figure improved on the best so far (by more than <c>minDelta</c>), it becomes
/// the best (and the weights are kept when <c>restoreBestWeights</c>) and <c>wait = 0</c>; otherwise, once
/// <c>wait &gt;= patience</c> (and this is not epoch 1), training stops. So with patience p, training stops p epochs after the
/// best one. With <c>restoreBestWeights</c>, the weights of the best epoch are put back when training ends, whether or
/// not it stopped early (Keras 3); with it and no improvement ever, the weights after the first monitored epoch.
/// </summary>
public sealed class EarlyStopping : ICallback
{
    private readonly Monitor _monitor;
    private double[]? _bestWeights;
    private int _wait;

    /// <summary>Creates the callback; arguments as Keras'.</summary>
    /// <param name="monitor">The log to watch: <c>loss</c>, <c>accuracy</c>, <c>val_loss</c> (default) or <c>val_accuracy</c>.</param>
    /// <param name="minDelta">Smallest change that counts as an improvement (its absolute value is used).</param>
    /// <param name="patience">Epochs without improvement after which training stops.</param>
    /// <param name="mode">Whether lower or higher is better; <see cref="MonitorMode.Auto"/> guesses from the name.</param>
    /// <param name="restoreBestWeights">Whether to put back the weights of the best epoch at the end.</param>
    /// <param name="verbose">Whether to report the stop and the restoring in the log.</param>
    public EarlyStopping(string monitor = "val_loss", double minDelta = 0, int patience = 0, MonitorMode mode = MonitorMode.Auto,
        bool restoreBestWeights = false, bool verbose = false)
    {
        if (patience < 0) throw new ArgumentOutOfRangeException(nameof(patience), patience, "Expected a non-negative patience.");
        _monitor = new Monitor(monitor, mode, minDelta);
        Patience = patience;
        RestoreBestWeights = restoreBestWeights;
        Verbose = verbose;
        Best = _monitor.Worst;
    }

    /// <summary>The watched log.</summary>
    public string MonitorKey => _monitor.Key;

    /// <summary>Epochs without improvement after which training stops.</summary>
    public int Patience { get; }

    /// <summary>Whether the best epoch's weights are restored at the end.</summary>
    public bool RestoreBestWeights { get; }

    /// <summary>Whether the stop and the restoring are reported.</summary>
    public bool Verbose { get; }

    /// <summary>The best value seen in the last run.</summary>
    public double Best { get; private set; }

    /// <summary>The epoch of <see cref="Best"/> (0 before any).</summary>
    public int BestEpoch { get; private set; }

    /// <summary>The epoch at which this callback stopped training; 0 when it did not.</summary>
    public int StoppedEpoch { get; private set; }

    void ICallback.OnTrainBegin(FitContext context)
    {
        _monitor.CheckAvailable(context, nameof(EarlyStopping));
        _wait = 0;
        _bestWeights = null;
        Best = _monitor.Worst;
        BestEpoch = 0;
        StoppedEpoch = 0;
    }

    void ICallback.OnEpochEnd(FitContext context, int epoch, IReadOnlyDictionary<string, double> logs)
    {
        double current = logs[_monitor.Key];
        if (RestoreBestWeights && _bestWeights is null)
        {
            _bestWeights = context.GetWeights();
            BestEpoch = epoch;
        }
        _wait++;
        if (_monitor.IsImprovement(current, Best))
        {
            Best = current;
            BestEpoch = epoch;
            if (RestoreBestWeights) _bestWeights = context.GetWeights();
            _wait = 0;
            return;
        }
        if (_wait >= Patience && epoch > 1)
        {
            StoppedEpoch = epoch;
            context.StopTraining = true;
            context.StopReason = string.Format(CultureInfo.InvariantCulture,
                "EarlyStopping: {0} did not improve for {1} epoch(s) (best {2:G6} at epoch {3}); stopped after epoch {4}.",
                _monitor.Key, _wait, Best, BestEpoch, epoch);
            if (Verbose) context.Report($"Epoch {epoch}: early stopping");
        }
    }

    void ICallback.OnTrainEnd(FitContext context)
    {
        if (RestoreBestWeights && _bestWeights is not null)
        {
            if (Verbose) context.Report($"Restoring model weights from the end of the best epoch: {BestEpoch}.");
            context.SetWeights(_bestWeights);
        }
    }
}

/// <summary>
/// Writes checkpoints during training, as Keras' <c>keras.callbacks.ModelCheckpoint</c>, in the safetensors format of
/// <see cref="Checkpoint"/> (each written atomically). Every <c>every</c> epochs (epochs whose number is a multiple of it)
/// it saves, or, with <c>saveBestOnly</c>, saves only when the monitored figure improved on the best saved so far.
/// The path may hold placeholders filled from the epoch and its logs, with .NET format strings:
/// <c>ckpt-{epoch:D3}-{val_loss:F4}.safetensors</c>. Without placeholders every save overwrites the same file.
/// </summary>
public sealed partial class ModelCheckpoint : ICallback
{
    private readonly Monitor _monitor;
    private readonly List<string> _saved = [];

    /// <summary>Creates the callback.</summary>
    /// <param name="path">File to write; placeholders <c>{epoch}</c> and <c>{name}</c> or <c>{name:format}</c> for any log.</param>
    /// <param name="monitor">The log that decides what is best (with <paramref name="saveBestOnly"/>).</param>
    /// <param name="saveBestOnly">Save only when <paramref name="monitor"/> improved.</param>
    /// <param name="mode">Whether lower or higher is better; <see cref="MonitorMode.Auto"/> guesses from the name.</param>
    /// <param name="every">Consider saving every this many epochs.</param>
    /// <param name="includeOptimizer">Also save the optimizer's state and step count, so training can resume exactly.</param>
    /// <param name="verbose">Whether to report each save in the log.</param>
    public ModelCheckpoint(string path, string monitor = "val_loss", bool saveBestOnly = false, MonitorMode mode = MonitorMode.Auto,
        int every = 1, bool includeOptimizer = true, bool verbose = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (every < 1) throw new ArgumentOutOfRangeException(nameof(every), every, "Expected a positive number of epochs.");
        Path = path;
        _monitor = new Monitor(monitor, mode, 0);
        SaveBestOnly = saveBestOnly;
        Every = every;
        IncludeOptimizer = includeOptimizer;
        Verbose = verbose;
        Best = _monitor.Worst;
    }

    /// <summary>The path pattern.</summary>
    public string Path { get; }

    /// <summary>Whether only improvements are saved.</summary>
    public bool SaveBestOnly { get; }

    /// <summary>Epochs between saves.</summary>
    public int Every { get; }

    /// <summary>Whether the optimizer's state is saved too.</summary>
    public bool IncludeOptimizer { get; }

    /// <summary>Whether saves are reported.</summary>
    public bool Verbose { get; }

    /// <summary>The best monitored value saved so far (with <see cref="SaveBestOnly"/>).</summary>
    public double Best { get; private set; }

    /// <summary>The files written in the last run, in order (a path written twice appears twice).</summary>
    public IReadOnlyList<string> Saved => _saved;

    void ICallback.OnTrainBegin(FitContext context)
    {
        if (SaveBestOnly) _monitor.CheckAvailable(context, nameof(ModelCheckpoint));
        foreach (Match m in Placeholder().Matches(Path))
        {
            string key = m.Groups[1].Value;
            if (key != "epoch" && !context.LogKeys.Contains(key))
                throw new InvalidOperationException($"ModelCheckpoint path '{Path}' uses {{{key}}}, but this Fit logs only epoch, {string.Join(", ", context.LogKeys)}.");
        }
        _saved.Clear();
        Best = _monitor.Worst;
    }

    void ICallback.OnEpochEnd(FitContext context, int epoch, IReadOnlyDictionary<string, double> logs)
    {
        if (epoch % Every != 0) return;
        if (SaveBestOnly)
        {
            double current = logs[_monitor.Key];
            if (!_monitor.IsImprovement(current, Best))
            {
                if (Verbose) context.Report(string.Format(CultureInfo.InvariantCulture, "Epoch {0}: {1} did not improve from {2:F5}", epoch, _monitor.Key, Best));
                return;
            }
            Best = current;
        }
        string path = FormatPath(epoch, logs);
        var metadata = logs.ToDictionary(p => p.Key, p => p.Value.ToString("R", CultureInfo.InvariantCulture));
        context.SaveCheckpoint(path, IncludeOptimizer, metadata);
        _saved.Add(path);
        if (Verbose) context.Report($"Epoch {epoch}: saved checkpoint {path}");
    }

    private string FormatPath(int epoch, IReadOnlyDictionary<string, double> logs)
        => Placeholder().Replace(Path, m =>
        {
            string key = m.Groups[1].Value;
            string? format = m.Groups[2].Success ? m.Groups[2].Value : null;
            try
            {
                return key == "epoch"
                    ? epoch.ToString(format, CultureInfo.InvariantCulture)
                    : logs[key].ToString(format, CultureInfo.InvariantCulture);
            }
            catch (FormatException e)
            {
                throw new FormatException($"ModelCheckpoint path '{Path}': format '{format}' does not apply to {key}: {e.Message}", e);
            }
        });

    [GeneratedRegex(@"\{([A-Za-z_][A-Za-z0-9_]*)(?::([^{}]+))?\}")]
    private static partial Regex Placeholder();
}

/// <summary>The <see cref="FitContext"/> of one <c>Fit</c> run on a model of element type <typeparamref name="T"/>.</summary>
internal sealed class FitContext<T> : FitContext where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly IModel<T> _model;
    private readonly Optimizer<T> _optimizer;
    private readonly Action<string> _report;

    public FitContext(IModel<T> model, Optimizer<T> optimizer, Action<string> report, int initialEpoch, int epochs, int batchesPerEpoch,
        int trainingSamples, IReadOnlyList<string> logKeys, History history)
        : base(initialEpoch, epochs, batchesPerEpoch, trainingSamples, logKeys, history)
    {
        _model = model;
        _optimizer = optimizer;
        _report = report;
        Epoch = initialEpoch;
    }

    public override int ParameterCount => _model.ParameterCount;

    public override double[] GetWeights()
    {
        Span<T> p = _model.Parameters;
        var copy = new double[p.Length];
        for (int i = 0; i < p.Length; i++) copy[i] = double.CreateChecked(p[i]);
        return copy;
    }

    public override void SetWeights(ReadOnlySpan<double> weights)
    {
        Span<T> p = _model.Parameters;
        if (weights.Length != p.Length)
            throw new ArgumentException($"Expected {p.Length} weights (the model's ParameterCount), found {weights.Length}.", nameof(weights));
        for (int i = 0; i < p.Length; i++) p[i] = T.CreateChecked(weights[i]);
    }

    public override void SaveCheckpoint(string path, bool includeOptimizer = true, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var all = new Dictionary<string, string>();
        if (metadata is not null)
            foreach (var (key, value) in metadata) all[key] = value;
        all["epoch"] = Epoch.ToString(CultureInfo.InvariantCulture);
        Checkpoint.Save(_model, path, includeOptimizer ? _optimizer : null, all);
    }

    public override void Report(string message) => _report(message);
}
