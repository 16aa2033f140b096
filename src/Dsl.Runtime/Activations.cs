using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Dsl.Runtime;

/// <summary>
/// Activations over whole buffers, in place, and their backward passes. A backward pass turns the gradient
/// with respect to the activation's output (<c>dy</c>) into the gradient with respect to its input, in place,
/// using the saved output <c>y</c>.
/// </summary>
/// <remarks>
/// The element-wise functions are vectorised (<see cref="Gemm"/>'s vector width) with the formulas documented on the
/// runtime's vector math: sigmoid <c>1 / (1 + exp(-x))</c>; tanh by a polynomial near 0 and <c>(1 - e) / (1 + e)</c>,
/// <c>e = exp(-2|x|)</c>, elsewhere; softplus <c>max(x, 0) + log1p(exp(-|x|))</c>. Each value's result depends only on
/// that value (a tail shorter than a vector is padded into one), so where a buffer is cut never changes a bit.
/// The backward passes use the same multiplications as the scalar formulas in <see cref="Fn"/>, lane by lane.
/// </remarks>
public static unsafe class Activations
{
    /// <summary><c>y = sigmoid(y)</c> element-wise.</summary>
    public static void Sigmoid<T>(Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        fixed (T* p = y) Apply(p, y.Length, Act.Sigmoid);
    }

    /// <summary><c>y = tanh(y)</c> element-wise.</summary>
    public static void Tanh<T>(Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        fixed (T* p = y) Apply(p, y.Length, Act.Tanh);
    }

    /// <summary><c>y = max(y, 0)</c> element-wise.</summary>
    public static void ReLU<T>(Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        fixed (T* p = y) Apply(p, y.Length, Act.ReLU);
    }

    /// <summary><c>y = softplus(y)</c> element-wise.</summary>
    public static void Softplus<T>(Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        fixed (T* p = y) Apply(p, y.Length, Act.Softplus);
    }

    /// <summary>Applies an element-wise activation in place to <paramref name="length"/> values, at the widest accelerated vector width.</summary>
    internal static void Apply<T>(T* p, int length, Act act) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (Vector512.IsHardwareAccelerated) VectorMath.Apply<Vector512<T>, T, Simd512<T>>(p, length, act);
        else if (Vector256.IsHardwareAccelerated) VectorMath.Apply<Vector256<T>, T, Simd256<T>>(p, length, act);
        else VectorMath.Apply<Vector128<T>, T, Simd128<T>>(p, length, act);
    }

    /// <summary>Softmax of every row of <paramref name="cols"/> values: <c>y_i = exp(z_i - m) / sum_j exp(z_j - m)</c>, <c>m = max_j z_j</c>.</summary>
    /// <remarks>The exponentials of float and double rows are vectorised (<see cref="ExpInPlace{T}(Span{T})"/>); the sum runs over
    /// the row in order.</remarks>
    public static void Softmax<T>(Span<T> rows, int cols) where T : IFloatingPointIeee754<T>
    {
        if (cols < 1) return;
        Span<T> whole = rows.Slice(0, rows.Length / cols * cols);
        ref T first = ref MemoryMarshal.GetReference(whole);
        if (typeof(T) == typeof(float))
        {
            fixed (float* p = &Unsafe.As<T, float>(ref first)) SoftmaxRows.Softmax(p, whole.Length, cols);
            return;
        }
        if (typeof(T) == typeof(double))
        {
            fixed (double* p = &Unsafe.As<T, double>(ref first)) SoftmaxRows.Softmax(p, whole.Length, cols);
            return;
        }
        ShiftRowsByMax<T>(whole, whole, cols);
        ExpInPlace<T>(whole); // the whole buffer at once: rows of a few classes share vectors
        for (int r = 0; r < whole.Length; r += cols)
        {
            Span<T> row = whole.Slice(r, cols);
            T sum = T.Zero;
            for (int i = 0; i < cols; i++) sum += row[i];
            for (int i = 0; i < cols; i++) row[i] /= sum;
        }
    }

    /// <summary><c>destination[r, i] = values[r, i] - max_j values[r, j]</c> for every row of <paramref name="cols"/> values (the two may be the same span).</summary>
    internal static void ShiftRowsByMax<T>(ReadOnlySpan<T> values, Span<T> destination, int cols) where T : IFloatingPointIeee754<T>
    {
        for (int r = 0; r + cols <= values.Length; r += cols)
        {
            ReadOnlySpan<T> row = values.Slice(r, cols);
            T max = row[0];
            for (int i = 1; i < cols; i++) max = T.Max(max, row[i]);
            for (int i = 0; i < cols; i++) destination[r + i] = row[i] - max;
        }
    }

    /// <summary>
    /// <c>values[i] = exp(values[i])</c> for every <c>i</c>. Float and double go through the runtime's vector exponential
    /// (within about 1 ulp), a tail shorter than a vector padded into one, so each result depends only on its own value
    /// and never on where a row starts; other types use <c>T.Exp</c>.
    /// </summary>
    internal static void ExpInPlace<T>(Span<T> values) where T : IFloatingPointIeee754<T>
    {
        ref T first = ref MemoryMarshal.GetReference(values);
        if (typeof(T) == typeof(float))
        {
            fixed (float* p = &Unsafe.As<T, float>(ref first)) ExpInPlace(p, values.Length);
        }
        else if (typeof(T) == typeof(double))
        {
            fixed (double* p = &Unsafe.As<T, double>(ref first)) ExpInPlace(p, values.Length);
        }
        else
        {
            for (int i = 0; i < values.Length; i++) values[i] = T.Exp(values[i]);
        }
    }

    private static void ExpInPlace<TU>(TU* p, int count) where TU : unmanaged, IFloatingPointIeee754<TU>
    {
        if (Vector512.IsHardwareAccelerated) ExpInPlace<Vector512<TU>, TU, Simd512<TU>>(p, count);
        else if (Vector256.IsHardwareAccelerated) ExpInPlace<Vector256<TU>, TU, Simd256<TU>>(p, count);
        else ExpInPlace<Vector128<TU>, TU, Simd128<TU>>(p, count);
    }

    private static void ExpInPlace<TV, TU, S>(TU* p, int count)
        where TV : struct where TU : unmanaged, IFloatingPointIeee754<TU> where S : ISimd<TV, TU>
    {
        int n = S.Count, i = 0;
        for (; i + n <= count; i += n) S.Store(p + i, S.Exp(S.Load(p + i)));
        if (i == count) return;
        TU* pad = stackalloc TU[n];
        for (int j = 0; j < n; j++) pad[j] = i + j < count ? p[i + j] : TU.Zero;
        S.Store(pad, S.Exp(S.Load(pad)));
        for (int j = 0; i + j < count; j++) p[i + j] = pad[j];
    }

    /// <summary><c>d *= y (1 - y)</c>.</summary>
    public static void SigmoidBackward<T>(Span<T> d, ReadOnlySpan<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckLengths(d, y);
        Span<Vector<T>> vd = MemoryMarshal.Cast<T, Vector<T>>(d);
        ReadOnlySpan<Vector<T>> vy = MemoryMarshal.Cast<T, Vector<T>>(y.Slice(0, d.Length));
        for (int v = 0; v < vd.Length; v++) vd[v] *= vy[v] * (Vector<T>.One - vy[v]);
        for (int i = vd.Length * Vector<T>.Count; i < d.Length; i++) d[i] *= Fn.SigmoidDerivative(y[i]);
    }

    /// <summary><c>d *= 1 - y²</c>.</summary>
    public static void TanhBackward<T>(Span<T> d, ReadOnlySpan<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckLengths(d, y);
        Span<Vector<T>> vd = MemoryMarshal.Cast<T, Vector<T>>(d);
        ReadOnlySpan<Vector<T>> vy = MemoryMarshal.Cast<T, Vector<T>>(y.Slice(0, d.Length));
        for (int v = 0; v < vd.Length; v++) vd[v] *= Vector<T>.One - vy[v] * vy[v];
        for (int i = vd.Length * Vector<T>.Count; i < d.Length; i++) d[i] *= Fn.TanhDerivative(y[i]);
    }

    /// <summary><c>d = y &gt; 0 ? d : 0</c>.</summary>
    public static void ReLUBackward<T>(Span<T> d, ReadOnlySpan<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckLengths(d, y);
        Span<Vector<T>> vd = MemoryMarshal.Cast<T, Vector<T>>(d);
        ReadOnlySpan<Vector<T>> vy = MemoryMarshal.Cast<T, Vector<T>>(y.Slice(0, d.Length));
        for (int v = 0; v < vd.Length; v++) vd[v] = Vector.ConditionalSelect(Vector.GreaterThan(vy[v], Vector<T>.Zero), vd[v], Vector<T>.Zero);
        for (int i = vd.Length * Vector<T>.Count; i < d.Length; i++) d[i] = y[i] > T.Zero ? d[i] : T.Zero;
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

    private static void CheckLengths<T>(Span<T> d, ReadOnlySpan<T> y)
    {
        if (y.Length < d.Length) throw new ArgumentException($"The saved outputs y ({y.Length} values) must cover the gradient d ({d.Length} values).", nameof(y));
    }
}
