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
        if (!Enum.IsDefined(loss)) throw new ArgumentOutOfRangeException(nameof(requested), loss, "Expected a value of Dsl.Loss.");
        return loss;
    }

    /// <summary>
    /// Mean loss (when <paramref name="loss"/> is given, else NaN) and accuracy (when <paramref name="accuracy"/>, else NaN)
    /// of samples [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>) of <paramref name="data"/>:
    /// <c>Forward</c> batch by batch, then <see cref="LossFunctions.Evaluate{T}"/> on the outputs and target rows.
    /// </summary>
    public static (double Loss, double Accuracy) Evaluate<T>(IModel<T> model, Dataset data, int start, int count, Loss? loss, bool accuracy, int batchSize)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int inSize = model.InputSize, k = model.OutputSize;
        int batch = Math.Max(1, Math.Min(batchSize, count));
        T[] x = typeof(T) == typeof(float) ? [] : new T[batch * inSize];
        // A set of bytes is converted batch by batch (Dataset.CopyInputs), so its floats are never made whole.
        float[] converted = data.ByteInputs is null ? [] : new float[batch * inSize];
        var y = new T[batch * k];
        var targets = new T[batch * k];
        double lossSum = 0;
        long correct = 0;
        for (int first = start; first < start + count; first += batch)
        {
            int n = Math.Min(batch, start + count - first);
            ReadOnlySpan<float> src;
            if (data.ByteInputs is null) src = data.Inputs.AsSpan(first * inSize, n * inSize);
            else
            {
                data.CopyInputs(first, n, converted);
                src = converted.AsSpan(0, n * inSize);
            }
            ReadOnlySpan<T> xs;
            if (typeof(T) == typeof(float)) xs = MemoryMarshal.Cast<float, T>(src);
            else
            {
                for (int i = 0; i < src.Length; i++) x[i] = T.CreateTruncating(src[i]);
                xs = x.AsSpan(0, src.Length);
            }
            Span<T> ys = y.AsSpan(0, n * k), ts = targets.AsSpan(0, n * k);
            model.Forward(xs, ys);
            if (data.HasLabels) Targets.FromLabels<T>(data.Labels.AsSpan(first, n), ts, k, first);
            else
            {
                ReadOnlySpan<float> t = data.Targets.AsSpan(first * k, n * k);
                for (int i = 0; i < t.Length; i++) ts[i] = T.CreateTruncating(t[i]);
            }
            if (loss is { } kind) lossSum += LossFunctions.Evaluate<T>(kind, ys, ts, k) * n;
            if (accuracy)
                for (int s = 0; s < n; s++)
                    if (IsCorrect<T>(ys.Slice(s * k, k), ts.Slice(s * k, k))) correct++;
        }
        return (loss is null ? double.NaN : lossSum / count, accuracy ? (double)correct / count : double.NaN);
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
