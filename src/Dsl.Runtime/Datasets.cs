using System;
using MathNet.Numerics.Distributions;

namespace Dsl.Runtime;

/// <summary>
/// A data set in memory: row-major inputs <c>[Count, Features]</c> and, per sample, either an integer class label
/// (classification: <see cref="Labels"/>) or a row of <see cref="TargetSize"/> dense target values (regression, or
/// soft/one-hot targets: <see cref="Targets"/>). <c>Fit</c>, <c>Evaluate</c> and <c>Predict</c> take it.
/// </summary>
/// <remarks>
/// Labels train through <c>TrainStep(input, labels)</c> (one-hot targets, or the 0/1 label itself for a model with one
/// output); dense targets through <c>TrainStep(input, target)</c>, so <see cref="TargetSize"/> must equal the model's
/// <c>OutputSize</c>. The arrays are not copied: changing them changes the data set.
/// </remarks>
public sealed class Dataset
{
    private readonly int[]? _labels;
    private readonly float[]? _targets;
    private readonly byte[]? _bytes;
    private float[]? _inputs;

    /// <summary>A labelled data set (classification).</summary>
    /// <param name="inputs">Features, <c>[labels.Length, features]</c> row-major.</param>
    /// <param name="labels">Class label of each sample.</param>
    /// <param name="features">Values per sample.</param>
    /// <exception cref="ArgumentException"><paramref name="inputs"/> does not hold <c>labels.Length x features</c> values.</exception>
    public Dataset(float[] inputs, int[] labels, int features)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(labels);
        Check(inputs.Length, labels.Length, features);
        _inputs = inputs;
        _labels = labels;
        Features = features;
        Count = labels.Length;
    }

    /// <summary>A data set with dense targets: <paramref name="targetSize"/> values per sample (regression, one-hot or soft targets).</summary>
    /// <param name="inputs">Features, <c>[samples, features]</c> row-major.</param>
    /// <param name="targets">Targets, <c>[samples, targetSize]</c> row-major.</param>
    /// <param name="features">Values per input sample.</param>
    /// <param name="targetSize">Values per target row; a model trains on it when this equals its <c>OutputSize</c>.</param>
    /// <exception cref="ArgumentException">The two arrays do not hold the same whole number of samples.</exception>
    public Dataset(float[] inputs, float[] targets, int features, int targetSize)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(targets);
        if (targetSize < 1) throw new ArgumentOutOfRangeException(nameof(targetSize), targetSize, "Expected at least 1 target value per sample.");
        if (targets.Length % targetSize != 0)
            throw new ArgumentException($"Expected a whole number of target rows of {targetSize} values, found {targets.Length} values.", nameof(targets));
        int count = targets.Length / targetSize;
        Check(inputs.Length, count, features);
        _inputs = inputs;
        _targets = targets;
        Features = features;
        TargetSize = targetSize;
        Count = count;
    }

    /// <summary>
    /// A labelled data set whose inputs are kept as bytes, a quarter of the memory of floats: input value <c>i</c> is
    /// <c>inputs[i] / divisor</c>, divided in <c>float</c> as C# divides a <c>byte</c> by a <c>float</c>.
    /// <see cref="Data.MnistFormat"/> loads images this way, with divisor 255. Batches gathered from it
    /// (<see cref="GatherInputs"/>, <c>Fit</c>, <c>Evaluate</c>) read a quarter of the bytes from memory and get the
    /// same floats, bit for bit, as a float set made by the same division.
    /// </summary>
    /// <param name="inputs">Features as bytes, <c>[labels.Length, features]</c> row-major.</param>
    /// <param name="divisor">What every byte is divided by: positive and finite, 255 for pixels in [0, 1].</param>
    /// <param name="labels">Class label of each sample.</param>
    /// <param name="features">Values per sample.</param>
    /// <exception cref="ArgumentException"><paramref name="inputs"/> does not hold <c>labels.Length x features</c> values.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="divisor"/> is not positive and finite.</exception>
    public Dataset(byte[] inputs, float divisor, int[] labels, int features)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(labels);
        if (!(divisor > 0 && float.IsFinite(divisor)))
            throw new ArgumentOutOfRangeException(nameof(divisor), divisor, "Expected a positive, finite divisor for the input bytes, such as 255.");
        Check(inputs.Length, labels.Length, features);
        _bytes = inputs;
        Divisor = divisor;
        _labels = labels;
        Features = features;
        Count = labels.Length;
    }

    /// <summary>
    /// Features, row-major <c>[Count, Features]</c>. For a set of bytes (<see cref="ByteInputs"/>) the floats are made
    /// on the first read (<c>Count x Features x 4</c> bytes) and kept; batches never need them.
    /// </summary>
    public float[] Inputs => _inputs ?? MakeInputs();

    /// <summary>The inputs as bytes for a set made from bytes (each value is the byte over <see cref="Divisor"/>), else null.</summary>
    public byte[]? ByteInputs => _bytes;

    /// <summary>What the <see cref="ByteInputs"/> are divided by; 1 for a set of floats.</summary>
    public float Divisor { get; } = 1f;

    /// <summary>Values per sample.</summary>
    public int Features { get; }

    /// <summary>Number of samples.</summary>
    public int Count { get; }

    /// <summary>True for a labelled set (<see cref="Labels"/>), false for one with dense <see cref="Targets"/>.</summary>
    public bool HasLabels => _labels is not null;

    /// <summary>Class label of each sample.</summary>
    /// <exception cref="InvalidOperationException">The set has dense targets instead (see <see cref="HasLabels"/>).</exception>
    public int[] Labels => _labels
        ?? throw new InvalidOperationException($"This data set has dense targets ({TargetSize} values per sample), not labels; read Targets, or check HasLabels first.");

    /// <summary>Dense targets, row-major <c>[Count, TargetSize]</c>.</summary>
    /// <exception cref="InvalidOperationException">The set has labels instead (see <see cref="HasLabels"/>).</exception>
    public float[] Targets => _targets
        ?? throw new InvalidOperationException("This data set has integer labels, not dense targets; read Labels, or check HasLabels first.");

    /// <summary>Values per row of <see cref="Targets"/>; 0 for a labelled set.</summary>
    public int TargetSize { get; }

    /// <summary>
    /// Copies the input rows of the samples <paramref name="indices"/>, in that order, into <paramref name="destination"/>
    /// (<c>[indices.Length, Features]</c>): the gather of a shuffled mini-batch, <c>X[indices]</c> in NumPy. Large
    /// batches are split across <see cref="Workers"/>, and each thread prefetches the rows it copies next, since
    /// shuffled rows of a large set come from main memory.
    /// </summary>
    /// <param name="indices">Sample indices, each in <c>[0, Count)</c>; repeats are allowed.</param>
    /// <param name="destination">At least <c>indices.Length x Features</c> values; the rest is left alone.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too short.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside the data set; nothing is written then.</exception>
    public void GatherInputs(ReadOnlySpan<int> indices, Span<float> destination)
    {
        if (destination.Length < (long)indices.Length * Features)
            throw new ArgumentException(
                $"destination needs {indices.Length} x {Features} = {(long)indices.Length * Features} values for {indices.Length} samples, but has {destination.Length}.",
                nameof(destination));
        for (int j = 0; j < indices.Length; j++)
            if ((uint)indices[j] >= (uint)Count)
                throw new ArgumentOutOfRangeException(nameof(indices), indices[j], $"Index {j} of the batch names sample {indices[j]}, but the data set has samples 0 to {Count - 1}.");
        if (_bytes is not null) RowGather.Copy(_bytes, Divisor, Features, indices, destination);
        else RowGather.Copy(Inputs, Features, indices, destination);
    }

    /// <summary>
    /// Copies the input rows of the <paramref name="count"/> samples from <paramref name="first"/> into
    /// <paramref name="destination"/> (<c>[count, Features]</c>), converting bytes to floats for a set of bytes.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The rows are not all inside the data set.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too short.</exception>
    public void CopyInputs(int first, int count, Span<float> destination)
    {
        if (first < 0 || count < 0 || first > Count - count)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"Expected rows inside the data set's samples 0 to {Count - 1}, found {count} rows from {first}.");
        long values = (long)count * Features;
        if (destination.Length < values)
            throw new ArgumentException($"destination needs {count} x {Features} = {values} values, but has {destination.Length}.", nameof(destination));
        if (_bytes is not null) RowGather.Convert(_bytes.AsSpan(first * Features, (int)values), Divisor, destination);
        else Inputs.AsSpan(first * Features, (int)values).CopyTo(destination);
    }

    /// <summary>Labels as one-hot rows <c>[Count, classes]</c>.</summary>
    public float[] OneHot(int classes)
    {
        var result = new float[Count * classes];
        for (int i = 0; i < Count; i++)
        {
            int label = Labels[i];
            if ((uint)label >= (uint)classes)
                throw new ArgumentOutOfRangeException(nameof(classes), $"Label {label} of sample {i} does not fit {classes} classes.");
            result[i * classes + label] = 1f;
        }
        return result;
    }

    /// <summary>
    /// Splits off the last <paramref name="validationFraction"/> of the samples as a validation set, as Keras'
    /// <c>validation_split</c>: no shuffling, the first <c>floor(Count * (1 - validationFraction))</c> samples train.
    /// Both parts are copies.
    /// </summary>
    /// <param name="validationFraction">Fraction of the samples to hold out, strictly between 0 and 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="validationFraction"/> is not strictly between 0 and 1.</exception>
    /// <exception cref="ArgumentException">The split would leave one of the parts empty.</exception>
    public (Dataset Train, Dataset Validation) Split(double validationFraction)
    {
        int train = SplitPoint(validationFraction);
        return (Rows(0, train), Rows(train, Count - train));
    }

    /// <summary>The first <paramref name="count"/> samples (all of them when there are fewer), as a copy.</summary>
    public Dataset Take(int count)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "Expected a non-negative count.");
        return Rows(0, Math.Min(count, Count));
    }

    /// <summary>Number of training samples <see cref="Split"/> keeps: <c>floor(Count * (1 - validationFraction))</c>, checked.</summary>
    internal int SplitPoint(double validationFraction)
    {
        if (!(validationFraction > 0 && validationFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(validationFraction), validationFraction, "Expected a validation fraction strictly between 0 and 1.");
        int train = (int)Math.Floor(Count * (1.0 - validationFraction));
        if (train == 0 || train == Count)
            throw new ArgumentException(
                $"Cannot split {Count} samples with validation fraction {validationFraction}: expected at least one sample in each part, found {train} for training and {Count - train} for validation.",
                nameof(validationFraction));
        return train;
    }

    private Dataset Rows(int start, int count)
    {
        if (_bytes is not null)
            return new Dataset(_bytes.AsSpan(start * Features, count * Features).ToArray(), Divisor, _labels!.AsSpan(start, count).ToArray(), Features);
        float[] inputs = Inputs.AsSpan(start * Features, count * Features).ToArray();
        return _labels is not null
            ? new Dataset(inputs, _labels.AsSpan(start, count).ToArray(), Features)
            : new Dataset(inputs, Targets.AsSpan(start * TargetSize, count * TargetSize).ToArray(), Features, TargetSize);
    }

    private static void Check(int length, int count, int features)
    {
        if (features < 1) throw new ArgumentOutOfRangeException(nameof(features), features, "Expected at least 1 feature per sample.");
        if (length != (long)count * features)
            throw new ArgumentException($"Expected {count} x {features} = {(long)count * features} input values for {count} samples, found {length}.", "inputs");
    }

    /// <summary>The floats of a set of bytes, made once (a race makes two equal arrays and keeps the first).</summary>
    private float[] MakeInputs()
    {
        var inputs = new float[_bytes!.Length];
        RowGather.Convert(_bytes, Divisor, inputs);
        return System.Threading.Interlocked.CompareExchange(ref _inputs, inputs, null) ?? inputs;
    }
}

/// <summary>Synthetic data sets generated in code, so samples and tests need nothing but the repository.</summary>
public static class Datasets
{
    /// <summary>
    /// Two interleaving half circles, as scikit-learn's <c>make_moons(n, noise=noise, shuffle=True)</c>: the upper moon
    /// (label 0) is <c>(cos θ, sin θ)</c>, the lower (label 1) <c>(1 - cos θ, 0.5 - sin θ)</c>, θ evenly spaced over [0, π];
    /// samples are shuffled, then Gaussian noise of standard deviation <paramref name="noise"/> is added to every coordinate.
    /// The random numbers come from a seeded Mersenne Twister, so the points differ from NumPy's but are the same every run.
    /// </summary>
    public static Dataset Moons(int samples, double noise, int seed = 0)
    {
        if (samples < 2) throw new ArgumentOutOfRangeException(nameof(samples), samples, "Expected at least 2 samples.");
        if (!(noise >= 0)) throw new ArgumentOutOfRangeException(nameof(noise), noise, "Expected a non-negative noise level.");
        int outer = samples / 2, inner = samples - outer;
        var x = new float[samples * 2];
        var y = new int[samples];
        var random = new MathNet.Numerics.Random.MersenneTwister(seed, threadSafe: false);
        int[] order = new int[samples];
        for (int i = 0; i < samples; i++) order[i] = i;
        random.Shuffle(order);
        for (int k = 0; k < samples; k++)
        {
            int i = order[k];
            bool isOuter = i < outer;
            int j = isOuter ? i : i - outer;
            int n = isOuter ? outer : inner;
            double theta = n == 1 ? 0 : Math.PI * j / (n - 1);
            x[2 * k] = (float)(isOuter ? Math.Cos(theta) : 1 - Math.Cos(theta));
            x[2 * k + 1] = (float)(isOuter ? Math.Sin(theta) : 0.5 - Math.Sin(theta));
            y[k] = isOuter ? 0 : 1;
        }
        if (noise > 0)
            for (int i = 0; i < x.Length; i++) x[i] += (float)Normal.Sample(random, 0, noise);
        return new Dataset(x, y, 2);
    }

    /// <summary>
    /// Seed 000's XOR table with a constant third input acting as a bias: (0,0,1) → 0, (0,1,1) → 1, (1,0,1) → 1, (1,1,1) → 0.
    /// </summary>
    public static Dataset Xor() => new(
        [0, 0, 1,
         0, 1, 1,
         1, 0, 1,
         1, 1, 1],
        [0, 1, 1, 0], 3);
}

/// <summary>Turning integer labels into the targets a model trains on.</summary>
public static class Targets
{
    /// <summary>
    /// Writes the target rows for <paramref name="labels"/>: one-hot rows of <paramref name="classes"/> values, or, when
    /// <paramref name="classes"/> is 1 (a single sigmoid or regression output), the label itself, which must be 0 or 1.
    /// </summary>
    /// <param name="labels">One label per sample.</param>
    /// <param name="target">Receives <c>[labels.Length, classes]</c> values.</param>
    /// <param name="classes">Outputs per sample.</param>
    /// <param name="firstIndex">Index of the first label in the caller's batch, for error messages.</param>
    /// <exception cref="ArgumentOutOfRangeException">A label is not a valid class.</exception>
    public static void FromLabels<T>(ReadOnlySpan<int> labels, Span<T> target, int classes, int firstIndex = 0) where T : System.Numerics.INumberBase<T>
    {
        if (target.Length != labels.Length * classes)
            throw new ArgumentException($"Expected {labels.Length} x {classes} target values, found {target.Length}.", nameof(target));
        target.Clear();
        for (int s = 0; s < labels.Length; s++)
        {
            int label = labels[s];
            if (classes == 1)
            {
                if (label != 0 && label != 1)
                    throw new ArgumentOutOfRangeException(nameof(labels), label, $"Label of sample {firstIndex + s} must be 0 or 1 for a model with one output, found {label}.");
                target[s] = label == 1 ? T.One : T.Zero;
            }
            else
            {
                if ((uint)label >= (uint)classes)
                    throw new ArgumentOutOfRangeException(nameof(labels), label, $"Label of sample {firstIndex + s} must be a class in [0, {classes}), found {label}.");
                target[s * classes + label] = T.One;
            }
        }
    }
}
