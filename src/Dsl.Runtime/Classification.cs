using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Numerics;

namespace Dsl.Runtime;

/// <summary>Options of <see cref="Classification.Fit{T}"/>, named after Keras' <c>model.fit</c> arguments.</summary>
public sealed record FitOptions
{
    /// <summary>Passes over the training data.</summary>
    public int Epochs { get; init; } = 1;

    /// <summary>Samples per optimizer step; the last batch of an epoch may be smaller.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Whether every epoch visits the training samples in a new order.</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>Seed of the shuffling.</summary>
    public int Seed { get; init; }

    /// <summary>Fraction of the training data held out, from its end, for validation (Keras' <c>validation_split</c>).</summary>
    public double ValidationSplit { get; init; }

    /// <summary>Learning rate by step count (for example <see cref="Schedules.InverseTime"/>); null keeps the optimizer's.</summary>
    public Func<long, double>? Schedule { get; init; }

    /// <summary>Receives one Keras-style line per epoch; null for silence.</summary>
    public TextWriter? Log { get; init; }
}

/// <summary>Per-epoch figures of a classification run.</summary>
public sealed class ClassificationHistory
{
    /// <summary>Mean training loss of each epoch, as <c>TrainStep</c> reported it batch by batch.</summary>
    public System.Collections.Generic.List<double> Loss { get; } = [];

    /// <summary>
    /// Training accuracy after each epoch, measured by <c>Forward</c> on the first (up to) 10000 training samples once the
    /// epoch is over (Keras reports a running mean during the epoch instead).
    /// </summary>
    public System.Collections.Generic.List<double> Accuracy { get; } = [];

    /// <summary>Validation loss after each epoch (empty without validation data).</summary>
    public System.Collections.Generic.List<double> ValidationLoss { get; } = [];

    /// <summary>Validation accuracy after each epoch (empty without validation data).</summary>
    public System.Collections.Generic.List<double> ValidationAccuracy { get; } = [];

    /// <summary>Wall-clock seconds of each epoch's training (validation excluded).</summary>
    public System.Collections.Generic.List<double> Seconds { get; } = [];
}

/// <summary>Training and evaluating classifiers whose output is a probability per class (a Softmax output layer).</summary>
public static class Classification
{
    /// <summary>
    /// Mean categorical cross-entropy <c>-log(max(p_label, 1e-7))</c> (Keras clips at 1e-7) and accuracy (arg-max equals the
    /// label) of a model on a data set, by <c>Forward</c> in batches.
    /// </summary>
    public static (double Loss, double Accuracy) Evaluate<T>(IModel<T> model, Dataset data, int batchSize = 500)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        if (data.Features != model.InputSize)
            throw new ArgumentException($"The model takes {model.InputSize} inputs per sample, the data has {data.Features}.", nameof(data));
        if (data.Count == 0) throw new ArgumentException("Cannot evaluate on an empty data set.", nameof(data));
        int classes = model.OutputSize;
        batchSize = Math.Min(batchSize, data.Count);
        var x = new T[batchSize * model.InputSize];
        var y = new T[batchSize * classes];
        double loss = 0;
        int correct = 0;
        for (int start = 0; start < data.Count; start += batchSize)
        {
            int n = Math.Min(batchSize, data.Count - start);
            ReadOnlySpan<float> inputs = data.Inputs.AsSpan(start * data.Features, n * data.Features);
            for (int i = 0; i < inputs.Length; i++) x[i] = T.CreateTruncating(inputs[i]);
            model.Forward(x.AsSpan(0, n * model.InputSize), y.AsSpan(0, n * classes));
            for (int s = 0; s < n; s++)
            {
                ReadOnlySpan<T> p = y.AsSpan(s * classes, classes);
                int label = data.Labels[start + s];
                if ((uint)label >= (uint)classes)
                    throw new ArgumentOutOfRangeException(nameof(data), label, $"Label of sample {start + s} is not one of the model's {classes} classes.");
                loss -= Math.Log(Math.Max(double.CreateChecked(p[label]), 1e-7));
                int best = 0;
                for (int c = 1; c < classes; c++) if (p[c] > p[best]) best = c;
                if (best == label) correct++;
            }
        }
        return (loss / data.Count, (double)correct / data.Count);
    }

    /// <summary>
    /// Trains on integer labels: epochs of shuffled mini-batches, one optimizer step each (with the learning rate the schedule
    /// gives), validation after each epoch, and a Keras-like line per epoch
    /// (<c>Epoch 1/10 - 12.3s - loss: 0.5123 - val_loss: 0.4012 - val_accuracy: 0.8550</c>).
    /// </summary>
    public static ClassificationHistory Fit<T>(ITrainable<T> model, Optimizer<T> optimizer, Dataset train, FitOptions options, Dataset? validation = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(options);
        if (!ReferenceEquals(optimizer.Model, model)) throw new ArgumentException("The optimizer was created for a different model.", nameof(optimizer));
        if (train.Features != model.InputSize) throw new ArgumentException($"The model takes {model.InputSize} inputs per sample, the data has {train.Features}.", nameof(train));
        if (options.Epochs < 0) throw new ArgumentOutOfRangeException(nameof(options), options.Epochs, "Expected a non-negative number of epochs.");
        if (options.BatchSize <= 0) throw new ArgumentOutOfRangeException(nameof(options), options.BatchSize, "Expected a positive batch size.");
        if (options.ValidationSplit > 0)
        {
            if (validation is not null) throw new ArgumentException("Give either a validation split or a validation set, not both.", nameof(validation));
            (train, validation) = train.Split(options.ValidationSplit);
        }
        if (train.Count == 0) throw new ArgumentException("No training samples left.", nameof(train));

        int inSize = model.InputSize, samples = train.Count;
        int[] order = new int[samples];
        for (int i = 0; i < samples; i++) order[i] = i;
        int batch = Math.Min(options.BatchSize, samples);
        var x = new T[batch * inSize];
        var labels = new int[batch];
        var random = new Random(options.Seed);
        var history = new ClassificationHistory();
        Dataset trainProbe = train.Count <= 10000 ? train : train.Take(10000);
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            long started = Stopwatch.GetTimestamp();
            if (options.Shuffle) random.Shuffle(order);
            double lossSum = 0;
            for (int first = 0; first < samples; first += batch)
            {
                int n = Math.Min(batch, samples - first);
                for (int j = 0; j < n; j++)
                {
                    int sample = order[first + j];
                    ReadOnlySpan<float> src = train.Inputs.AsSpan(sample * inSize, inSize);
                    Span<T> dst = x.AsSpan(j * inSize, inSize);
                    for (int i = 0; i < inSize; i++) dst[i] = T.CreateTruncating(src[i]);
                    labels[j] = train.Labels[sample];
                }
                if (options.Schedule is { } schedule) optimizer.LearningRate = schedule(optimizer.Iterations);
                lossSum += double.CreateChecked(model.TrainStep(x.AsSpan(0, n * inSize), labels.AsSpan(0, n))) * n;
                optimizer.Step();
            }
            double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            history.Loss.Add(lossSum / samples);
            history.Seconds.Add(seconds);
            double accuracy = Evaluate(model, trainProbe).Accuracy;
            history.Accuracy.Add(accuracy);
            string line = string.Format(CultureInfo.InvariantCulture, "Epoch {0}/{1} - {2:F1}s - loss: {3:F4} - accuracy: {4:F4}", epoch, options.Epochs, seconds, lossSum / samples, accuracy);
            if (validation is not null)
            {
                var (valLoss, valAccuracy) = Evaluate(model, validation);
                history.ValidationLoss.Add(valLoss);
                history.ValidationAccuracy.Add(valAccuracy);
                line += string.Format(CultureInfo.InvariantCulture, " - val_loss: {0:F4} - val_accuracy: {1:F4}", valLoss, valAccuracy);
            }
            options.Log?.WriteLine(line);
        }
        return history;
    }
}
