using System;
using System.Numerics;
using System.Reflection;
using System.Runtime.InteropServices;

namespace Dsl.Runtime;

/// <summary>What <see cref="Training.Evaluate{T}"/> measured on a data set.</summary>
/// <param name="Loss">Mean over the samples of the per-sample loss, computed from <c>Forward</c>'s outputs (see <see cref="Training.Evaluate{T}"/>).</param>
/// <param name="Accuracy">Fraction of samples classified right; NaN when accuracy was not measured.</param>
public sealed record Evaluation(double Loss, double Accuracy);

/// <summary>Losses and accuracy computed from a model's outputs, for evaluation (no gradient, no dropout, no L2 penalty).</summary>
internal static class Metrics
{
    /// <summary>Samples used for the training accuracy measured after each epoch (<see cref="TrainingAccuracy.AfterEpoch"/>).</summary>
    public const int AfterEpochSamples = 10000;

    /// <summary>The loss to evaluate: <paramref name="requested"/>, else the model class's <c>[Loss]</c> attribute.</summary>
    public static Loss ResolveLoss(object model, Loss? requested)
    {
        Loss loss = requested
            ?? model.GetType().GetCustomAttribute<LossAttribute>(inherit: false)?.Loss
            ?? throw new InvalidOperationException(
                $"Evaluate reads the loss from the model's [Loss] attribute, and {model.GetType().Name} has none; pass the loss to evaluate explicitly.");
        return loss switch
        {
            Loss.MeanSquaredError or Loss.SumSquaredError or Loss.CrossEntropy or Loss.BinaryCrossEntropy => loss,
            _ => throw new NotSupportedException(
                $"Evaluate computes the loss from Forward's outputs and has no formula for Loss.{loss} yet; supported: MeanSquaredError, SumSquaredError, CrossEntropy, BinaryCrossEntropy."),
        };
    }

    /// <summary>
    /// Mean loss (when <paramref name="loss"/> is given, else NaN) and accuracy (when <paramref name="accuracy"/>, else NaN)
    /// of samples [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>) of <paramref name="data"/>.
    /// </summary>
    public static (double Loss, double Accuracy) Evaluate<T>(IModel<T> model, Dataset data, int start, int count, Loss? loss, bool accuracy, int batchSize)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int inSize = model.InputSize, k = model.OutputSize;
        int batch = Math.Max(1, Math.Min(batchSize, count));
        T[] x = typeof(T) == typeof(float) ? [] : new T[batch * inSize];
        var y = new T[batch * k];
        var row = new T[k];
        double lossSum = 0;
        long correct = 0;
        for (int first = start; first < start + count; first += batch)
        {
            int n = Math.Min(batch, start + count - first);
            ReadOnlySpan<float> src = data.Inputs.AsSpan(first * inSize, n * inSize);
            ReadOnlySpan<T> xs;
            if (typeof(T) == typeof(float)) xs = MemoryMarshal.Cast<float, T>(src);
            else
            {
                for (int i = 0; i < src.Length; i++) x[i] = T.CreateTruncating(src[i]);
                xs = x.AsSpan(0, src.Length);
            }
            Span<T> ys = y.AsSpan(0, n * k);
            model.Forward(xs, ys);
            for (int s = 0; s < n; s++)
            {
                ReadOnlySpan<T> out1 = ys.Slice(s * k, k);
                if (data.HasLabels) Targets.FromLabels<T>(data.Labels.AsSpan(first + s, 1), row, k, first + s);
                else
                {
                    ReadOnlySpan<float> t = data.Targets.AsSpan((first + s) * k, k);
                    for (int i = 0; i < k; i++) row[i] = T.CreateTruncating(t[i]);
                }
                if (loss is { } kind) lossSum += SampleLoss<T>(kind, out1, row);
                if (accuracy && IsCorrect<T>(out1, row)) correct++;
            }
        }
        return (loss is null ? double.NaN : lossSum / count, accuracy ? (double)correct / count : double.NaN);
    }

    /// <summary>
    /// One sample's loss from the model's output <paramref name="y"/> (probabilities for the two cross-entropies) and its
    /// target row <paramref name="t"/>, in double, with Keras' clipping of probabilities (epsilon 1e-7):
    /// <code>
    /// MeanSquaredError     (1/K) Σ (y - t)²
    /// SumSquaredError      Σ (y - t)²
    /// CrossEntropy         -Σ t · log(max(p, 1e-7))
    /// BinaryCrossEntropy   -(1/K) Σ [t · log(p') + (1 - t) · log(1 - p')],  p' = clamp(p, 1e-7, 1 - 1e-7)
    /// </code>
    /// </summary>
    public static double SampleLoss<T>(Loss loss, ReadOnlySpan<T> y, ReadOnlySpan<T> t) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const double eps = 1e-7;
        double sum = 0;
        int k = y.Length;
        switch (loss)
        {
            case Loss.MeanSquaredError:
            case Loss.SumSquaredError:
                for (int i = 0; i < k; i++)
                {
                    double e = double.CreateChecked(y[i]) - double.CreateChecked(t[i]);
                    sum += e * e;
                }
                return loss == Loss.MeanSquaredError ? sum / k : sum;
            case Loss.CrossEntropy:
                for (int i = 0; i < k; i++)
                {
                    double ti = double.CreateChecked(t[i]);
                    if (ti != 0) sum -= ti * Math.Log(Math.Max(double.CreateChecked(y[i]), eps));
                }
                return sum;
            case Loss.BinaryCrossEntropy:
                for (int i = 0; i < k; i++)
                {
                    double p = Math.Clamp(double.CreateChecked(y[i]), eps, 1 - eps), ti = double.CreateChecked(t[i]);
                    sum -= ti * Math.Log(p) + (1 - ti) * Math.Log(1 - p);
                }
                return sum / k;
            default:
                throw new NotSupportedException($"No evaluation formula for Loss.{loss}.");
        }
    }

    /// <summary>
    /// Whether the output's class matches the target's: arg-max against arg-max (the first maximum on ties) for several
    /// outputs, <c>&gt; 0.5</c> against <c>&gt; 0.5</c> for a single output.
    /// </summary>
    public static bool IsCorrect<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> t) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (y.Length == 1)
        {
            T half = T.CreateChecked(0.5);
            return y[0] > half == t[0] > half;
        }
        return ArgMax(y) == ArgMax(t);
    }

    /// <summary>Index of the first largest value.</summary>
    public static int ArgMax<T>(ReadOnlySpan<T> values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
            if (values[i] > values[best]) best = i;
        return best;
    }
}
