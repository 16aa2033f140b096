using System;
using System.Numerics;

namespace Dsl.Runtime;

/// <summary>
/// The losses of <see cref="Dsl.Loss"/>, each computing, for a tile of samples, the SUM of the per-sample losses
/// and the gradient of <c>scale * that sum</c>. Generated <c>TrainStep</c> code passes <c>scale = 1 / batch</c>,
/// so the gradients are those of the batch-mean loss. <c>K</c> below is the number of outputs per sample.
/// </summary>
public static class LossFunctions
{
    /// <summary>
    /// Mean squared error. Per sample: <c>L = (1/K) * sum_i (y_i - t_i)^2</c>; gradient <c>dy_i = scale * 2 (y_i - t_i) / K</c>.
    /// Batch mean of it equals PyTorch's <c>MSELoss()</c> (mean over all elements).
    /// </summary>
    public static T MeanSquaredError<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> t, Span<T> dy, int cols, T scale)
        where T : IFloatingPointIeee754<T>
    {
        CheckLengths(y, t, dy);
        T k = T.CreateChecked(cols);
        T g = (T.One + T.One) * scale / k;
        T sum = T.Zero;
        for (int i = 0; i < y.Length; i++)
        {
            T e = y[i] - t[i];
            sum += e * e;
            dy[i] = g * e;
        }
        return sum / k;
    }

    /// <summary>
    /// Sum of squared errors. Per sample: <c>L = sum_i (y_i - t_i)^2</c>; gradient <c>dy_i = scale * 2 (y_i - t_i)</c>.
    /// Batch mean of it equals PyTorch's <c>MSELoss(reduction='sum') / batch</c>.
    /// </summary>
    public static T SumSquaredError<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> t, Span<T> dy, int cols, T scale)
        where T : IFloatingPointIeee754<T>
    {
        CheckLengths(y, t, dy);
        _ = cols;
        T g = (T.One + T.One) * scale;
        T sum = T.Zero;
        for (int i = 0; i < y.Length; i++)
        {
            T e = y[i] - t[i];
            sum += e * e;
            dy[i] = g * e;
        }
        return sum;
    }

    /// <summary>
    /// Softmax + cross-entropy, fused and computed from the logits <c>z</c>. Per sample:
    /// <c>L = -sum_i t_i log p_i = sum_i t_i (lse(z) - z_i)</c> with <c>lse(z) = m + log sum_j exp(z_j - m)</c>, <c>m = max_j z_j</c>,
    /// so it stays finite for any logits. Gradient with respect to the logits: <c>dz_i = scale * (p_i * sum_j t_j - t_i)</c>
    /// (<c>p - t</c> for one-hot targets). Equals PyTorch's <c>CrossEntropyLoss</c> with probability targets.
    /// </summary>
    /// <param name="z">Logits <c>[n, cols]</c>.</param>
    /// <param name="p">Softmax of the logits, as the forward pass computed it.</param>
    /// <param name="t">Targets <c>[n, cols]</c>.</param>
    /// <param name="dz">Receives the gradient with respect to the logits.</param>
    /// <param name="cols">Classes per sample.</param>
    /// <param name="scale">Factor of the gradient, <c>1 / batch</c>.</param>
    public static T SoftmaxCrossEntropy<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> p, ReadOnlySpan<T> t, Span<T> dz, int cols, T scale)
        where T : IFloatingPointIeee754<T>
    {
        CheckLengths(z, t, dz);
        T sum = T.Zero;
        for (int r = 0; r + cols <= z.Length; r += cols)
        {
            ReadOnlySpan<T> zr = z.Slice(r, cols), pr = p.Slice(r, cols), tr = t.Slice(r, cols);
            T max = zr[0];
            for (int i = 1; i < cols; i++) max = T.Max(max, zr[i]);
            T exps = T.Zero;
            for (int i = 0; i < cols; i++) exps += T.Exp(zr[i] - max);
            T lse = max + T.Log(exps);
            T tsum = T.Zero;
            for (int i = 0; i < cols; i++)
            {
                if (tr[i] != T.Zero) sum += tr[i] * (lse - zr[i]);
                tsum += tr[i];
            }
            for (int i = 0; i < cols; i++) dz[r + i] = scale * (pr[i] * tsum - tr[i]);
        }
        return sum;
    }

    /// <summary>
    /// Sigmoid + binary cross-entropy, fused and computed from the logits <c>z</c>. Per sample:
    /// <c>L = (1/K) * sum_i [max(z_i, 0) - z_i t_i + log(1 + exp(-|z_i|))]</c>, which equals
    /// <c>-(1/K) * sum_i [t_i log p_i + (1 - t_i) log(1 - p_i)]</c> with <c>p = sigmoid(z)</c> but stays finite for any logits
    /// (PyTorch's <c>BCEWithLogitsLoss</c>; Keras clips p to [1e-7, 1 - 1e-7] instead, which differs only where that clip bites).
    /// Gradient: <c>dz_i = scale * (p_i - t_i) / K</c>.
    /// </summary>
    public static T SigmoidBinaryCrossEntropy<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> p, ReadOnlySpan<T> t, Span<T> dz, int cols, T scale)
        where T : IFloatingPointIeee754<T>
    {
        CheckLengths(z, t, dz);
        T k = T.CreateChecked(cols);
        T g = scale / k;
        T sum = T.Zero;
        for (int i = 0; i < z.Length; i++)
        {
            sum += T.Max(z[i], T.Zero) - z[i] * t[i] + T.LogP1(T.Exp(-T.Abs(z[i])));
            dz[i] = g * (p[i] - t[i]);
        }
        return sum / k;
    }

    /// <summary>
    /// L2 weight penalty as Keras' <c>l2(λ)</c>: returns <c>λ * sum(w²)</c> and adds its gradient <c>2λw</c> to <paramref name="gw"/>.
    /// </summary>
    public static T L2Penalty<T>(ReadOnlySpan<T> w, Span<T> gw, T lambda) where T : IFloatingPointIeee754<T>
    {
        T sum = T.Zero;
        T twoLambda = lambda + lambda;
        for (int i = 0; i < w.Length; i++)
        {
            sum += w[i] * w[i];
            gw[i] += twoLambda * w[i];
        }
        return lambda * sum;
    }

    private static void CheckLengths<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> t, Span<T> dy)
    {
        if (t.Length != y.Length || dy.Length != y.Length)
            throw new ArgumentException($"Loss needs outputs, targets and gradient of one length, got {y.Length}, {t.Length} and {dy.Length}.");
    }
}
