using System;
using System.Numerics;

namespace Dsl.Runtime;

/// <summary>
/// Activations over whole buffers, in place, and their backward passes. A backward pass turns the gradient
/// with respect to the activation's output (<c>dy</c>) into the gradient with respect to its input, in place,
/// using the saved output <c>y</c>.
/// </summary>
public static class Activations
{
    /// <summary><c>y = sigmoid(y)</c> element-wise.</summary>
    public static void Sigmoid<T>(Span<T> y) where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < y.Length; i++) y[i] = Fn.Sigmoid(y[i]);
    }

    /// <summary><c>y = tanh(y)</c> element-wise.</summary>
    public static void Tanh<T>(Span<T> y) where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < y.Length; i++) y[i] = T.Tanh(y[i]);
    }

    /// <summary><c>y = max(y, 0)</c> element-wise.</summary>
    public static void ReLU<T>(Span<T> y) where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < y.Length; i++) y[i] = Fn.ReLU(y[i]);
    }

    /// <summary><c>y = softplus(y)</c> element-wise.</summary>
    public static void Softplus<T>(Span<T> y) where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < y.Length; i++) y[i] = Fn.Softplus(y[i]);
    }

    /// <summary>Softmax of every row of <paramref name="cols"/> values: <c>y_i = exp(z_i - m) / sum_j exp(z_j - m)</c>, <c>m = max_j z_j</c>.</summary>
    public static void Softmax<T>(Span<T> rows, int cols) where T : IFloatingPointIeee754<T>
    {
        for (int r = 0; r + cols <= rows.Length; r += cols)
        {
            Span<T> row = rows.Slice(r, cols);
            T max = row[0];
            for (int i = 1; i < cols; i++) max = T.Max(max, row[i]);
            T sum = T.Zero;
            for (int i = 0; i < cols; i++)
            {
                row[i] = T.Exp(row[i] - max);
                sum += row[i];
            }
            for (int i = 0; i < cols; i++) row[i] /= sum;
        }
    }

    /// <summary><c>d *= y (1 - y)</c>.</summary>
    public static void SigmoidBackward<T>(Span<T> d, ReadOnlySpan<T> y) where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < d.Length; i++) d[i] *= Fn.SigmoidDerivative(y[i]);
    }

    /// <summary><c>d *= 1 - y²</c>.</summary>
    public static void TanhBackward<T>(Span<T> d, ReadOnlySpan<T> y) where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < d.Length; i++) d[i] *= Fn.TanhDerivative(y[i]);
    }

    /// <summary><c>d = y &gt; 0 ? d : 0</c>.</summary>
    public static void ReLUBackward<T>(Span<T> d, ReadOnlySpan<T> y) where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < d.Length; i++) d[i] = y[i] > T.Zero ? d[i] : T.Zero;
    }

    /// <summary><c>d *= 1 - exp(-y)</c> (sigmoid of the input, recovered from the output).</summary>
    public static void SoftplusBackward<T>(Span<T> d, ReadOnlySpan<T> y) where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < d.Length; i++) d[i] *= Fn.SoftplusDerivative(y[i]);
    }

    /// <summary>Softmax Jacobian-vector product per row: <c>d_i = y_i (d_i - sum_j d_j y_j)</c>.</summary>
    public static void SoftmaxBackward<T>(Span<T> d, ReadOnlySpan<T> y, int cols) where T : IFloatingPointIeee754<T>
    {
        for (int r = 0; r + cols <= d.Length; r += cols)
        {
            Span<T> dr = d.Slice(r, cols);
            ReadOnlySpan<T> yr = y.Slice(r, cols);
            T dot = T.Zero;
            for (int i = 0; i < cols; i++) dot += dr[i] * yr[i];
            for (int i = 0; i < cols; i++) dr[i] = yr[i] * (dr[i] - dot);
        }
    }
}
