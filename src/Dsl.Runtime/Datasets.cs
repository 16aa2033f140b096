using System;
using MathNet.Numerics.Distributions;

namespace Dsl.Runtime;

/// <summary>A data set in memory: row-major features <c>[Count, Features]</c> and one integer label per sample.</summary>
/// <param name="Inputs">Features, row-major.</param>
/// <param name="Labels">Class label of each sample.</param>
/// <param name="Features">Values per sample.</param>
public sealed record Dataset(float[] Inputs, int[] Labels, int Features)
{
    /// <summary>Number of samples.</summary>
    public int Count => Labels.Length;

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
    /// <exception cref="InvalidOperationException"><see cref="Inputs"/> does not hold <see cref="Count"/> rows of <see cref="Features"/> values.</exception>
    public (Dataset Train, Dataset Validation) Split(double validationFraction)
    {
        if (!(validationFraction > 0 && validationFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(validationFraction), validationFraction, "Expected a validation fraction strictly between 0 and 1.");
        if (Features < 1 || Inputs.Length != (long)Count * Features)
            throw new InvalidOperationException($"Expected {Count} x {Features} input values for {Count} labels, found {Inputs.Length}.");
        int train = (int)Math.Floor(Count * (1.0 - validationFraction));
        if (train == 0 || train == Count)
            throw new ArgumentException(
                $"Cannot split {Count} samples with validation fraction {validationFraction}: expected at least one sample in each part, found {train} for training and {Count - train} for validation.",
                nameof(validationFraction));
        return (Rows(0, train), Rows(train, Count - train));
    }

    /// <summary>The first <paramref name="count"/> samples (all of them when there are fewer), as a copy.</summary>
    public Dataset Take(int count)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "Expected a non-negative count.");
        return Rows(0, Math.Min(count, Count));
    }

    private Dataset Rows(int start, int count)
        => new(Inputs.AsSpan(start * Features, count * Features).ToArray(), Labels.AsSpan(start, count).ToArray(), Features);
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
