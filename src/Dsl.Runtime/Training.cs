using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Numerics;

namespace Dsl.Runtime;

/// <summary>Per-epoch figures of a <see cref="Training.Fit{T}(ITrainable{T}, Optimizer{T}, T[], T[], int, int, bool, int, TextWriter?)"/> run.</summary>
public sealed class History
{
    /// <summary>Mean training loss of each epoch (mean of its batches' losses, weighted by batch size).</summary>
    public List<double> Loss { get; } = [];

    /// <summary>Wall-clock seconds of each epoch.</summary>
    public List<double> Seconds { get; } = [];
}

/// <summary>A minimal training loop: epochs of shuffled mini-batches, one optimizer step per batch, one line per epoch.</summary>
public static class Training
{
    /// <summary>Trains on inputs and dense targets (<c>[samples, OutputSize]</c>).</summary>
    /// <param name="model">The model to train.</param>
    /// <param name="optimizer">Updates the model after every batch.</param>
    /// <param name="inputs">Samples, <c>[samples, InputSize]</c> row-major.</param>
    /// <param name="targets">Targets, <c>[samples, OutputSize]</c> row-major.</param>
    /// <param name="epochs">Passes over the data.</param>
    /// <param name="batchSize">Samples per step; the last batch of an epoch may be smaller.</param>
    /// <param name="shuffle">Whether every epoch visits the samples in a new random order.</param>
    /// <param name="seed">Seed of the shuffling.</param>
    /// <param name="log">Receives one line per epoch; null for silence.</param>
    public static History Fit<T>(this ITrainable<T> model, Optimizer<T> optimizer, T[] inputs, T[] targets,
        int epochs, int batchSize = 32, bool shuffle = true, int seed = 0, TextWriter? log = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(targets);
        int samples = CountSamples(model, inputs);
        if (targets.Length != samples * model.OutputSize)
            throw new ArgumentException($"Expected {samples} x {model.OutputSize} = {samples * model.OutputSize} target values for {samples} samples, found {targets.Length}.", nameof(targets));
        T[] batchTargets = new T[Math.Min(batchSize, samples) * model.OutputSize];
        return Run(model, optimizer, inputs, samples, epochs, batchSize, shuffle, seed, log, (idx, count, x) =>
        {
            for (int j = 0; j < count; j++)
                targets.AsSpan(idx[j] * model.OutputSize, model.OutputSize).CopyTo(batchTargets.AsSpan(j * model.OutputSize));
            return model.TrainStep(x, batchTargets.AsSpan(0, count * model.OutputSize));
        });
    }

    /// <summary>Trains on inputs and integer class labels (one per sample).</summary>
    public static History Fit<T>(this ITrainable<T> model, Optimizer<T> optimizer, T[] inputs, int[] labels,
        int epochs, int batchSize = 32, bool shuffle = true, int seed = 0, TextWriter? log = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(labels);
        int samples = CountSamples(model, inputs);
        if (labels.Length != samples)
            throw new ArgumentException($"Expected one label per sample ({samples}), found {labels.Length}.", nameof(labels));
        int[] batchLabels = new int[Math.Min(batchSize, samples)];
        return Run(model, optimizer, inputs, samples, epochs, batchSize, shuffle, seed, log, (idx, count, x) =>
        {
            for (int j = 0; j < count; j++) batchLabels[j] = labels[idx[j]];
            return model.TrainStep(x, batchLabels.AsSpan(0, count));
        });
    }

    private delegate T BatchStep<T>(int[] indices, int count, ReadOnlySpan<T> batchInputs);

    private static History Run<T>(ITrainable<T> model, Optimizer<T> optimizer, T[] inputs, int samples, int epochs, int batchSize,
        bool shuffle, int seed, TextWriter? log, BatchStep<T> step)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        if (!ReferenceEquals(optimizer.Model, model))
            throw new ArgumentException("The optimizer was created for a different model.", nameof(optimizer));
        if (epochs < 0) throw new ArgumentOutOfRangeException(nameof(epochs), epochs, "Expected a non-negative number of epochs.");
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "Expected a positive batch size.");

        int inSize = model.InputSize;
        int[] order = new int[samples];
        for (int i = 0; i < samples; i++) order[i] = i;
        int[] indices = new int[Math.Min(batchSize, samples)];
        T[] batchInputs = new T[indices.Length * inSize];
        var random = new Random(seed);
        var history = new History();

        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            long start = Stopwatch.GetTimestamp();
            if (shuffle) random.Shuffle(order);
            double lossSum = 0;
            for (int first = 0; first < samples; first += batchSize)
            {
                int count = Math.Min(batchSize, samples - first);
                for (int j = 0; j < count; j++)
                {
                    indices[j] = order[first + j];
                    inputs.AsSpan(indices[j] * inSize, inSize).CopyTo(batchInputs.AsSpan(j * inSize));
                }
                T loss = step(indices, count, batchInputs.AsSpan(0, count * inSize));
                optimizer.Step();
                lossSum += double.CreateChecked(loss) * count;
            }
            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            double epochLoss = lossSum / samples;
            history.Loss.Add(epochLoss);
            history.Seconds.Add(seconds);
            log?.WriteLine(string.Format(CultureInfo.InvariantCulture, "Epoch {0}/{1} - {2:F2}s - loss: {3:F4}", epoch, epochs, seconds, epochLoss));
        }
        return history;
    }

    private static int CountSamples<T>(IModel<T> model, T[] inputs) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Length == 0 || inputs.Length % model.InputSize != 0)
            throw new ArgumentException($"Expected a positive multiple of InputSize ({model.InputSize}) input values, found {inputs.Length}.", nameof(inputs));
        return inputs.Length / model.InputSize;
    }
}
