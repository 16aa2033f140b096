using System;
using Dsl.Runtime;

namespace Dsl.Benchmarks.Workloads;

/// <summary>
/// Shuffled mini-batches of a data set, gathered into two buffers allocated once: the C# counterpart of the peers'
/// <c>X[perm[i:i + B]], y[perm[i:i + B]]</c> (fancy indexing, no data loader), so the gather is timed on both sides.
/// The rows are copied by <see cref="Dataset.GatherInputs"/>, as <c>Fit</c> does.
/// An epoch is <c>Count / BatchSize</c> batches (every sample once, the remainder of an uneven count dropped); a new
/// epoch starts with a new permutation drawn from the seeded generator.
/// </summary>
public sealed class BatchStream
{
    private readonly Dataset _data;
    private readonly Random _random;
    private readonly int[] _order;
    private readonly float[] _inputs;
    private readonly int[] _labels;
    private int _next;

    /// <summary>Prepares the stream; the first <see cref="Next"/> starts the first shuffled epoch.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is not between 1 and the number of samples.</exception>
    public BatchStream(Dataset data, int batchSize, int seed)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (batchSize < 1 || batchSize > data.Count)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"Expected a batch size between 1 and the data set's {data.Count} samples.");
        _data = data;
        _random = new Random(seed);
        _order = new int[data.Count];
        for (int i = 0; i < _order.Length; i++) _order[i] = i;
        _inputs = new float[batchSize * data.Features];
        _labels = new int[batchSize];
        BatchSize = batchSize;
        _next = BatchesPerEpoch;
    }

    /// <summary>Samples per batch.</summary>
    public int BatchSize { get; }

    /// <summary>Batches in one epoch: <c>Count / BatchSize</c>, rounded down.</summary>
    public int BatchesPerEpoch => _data.Count / BatchSize;

    /// <summary>The current batch's inputs, <c>[BatchSize, Features]</c>.</summary>
    public ReadOnlySpan<float> Inputs => _inputs;

    /// <summary>The current batch's class labels.</summary>
    public ReadOnlySpan<int> Labels => _labels;

    /// <summary>Gathers the next batch into <see cref="Inputs"/> and <see cref="Labels"/>, reshuffling after the last batch of an epoch.</summary>
    public void Next()
    {
        if (_next == BatchesPerEpoch) StartEpoch();
        ReadOnlySpan<int> batch = _order.AsSpan(_next * BatchSize, BatchSize);
        _data.GatherInputs(batch, _inputs);
        for (int b = 0; b < batch.Length; b++) _labels[b] = _data.Labels[batch[b]];
        _next++;
    }

    /// <summary>Draws a new permutation; the next <see cref="Next"/> returns its first batch.</summary>
    public void StartEpoch()
    {
        _random.Shuffle(_order);
        _next = 0;
    }
}
