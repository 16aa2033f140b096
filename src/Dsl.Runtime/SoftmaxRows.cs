using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Dsl.Runtime;

/// <summary>
/// The row loops of <see cref="Activations.Softmax{T}"/> and <see cref="LossFunctions.SoftmaxCrossEntropy{T}"/> for float
/// and double, with the arithmetic of their generic loops, operation for operation, so the bits are the same.
/// </summary>
/// <remarks>
/// <para>The rows go in blocks of <see cref="BlockRows"/>, and each step (maxima, exponentials, sums, logarithms, quotients)
/// runs over the whole block before the next one starts. A row's steps depend on each other, but different rows do
/// not: a row of 10 classes is a chain of about 10 dependent additions, a logarithm and then the loss, and when one row
/// follows the other the core waits out each chain (about 30 ns a row, 3.7 us for W2's 100 x 10 output). Step by step
/// over a block the chains of different rows overlap.</para>
/// <para>The divisions and the gradient <c>scale * (p * tsum - t)</c> run on vectors of 16, 8 and 4 lanes along the row,
/// then scalars: one division or multiplication per lane, rounded as the scalar one.</para>
/// </remarks>
internal static unsafe class SoftmaxRows
{
    /// <summary>Rows per block: the per-row values of a block (maxima, sums, logarithms) live on the stack.</summary>
    internal const int BlockRows = 64;

    /// <summary>Softmax of every row of <paramref name="cols"/> values in <c>[p, p + length)</c>, in place.</summary>
    public static void Softmax<T>(T* p, int length, int cols) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T* sums = stackalloc T[BlockRows];
        for (int r0 = 0; r0 + cols <= length; r0 += BlockRows * cols)
        {
            int rows = Math.Min(BlockRows, (length - r0) / cols);
            T* block = p + r0;
            for (int j = 0; j < rows; j++) ShiftByMax(block + j * cols, block + j * cols, cols);
            Activations.ExpInPlace(new Span<T>(block, rows * cols));
            for (int j = 0; j < rows; j++) sums[j] = SumInOrder(block + j * cols, cols);
            for (int j = 0; j < rows; j++) DivideRow(block + j * cols, cols, sums[j]);
        }
    }

    /// <summary>
    /// The fused softmax + cross-entropy of <see cref="LossFunctions.SoftmaxCrossEntropy{T}"/> over checked buffers of
    /// <paramref name="length"/> values; returns the sum of the rows' losses.
    /// </summary>
    public static T CrossEntropy<T>(T* z, T* p, T* t, T* dz, int length, int cols, T scale) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T* max = stackalloc T[BlockRows];
        T* lse = stackalloc T[BlockRows];
        T sum = T.Zero;
        for (int r0 = 0; r0 + cols <= length; r0 += BlockRows * cols)
        {
            int rows = Math.Min(BlockRows, (length - r0) / cols);
            T* zb = z + r0, pb = p + r0, tb = t + r0, db = dz + r0;
            // exp(z - max) of every row into dz (overwritten below), by the softmax's vector exponential.
            for (int j = 0; j < rows; j++) max[j] = ShiftByMax(zb + j * cols, db + j * cols, cols);
            Activations.ExpInPlace(new Span<T>(db, rows * cols));
            // Each row's sum of exponentials, then, in the same slot, its log-sum-exp.
            for (int j = 0; j < rows; j++) lse[j] = SumInOrder(db + j * cols, cols);
            for (int j = 0; j < rows; j++) lse[j] = max[j] + T.Log(lse[j]);
            for (int j = 0; j < rows; j++)
            {
                T* zr = zb + j * cols, tr = tb + j * cols;
                T tsum = T.Zero;
                for (int i = 0; i < cols; i++)
                {
                    if (tr[i] != T.Zero) sum += tr[i] * (lse[j] - zr[i]);
                    tsum += tr[i];
                }
                GradientRow(db + j * cols, pb + j * cols, tr, cols, tsum, scale);
            }
        }
        return sum;
    }

    /// <summary><c>destination[i] = row[i] - max</c> (the two may be the same); returns <c>max</c>, found with <c>T.Max</c> from the first value on.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T ShiftByMax<T>(T* row, T* destination, int cols) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T max = row[0];
        for (int i = 1; i < cols; i++) max = T.Max(max, row[i]);
        for (int i = 0; i < cols; i++) destination[i] = row[i] - max;
        return max;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T SumInOrder<T>(T* row, int cols) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T sum = T.Zero;
        for (int i = 0; i < cols; i++) sum += row[i];
        return sum;
    }

    /// <summary><c>row[i] /= divisor</c>.</summary>
    private static void DivideRow<T>(T* row, int cols, T divisor) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<T> d = Vector512.Create(divisor);
            for (; i + Vector512<T>.Count <= cols; i += Vector512<T>.Count) Vector512.Store(Vector512.Load(row + i) / d, row + i);
        }
        if (Vector256.IsHardwareAccelerated && i + Vector256<T>.Count <= cols)
        {
            Vector256<T> d = Vector256.Create(divisor);
            for (; i + Vector256<T>.Count <= cols; i += Vector256<T>.Count) Vector256.Store(Vector256.Load(row + i) / d, row + i);
        }
        if (Vector128.IsHardwareAccelerated && i + Vector128<T>.Count <= cols)
        {
            Vector128<T> d = Vector128.Create(divisor);
            for (; i + Vector128<T>.Count <= cols; i += Vector128<T>.Count) Vector128.Store(Vector128.Load(row + i) / d, row + i);
        }
        for (; i < cols; i++) row[i] /= divisor;
    }

    /// <summary><c>dz[i] = scale * (p[i] * tsum - t[i])</c>: a product, a difference and a product, each rounded.</summary>
    private static void GradientRow<T>(T* dz, T* p, T* t, int cols, T tsum, T scale) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<T> ts = Vector512.Create(tsum), sc = Vector512.Create(scale);
            for (; i + Vector512<T>.Count <= cols; i += Vector512<T>.Count)
                Vector512.Store(sc * (Vector512.Load(p + i) * ts - Vector512.Load(t + i)), dz + i);
        }
        if (Vector256.IsHardwareAccelerated && i + Vector256<T>.Count <= cols)
        {
            Vector256<T> ts = Vector256.Create(tsum), sc = Vector256.Create(scale);
            for (; i + Vector256<T>.Count <= cols; i += Vector256<T>.Count)
                Vector256.Store(sc * (Vector256.Load(p + i) * ts - Vector256.Load(t + i)), dz + i);
        }
        if (Vector128.IsHardwareAccelerated && i + Vector128<T>.Count <= cols)
        {
            Vector128<T> ts = Vector128.Create(tsum), sc = Vector128.Create(scale);
            for (; i + Vector128<T>.Count <= cols; i += Vector128<T>.Count)
                Vector128.Store(sc * (Vector128.Load(p + i) * ts - Vector128.Load(t + i)), dz + i);
        }
        for (; i < cols; i++) dz[i] = scale * (p[i] * tsum - t[i]);
    }
}
