using System;
using System.Numerics;

namespace Dsl.Runtime;

/// <summary>
/// Gradient clipping over a flat gradient buffer (a model's <see cref="IModel{T}.Gradients"/>), as PyTorch's
/// <c>torch.nn.utils.clip_grad_norm_</c> and <c>clip_grad_value_</c>. <c>Fit</c> applies it between <c>TrainStep</c> and the
/// optimizer's step when <see cref="FitOptions.ClipNorm"/> or <see cref="FitOptions.ClipValue"/> is set; call it yourself
/// in a hand-written loop the same way. Neither allocates.
/// </summary>
public static class Clipping
{
    /// <summary>
    /// Clips by the global L2 norm, as <c>torch.nn.utils.clip_grad_norm_(parameters, max_norm)</c> (norm type 2):
    /// <code>
    /// norm = sqrt(Σ g²)                                  over the whole buffer (all tensors together)
    /// coefficient = min(maxNorm / (norm + 1e-6), 1)
    /// g = g * coefficient                                (only when coefficient &lt; 1: multiplying by 1 changes nothing)
    /// </code>
    /// The sum of squares is accumulated in double. A gradient whose norm is not finite (a NaN or an infinity in it) is
    /// left unchanged, where PyTorch would multiply it by NaN or 0; <c>Fit</c> skips the step of such a batch anyway.
    /// </summary>
    /// <param name="gradients">The gradient buffer, clipped in place.</param>
    /// <param name="maxNorm">The largest norm allowed, finite and positive.</param>
    /// <returns>The norm of the gradient before clipping (PyTorch's return value).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxNorm"/> is not finite and positive.</exception>
    public static double ByGlobalNorm<T>(Span<T> gradients, double maxNorm) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!(maxNorm > 0) || double.IsInfinity(maxNorm))
            throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "Expected a finite, positive maximum norm.");
        double norm = Math.Sqrt(SumOfSquares<T>(gradients));
        double coefficient = maxNorm / (norm + 1e-6);
        if (double.IsFinite(norm) && coefficient < 1)
        {
            T c = T.CreateChecked(coefficient);
            for (int i = 0; i < gradients.Length; i++) gradients[i] *= c;
        }
        return norm;
    }

    /// <summary>
    /// Clips every value to <c>[-clipValue, clipValue]</c>, as <c>torch.nn.utils.clip_grad_value_(parameters, clip_value)</c>.
    /// NaN stays NaN (as <c>torch.clamp</c>).
    /// </summary>
    /// <param name="gradients">The gradient buffer, clipped in place.</param>
    /// <param name="clipValue">The largest absolute value allowed, finite and positive.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="clipValue"/> is not finite and positive.</exception>
    public static void ByValue<T>(Span<T> gradients, double clipValue) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!(clipValue > 0) || double.IsInfinity(clipValue))
            throw new ArgumentOutOfRangeException(nameof(clipValue), clipValue, "Expected a finite, positive clip value.");
        T hi = T.CreateChecked(clipValue), lo = -hi;
        for (int i = 0; i < gradients.Length; i++)
        {
            T g = gradients[i];
            if (g > hi) gradients[i] = hi;
            else if (g < lo) gradients[i] = lo;
        }
    }

    /// <summary>The global L2 norm <c>sqrt(Σ g²)</c>, accumulated in double.</summary>
    public static double GlobalNorm<T>(ReadOnlySpan<T> gradients) where T : unmanaged, IFloatingPointIeee754<T>
        => Math.Sqrt(SumOfSquares(gradients));

    /// <summary>True when every value is finite (no NaN, no infinity).</summary>
    internal static bool AllFinite<T>(ReadOnlySpan<T> values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        // x * 0 is 0 for a finite x and NaN for NaN or ±infinity, so one vectorised sum answers for the whole buffer.
        int i = 0;
        if (Vector.IsHardwareAccelerated && values.Length >= Vector<T>.Count)
        {
            var acc = Vector<T>.Zero;
            for (; i <= values.Length - Vector<T>.Count; i += Vector<T>.Count)
                acc += new Vector<T>(values.Slice(i, Vector<T>.Count)) * Vector<T>.Zero;
            if (!T.IsFinite(Vector.Sum(acc))) return false;
        }
        for (; i < values.Length; i++)
            if (!T.IsFinite(values[i])) return false;
        return true;
    }

    private static double SumOfSquares<T>(ReadOnlySpan<T> values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double sum = 0;
        for (int i = 0; i < values.Length; i++)
        {
            double v = double.CreateChecked(values[i]);
            sum += v * v;
        }
        return sum;
    }
}
