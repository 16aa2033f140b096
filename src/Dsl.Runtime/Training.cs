using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;

namespace Dsl.Runtime;

/// <summary>
/// The Keras-style training API, as extension methods on every generated model: <see cref="Fit{T}"/>,
/// <see cref="Evaluate{T}"/> and <see cref="Predict{T}(IModel{T}, ReadOnlySpan{T})"/>. See docs/training.md.
/// </summary>
public static class Training
{
    /// <summary>
    /// Trains <paramref name="model"/> on <paramref name="data"/> in the manner of Keras' <c>model.fit</c>: epochs of
    /// mini-batches (shuffled with a seeded generator), one <paramref name="optimizer"/> step per batch, validation and
    /// callbacks after every epoch, progress as <see cref="FitOptions.Verbose"/> says. Each batch:
    /// <code>
    /// optimizer.LearningRate = Schedule(optimizer.Iterations)      if a schedule is given
    /// loss = model.TrainStep(x, labels or targets)                 batch-mean loss, gradient into model.Gradients
    /// if loss or a gradient value is NaN or infinite: stop         the step is NOT applied (see below)
    /// Clipping.ByGlobalNorm(Gradients, ClipNorm)                   if ClipNorm is set
    /// Clipping.ByValue(Gradients, ClipValue)                       if ClipValue is set
    /// optimizer.Step()
    /// </code>
    /// The epoch's <c>loss</c> is the mean of its batch losses weighted by batch size (as Keras); <c>accuracy</c> as
    /// <see cref="FitOptions.TrainingAccuracy"/> says; <c>val_loss</c> and <c>val_accuracy</c> as <see cref="Evaluate{T}"/>
    /// computes them on the validation data after the epoch.
    /// <para>
    /// Non-finite loss (Keras' <c>TerminateOnNaN</c>): when a batch's loss, or any value of its gradient, is NaN or
    /// infinite, training stops at once: that batch's optimizer step is not applied, so the model keeps its last good
    /// weights, namely the parameters (and optimizer state) as they were after the last step that was applied, every one
    /// of which had a finite loss and gradient. These are the weights the bad batch was evaluated with. The message
    /// (epoch, batch, loss) goes to the log, <see cref="History.TerminatedOnNaN"/> is set, <see cref="History.StopReason"/>
    /// holds the message, the cut-short epoch gets no history entry and no <c>OnEpochEnd</c>, <c>OnTrainEnd</c> still runs,
    /// and <c>Fit</c> returns normally (no exception), as Keras' callback does.
    /// </para>
    /// </summary>
    /// <param name="model">The model to train.</param>
    /// <param name="optimizer">An optimizer created for <paramref name="model"/>.</param>
    /// <param name="data">Training data: labels (classification) or targets of <c>OutputSize</c> values per sample.</param>
    /// <param name="options">Epochs, batch size, validation, callbacks, ...; null for the defaults (1 epoch of batches of 32).</param>
    /// <returns>The per-epoch figures.</returns>
    /// <exception cref="ArgumentException">Data that does not fit the model, an optimizer of another model, or options out of range.</exception>
    public static History Fit<T>(this ITrainable<T> model, Optimizer<T> optimizer, Dataset data, FitOptions? options = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(data);
        options ??= new FitOptions();
        if (!ReferenceEquals(optimizer.Model, model)) throw new ArgumentException("The optimizer was created for a different model.", nameof(optimizer));
        CheckOptions(options);
        CheckData(model, data, nameof(data));

        int trainCount = data.Count, validationStart = 0, validationCount = 0;
        Dataset? validation = options.ValidationData;
        if (options.ValidationSplit > 0)
        {
            if (validation is not null) throw new ArgumentException("Give either ValidationSplit or ValidationData, not both.", nameof(options));
            trainCount = data.SplitPoint(options.ValidationSplit);
            validation = data;
            validationStart = trainCount;
            validationCount = data.Count - trainCount;
        }
        else if (validation is not null)
        {
            CheckData(model, validation, nameof(FitOptions.ValidationData));
            validationCount = validation.Count;
        }
        if (trainCount == 0) throw new ArgumentException("Expected at least one training sample, found none.", nameof(data));

        var run = new FitRun<T>(model, optimizer, data, trainCount, validation, validationStart, validationCount, options);
        ProgressReporter reporter = ProgressReporter.Create(options);
        run.Reporter = reporter;
        reporter.Run(run.Run);
        return run.History;
    }

    /// <summary>
    /// Loss and accuracy of <paramref name="model"/> on <paramref name="data"/> (Keras' <c>model.evaluate</c>), from
    /// <c>Forward</c>'s outputs: no gradient, no dropout and no L2 penalty (so on a model with <c>L2</c> it is lower than
    /// the training loss <c>TrainStep</c> reports, by the penalty). The loss is the mean over the samples of the model's
    /// <c>[Loss]</c>, computed by <see cref="LossFunctions.Evaluate{T}"/> from the outputs and the target rows (the one-hot
    /// row of each label, or the 0/1 label itself for a single output): the per-sample formula of each <see cref="Dsl.Loss"/>,
    /// except that <c>CrossEntropy</c> and <c>BinaryCrossEntropy</c>, which training computes from the logits, are computed
    /// from the probabilities with Keras' clip at 1e-7:
    /// <code>
    /// CrossEntropy         -Σ t · log(max(p, 1e-7))
    /// BinaryCrossEntropy   -(1/K) Σ [t · log(p') + (1 - t) · log(1 - p')],  p' = clamp(p, 1e-7, 1 - 1e-7)
    /// </code>
    /// Accuracy: the fraction of samples whose arg-max output is the label's class (<c>output &gt; 0.5</c> for a single
    /// output; for dense targets, against the arg-max of the target row, or <c>target &gt; 0.5</c>).
    /// </summary>
    /// <param name="model">The model.</param>
    /// <param name="data">Samples with labels or targets.</param>
    /// <param name="batchSize">Samples per <c>Forward</c> call (bounds the memory used, not the result).</param>
    /// <param name="loss">The loss formula; null for the model class's <c>[Loss]</c>.</param>
    /// <param name="accuracy">Whether to measure accuracy; null measures it for labelled data. NaN in the result when not measured.</param>
    /// <exception cref="InvalidOperationException">No loss given and the model's class has no <c>[Loss]</c> attribute.</exception>
    public static Evaluation Evaluate<T>(this IModel<T> model, Dataset data, int batchSize = 500, Loss? loss = null, bool? accuracy = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "Expected a positive batch size.");
        CheckData(model, data, nameof(data));
        if (data.Count == 0) throw new ArgumentException("Expected at least one sample to evaluate, found none.", nameof(data));
        Loss kind = Metrics.ResolveLoss(model, loss);
        var (l, a) = Metrics.Evaluate(model, data, 0, data.Count, kind, accuracy ?? data.HasLabels, batchSize);
        return new Evaluation(l, a);
    }

    /// <summary>The model's outputs for a batch of inputs (Keras' <c>model.predict</c>): <c>Forward</c> into a new array.</summary>
    /// <param name="model">The model.</param>
    /// <param name="inputs">Samples, <c>[n, InputSize]</c> row-major.</param>
    /// <returns>Outputs, <c>[n, OutputSize]</c> row-major.</returns>
    /// <exception cref="ArgumentException">The inputs are not a whole number of samples.</exception>
    public static T[] Predict<T>(this IModel<T> model, ReadOnlySpan<T> inputs) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        if (inputs.Length % model.InputSize != 0)
            throw new ArgumentException($"Expected a whole number of samples of InputSize ({model.InputSize}) values, found {inputs.Length} values.", nameof(inputs));
        var outputs = new T[inputs.Length / model.InputSize * model.OutputSize];
        if (outputs.Length > 0) model.Forward(inputs, outputs);
        return outputs;
    }

    /// <summary>The model's outputs for every sample of <paramref name="data"/>, <c>[Count, OutputSize]</c> row-major.</summary>
    public static T[] Predict<T>(this IModel<T> model, Dataset data) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        if (data.Features != model.InputSize)
            throw new ArgumentException($"The model takes {model.InputSize} inputs per sample, the data has {data.Features}.", nameof(data));
        if (typeof(T) == typeof(float)) return Predict(model, MemoryMarshal.Cast<float, T>(data.Inputs.AsSpan()));
        var inputs = new T[data.Inputs.Length];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = T.CreateTruncating(data.Inputs[i]);
        return Predict(model, (ReadOnlySpan<T>)inputs);
    }

    private static void CheckOptions(FitOptions o)
    {
        if (o.Epochs < 0) throw new ArgumentOutOfRangeException(nameof(o.Epochs), o.Epochs, "Expected a non-negative number of epochs.");
        if (o.InitialEpoch < 0) throw new ArgumentOutOfRangeException(nameof(o.InitialEpoch), o.InitialEpoch, "Expected a non-negative initial epoch.");
        if (o.BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(o.BatchSize), o.BatchSize, "Expected a positive batch size.");
        if (!(o.ValidationSplit >= 0 && o.ValidationSplit < 1))
            throw new ArgumentOutOfRangeException(nameof(o.ValidationSplit), o.ValidationSplit, "Expected a validation split in [0, 1) (0 for none).");
        if (o.ClipNorm is { } n && (!(n > 0) || double.IsInfinity(n)))
            throw new ArgumentOutOfRangeException(nameof(o.ClipNorm), n, "Expected a finite, positive gradient norm.");
        if (o.ClipValue is { } v && (!(v > 0) || double.IsInfinity(v)))
            throw new ArgumentOutOfRangeException(nameof(o.ClipValue), v, "Expected a finite, positive gradient value.");
        if (!Enum.IsDefined(o.Verbose)) throw new ArgumentOutOfRangeException(nameof(o.Verbose), o.Verbose, "Unknown verbosity.");
        if (!Enum.IsDefined(o.TrainingAccuracy)) throw new ArgumentOutOfRangeException(nameof(o.TrainingAccuracy), o.TrainingAccuracy, "Unknown training accuracy mode.");
        ArgumentNullException.ThrowIfNull(o.Callbacks, nameof(o.Callbacks));
        for (int i = 0; i < o.Callbacks.Count; i++)
            if (o.Callbacks[i] is null) throw new ArgumentException($"Callbacks[{i}] is null.", nameof(o.Callbacks));
    }

    /// <summary>Checks that <paramref name="data"/> fits the model: features, target width, and every label a valid class.</summary>
    private static void CheckData<T>(IModel<T> model, Dataset data, string name) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (data.Features != model.InputSize)
            throw new ArgumentException($"The model takes {model.InputSize} inputs per sample, the data has {data.Features}.", name);
        int k = model.OutputSize;
        if (!data.HasLabels)
        {
            if (data.TargetSize != k)
                throw new ArgumentException($"The model has {k} outputs per sample, the data has {data.TargetSize} target values per sample.", name);
            return;
        }
        int[] labels = data.Labels;
        for (int i = 0; i < labels.Length; i++)
        {
            int label = labels[i];
            if (k == 1 ? label is not (0 or 1) : (uint)label >= (uint)k)
                throw new ArgumentException(k == 1
                    ? $"Label of sample {i} must be 0 or 1 for a model with one output, found {label}."
                    : $"Label of sample {i} must be a class in [0, {k}), found {label}.", name);
        }
    }

    /// <summary>
    /// The state of one <c>Fit</c> call; <see cref="Run"/> is the training loop. Buffers are allocated before the first
    /// epoch, so a batch allocates nothing (callbacks are called by index, not through an enumerator).
    /// </summary>
    private sealed class FitRun<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly ITrainable<T> _model;
        private readonly Optimizer<T> _optimizer;
        private readonly Dataset _data;
        private readonly int _trainCount;
        private readonly Dataset? _validation;
        private readonly int _validationStart, _validationCount;
        private readonly FitOptions _options;
        private readonly bool _accuracy;
        private readonly Loss? _validationLoss;
        private readonly FitContext<T> _context;

        public FitRun(ITrainable<T> model, Optimizer<T> optimizer, Dataset data, int trainCount, Dataset? validation, int validationStart,
            int validationCount, FitOptions options)
        {
            _model = model;
            _optimizer = optimizer;
            _data = data;
            _trainCount = trainCount;
            _validation = validation;
            _validationStart = validationStart;
            _validationCount = validationCount;
            _options = options;
            _accuracy = options.Accuracy ?? data.HasLabels;
            // Resolved now, so a model class without a [Loss] attribute fails before any training rather than after the first epoch.
            _validationLoss = validation is null ? null : Metrics.ResolveLoss(model, null);
            var keys = new List<string> { "loss" };
            if (_accuracy) keys.Add("accuracy");
            if (validation is not null)
            {
                keys.Add("val_loss");
                if (_accuracy) keys.Add("val_accuracy");
            }
            keys.Add("lr");
            keys.Add("seconds");
            int batches = (trainCount + options.BatchSize - 1) / options.BatchSize;
            _context = new FitContext<T>(model, optimizer, message => Reporter?.Message(message), options.InitialEpoch, options.Epochs, batches, trainCount, keys, History);
        }

        public History History { get; } = new();

        public ProgressReporter? Reporter { get; set; }

        public void Run()
        {
            ProgressReporter reporter = Reporter!;
            FitOptions o = _options;
            int inSize = _model.InputSize, k = _model.OutputSize;
            int batch = Math.Min(o.BatchSize, _trainCount);
            bool labelled = _data.HasLabels, runningAccuracy = _accuracy && o.TrainingAccuracy == TrainingAccuracy.RunningMean;
            var x = new T[batch * inSize];
            int[] labels = labelled ? new int[batch] : [];
            T[] targets = labelled ? [] : new T[batch * k];
            T[] outputs = runningAccuracy ? new T[batch * k] : [];
            T[] row = runningAccuracy ? new T[k] : [];
            int[] order = new int[_trainCount];
            for (int i = 0; i < order.Length; i++) order[i] = i;
            var random = new Random(o.Seed);
            if (o.Shuffle)
                for (int e = 0; e < o.InitialEpoch; e++) random.Shuffle(order); // replay, so a resumed run sees the same orders

            for (int c = 0; c < o.Callbacks.Count; c++) o.Callbacks[c].OnTrainBegin(_context);
            for (int epoch = o.InitialEpoch + 1; epoch <= o.Epochs && !_context.StopTraining; epoch++)
            {
                long started = Stopwatch.GetTimestamp();
                _context.Epoch = epoch;
                for (int c = 0; c < o.Callbacks.Count; c++) o.Callbacks[c].OnEpochBegin(_context, epoch);
                reporter.EpochBegin(epoch, o.Epochs, _context.BatchesPerEpoch);
                if (o.Shuffle) random.Shuffle(order);
                double lossSum = 0;
                long seen = 0, correct = 0;
                string? nanMessage = null;
                int b = 0;
                for (int first = 0; first < _trainCount; first += batch)
                {
                    b++;
                    int n = Math.Min(batch, _trainCount - first);
                    // Without shuffling a float model reads a float set's batch in place; otherwise the samples are gathered
                    // (and converted).
                    bool inPlace = !o.Shuffle && typeof(T) == typeof(float) && _data.ByteInputs is null;
                    ReadOnlySpan<T> xs, ts = default;
                    ReadOnlySpan<int> ls = default;
                    if (inPlace)
                    {
                        xs = MemoryMarshal.Cast<float, T>(_data.Inputs.AsSpan(first * inSize, n * inSize));
                        if (labelled) ls = _data.Labels.AsSpan(first, n);
                        else ts = MemoryMarshal.Cast<float, T>(_data.Targets.AsSpan(first * k, n * k));
                    }
                    else
                    {
                        Gather(order.AsSpan(first, n), x, labels, targets);
                        xs = x.AsSpan(0, n * inSize);
                        ls = labelled ? labels.AsSpan(0, n) : default;
                        ts = labelled ? default : targets.AsSpan(0, n * k);
                    }
                    if (o.Schedule is { } schedule) _optimizer.LearningRate = schedule(_optimizer.Iterations);
                    if (runningAccuracy)
                    {
                        _model.Forward(xs, outputs.AsSpan(0, n * k));
                        correct += CountCorrect(outputs.AsSpan(0, n * k), ls, ts, row);
                    }
                    double loss = double.CreateChecked(labelled ? _model.TrainStep(xs, ls) : _model.TrainStep(xs, ts));
                    bool finiteGradient = Clipping.AllFinite<T>(_model.Gradients);
                    if (!double.IsFinite(loss) || !finiteGradient)
                    {
                        nanMessage = string.Format(CultureInfo.InvariantCulture,
                            "Epoch {0}, batch {1}/{2}: {3}; training stopped without applying this batch's step, so the model keeps the weights from before it.",
                            epoch, b, _context.BatchesPerEpoch,
                            double.IsFinite(loss)
                                ? string.Create(CultureInfo.InvariantCulture, $"the loss is {loss:G6} but the gradient holds NaN or infinite values")
                                : string.Create(CultureInfo.InvariantCulture, $"the loss is {loss}"));
                        break;
                    }
                    if (o.ClipNorm is { } maxNorm) Clipping.ByGlobalNorm(_model.Gradients, maxNorm);
                    if (o.ClipValue is { } clip) Clipping.ByValue(_model.Gradients, clip);
                    _optimizer.Step();
                    lossSum += loss * n;
                    seen += n;
                    reporter.BatchEnd(b, lossSum / seen, runningAccuracy ? (double)correct / seen : double.NaN);
                    for (int c = 0; c < o.Callbacks.Count; c++) o.Callbacks[c].OnBatchEnd(_context, b, loss);
                    if (_context.StopTraining) break;
                }
                if (nanMessage is not null)
                {
                    History.TerminatedOnNaN = true;
                    History.StopReason = nanMessage;
                    reporter.Message(nanMessage);
                    break;
                }

                var logs = new Dictionary<string, double> { ["loss"] = lossSum / seen };
                if (_accuracy)
                    logs["accuracy"] = runningAccuracy
                        ? (double)correct / seen
                        : Metrics.Evaluate(_model, _data, 0, Math.Min(_trainCount, Metrics.AfterEpochSamples), null, true, 500).Accuracy;
                if (_validation is not null)
                {
                    var (valLoss, valAccuracy) = Metrics.Evaluate(_model, _validation, _validationStart, _validationCount, _validationLoss, _accuracy, 500);
                    logs["val_loss"] = valLoss;
                    if (_accuracy) logs["val_accuracy"] = valAccuracy;
                }
                logs["lr"] = _optimizer.LearningRate;
                logs["seconds"] = Stopwatch.GetElapsedTime(started).TotalSeconds;
                History.Add(epoch, logs);
                reporter.EpochEnd(epoch, o.Epochs, logs);
                for (int c = 0; c < o.Callbacks.Count; c++) o.Callbacks[c].OnEpochEnd(_context, epoch, logs);
                if (_context.StopTraining)
                {
                    History.StopReason = _context.StopReason ?? $"A callback stopped training at epoch {epoch}.";
                    break;
                }
            }
            for (int c = 0; c < o.Callbacks.Count; c++) o.Callbacks[c].OnTrainEnd(_context);
        }

        /// <summary>Copies the samples <paramref name="indices"/> into the batch buffers, converting inputs and targets to T.</summary>
        private void Gather(ReadOnlySpan<int> indices, T[] x, int[] labels, T[] targets)
        {
            int inSize = _model.InputSize, k = _model.OutputSize;
            if (typeof(T) == typeof(float)) _data.GatherInputs(indices, MemoryMarshal.Cast<T, float>(x.AsSpan()));
            for (int j = 0; j < indices.Length; j++)
            {
                int sample = indices[j];
                if (typeof(T) != typeof(float))
                {
                    ReadOnlySpan<float> src = _data.Inputs.AsSpan(sample * inSize, inSize);
                    Span<T> dst = x.AsSpan(j * inSize, inSize);
                    for (int i = 0; i < inSize; i++) dst[i] = T.CreateTruncating(src[i]);
                }
                if (labels.Length > 0) labels[j] = _data.Labels[sample];
                else
                {
                    ReadOnlySpan<float> t = _data.Targets.AsSpan(sample * k, k);
                    for (int i = 0; i < k; i++) targets[j * k + i] = T.CreateTruncating(t[i]);
                }
            }
        }

        private int CountCorrect(ReadOnlySpan<T> outputs, ReadOnlySpan<int> labels, ReadOnlySpan<T> targets, T[] row)
        {
            int k = _model.OutputSize, n = outputs.Length / k, correct = 0;
            for (int s = 0; s < n; s++)
            {
                ReadOnlySpan<T> t;
                if (labels.Length > 0)
                {
                    Targets.FromLabels<T>(labels.Slice(s, 1), row, k);
                    t = row;
                }
                else t = targets.Slice(s * k, k);
                if (Metrics.IsCorrect(outputs.Slice(s * k, k), t)) correct++;
            }
            return correct;
        }

    }
}
