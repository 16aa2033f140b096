using System;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Dsl.Runtime;

/// <summary>
/// Helpers of the generated "lanes" path of tiny networks: a batch is processed in groups of as many samples as a SIMD
/// vector has lanes, one sample per lane, so a unit of a layer is one vector statement such as
/// <c>a1_0 = Lanes.Tanh(b1_0 + w1_0_0 * x0 + w1_0_1 * x1)</c>. This class loads a group's columns out of row-major
/// batches and stores them back, builds targets from labels, evaluates activations and loss functions lane by lane, and
/// sums lanes in a fixed order; for <see cref="Vector512{T}"/> (16 floats or 8 doubles, on processors that run AVX-512
/// natively) and for <see cref="Vector{T}"/> (the processor's preferred width: 8 floats with AVX2, 4 on Arm).
/// </summary>
/// <remarks>
/// <para>Generated code holds the lanes methods twice, over each vector type, and picks one with
/// <see cref="Vector512.IsHardwareAccelerated"/>: without AVX-512, <see cref="Vector512{T}"/> arithmetic is a software
/// fallback the JIT stops inlining in methods this large, about 20 times slower. Results depend on the lane count (it
/// decides which samples share a partial sum), so they are reproducible on one machine whatever the number of threads,
/// but may differ in the last bits between an AVX-512 and an AVX2 machine.</para>
/// <para>Exponentials are written out here: .NET 10's <see cref="Vector512.Exp(Vector512{float})"/> is as accurate but
/// computes in double (5.7 ns per 16 floats on the reference machine, against 3.0 ns), and .NET has no vector
/// <c>expm1</c>, which tanh and the softplus derivative need near 0. The reduction is Cody-Waite, <c>x = n ln2 + r</c>,
/// <c>|r| &lt;= ln2 / 2</c>, then the Taylor series of <c>expm1(r)</c> to <c>r^7/7!</c> (float; truncation below 1.3e-8
/// relative) or <c>r^13/13!</c> (double; below 1e-17); softplus's <c>log1p(u)</c>, <c>u</c> in [0, 1], reduces exactly to
/// <c>2 atanh(s)</c>, <c>|s| &lt;= 0.1716</c>, summed to <c>s^9</c> (float) or <c>s^21</c> (double). The logarithm of the
/// loss is .NET's. The error bounds in the summaries are those <c>LanesTests</c> asserts against <see cref="Math"/>
/// (measured maxima and costs in docs/perf-lanes.md).</para>
/// </remarks>
public static partial class Lanes
{
    // ---------------------------------------------------------------------------------------------------------------
    // Moving groups in and out of row-major batches.
    // ---------------------------------------------------------------------------------------------------------------

    /// <summary>
    /// Column <paramref name="column"/> of rows <c>first .. first + count - 1</c> of a row-major <c>[rows, width]</c>
    /// batch, one row per lane: lane <c>j</c> holds <c>rows[(first + j) * width + column]</c> for <c>j &lt; count</c>,
    /// and 0 in the lanes past <paramref name="count"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The rows or the column lie outside the batch, or
    /// <paramref name="count"/> is not in 1 .. <c>Vector512&lt;T&gt;.Count</c>.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Column512<T>(ReadOnlySpan<T> rows, int first, int count, int width, int column)
        where T : unmanaged, IFloatingPointIeee754<T>
        => LaneGroups.Column<Vector512<T>, T>(rows, first, count, width, column);

    /// <summary>As <see cref="Column512{T}"/>, in the lanes of a <see cref="Vector{T}"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">As <see cref="Column512{T}"/>, with <c>Vector&lt;T&gt;.Count</c>.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> ColumnVector<T>(ReadOnlySpan<T> rows, int first, int count, int width, int column)
        where T : unmanaged, IFloatingPointIeee754<T>
        => LaneGroups.Column<Vector<T>, T>(rows, first, count, width, column);

    /// <summary>
    /// The inverse of <see cref="Column512{T}"/>: writes lane <c>j</c> of <paramref name="values"/> to
    /// <c>rows[(first + j) * width + column]</c> for <c>j &lt; count</c>; the other lanes are dropped.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">As <see cref="Column512{T}"/>.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreColumn<T>(Span<T> rows, int first, int count, int width, int column, Vector512<T> values)
        where T : unmanaged, IFloatingPointIeee754<T>
        => LaneGroups.StoreColumn(rows, first, count, width, column, values);

    /// <inheritdoc cref="StoreColumn{T}(Span{T}, int, int, int, int, Vector512{T})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreColumn<T>(Span<T> rows, int first, int count, int width, int column, Vector<T> values)
        where T : unmanaged, IFloatingPointIeee754<T>
        => LaneGroups.StoreColumn(rows, first, count, width, column, values);

    /// <summary>
    /// The labels of samples <c>first .. first + count - 1</c>, one per lane, as values of <typeparamref name="T"/> (0 in
    /// the lanes past <paramref name="count"/>). Each label must be a class in [0, <paramref name="classes"/>), or 0 or 1
    /// when <paramref name="classes"/> is 1 (a single output whose target is the label itself), as
    /// <see cref="Targets.FromLabels{T}"/> requires.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A label is not a valid class (the message names the sample), or
    /// the range lies outside <paramref name="labels"/>.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Labels512<T>(ReadOnlySpan<int> labels, int first, int count, int classes)
        where T : unmanaged, IFloatingPointIeee754<T>
        => LaneGroups.Labels<Vector512<T>, T>(labels, first, count, classes);

    /// <summary>As <see cref="Labels512{T}"/>, in the lanes of a <see cref="Vector{T}"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">As <see cref="Labels512{T}"/>.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> LabelsVector<T>(ReadOnlySpan<int> labels, int first, int count, int classes)
        where T : unmanaged, IFloatingPointIeee754<T>
        => LaneGroups.Labels<Vector<T>, T>(labels, first, count, classes);

    /// <summary>The one-hot target of class <paramref name="k"/>: 1 in the lanes whose label is <paramref name="k"/>, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> OneHot<T>(Vector512<T> labels, int k) where T : unmanaged, IFloatingPointIeee754<T>
        => Vector512.Equals(labels, Vector512.Create(T.CreateTruncating(k))) & Vector512<T>.One;

    /// <inheritdoc cref="OneHot{T}(Vector512{T}, int)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> OneHot<T>(Vector<T> labels, int k) where T : unmanaged, IFloatingPointIeee754<T>
        => Vector.Equals(labels, Vector.Create(T.CreateTruncating(k))) & Vector<T>.One;

    /// <summary>1 in the first <paramref name="count"/> lanes, 0 in the others: multiplies away what padding lanes computed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> FirstLanes512<T>(int count) where T : unmanaged, IFloatingPointIeee754<T>
        => Vector512.LessThan(Vector512<T>.Indices, Vector512.Create(T.CreateTruncating(count))) & Vector512<T>.One;

    /// <summary>As <see cref="FirstLanes512{T}"/>, in the lanes of a <see cref="Vector{T}"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> FirstLanesVector<T>(int count) where T : unmanaged, IFloatingPointIeee754<T>
        => Vector.LessThan(Vector<T>.Indices, Vector.Create(T.CreateTruncating(count))) & Vector<T>.One;

    /// <summary>
    /// The sum of the lanes, always in the same order: lane <c>j</c> and lane <c>j + Count/2</c> first, halving until one
    /// value is left. Generated code calls it once per parameter after the groups, so it is not inlined: the JIT's
    /// inlining budget is left to the loop.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static T Sum<T>(Vector512<T> v) where T : unmanaged, IFloatingPointIeee754<T> => LaneGroups.Sum<Vector512<T>, T>(v);

    /// <inheritdoc cref="Sum{T}(Vector512{T})"/>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static T Sum<T>(Vector<T> v) where T : unmanaged, IFloatingPointIeee754<T> => LaneGroups.Sum<Vector<T>, T>(v);
}

/// <summary>The group operations behind <see cref="Lanes"/>, written once over the vector type <c>V</c> (Vector512 or Vector of T).</summary>
internal static class LaneGroups
{
    /// <summary>See <see cref="Lanes.Sum{T}(Vector512{T})"/>: halves added until one 128-bit vector is left, then its lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static T Sum<V, T>(V v) where V : struct where T : unmanaged, IFloatingPointIeee754<T>
    {
        Vector128<T> v128;
        if (Unsafe.SizeOf<V>() == 64)
        {
            Vector512<T> v512 = Unsafe.BitCast<V, Vector512<T>>(v);
            Vector256<T> v256 = v512.GetLower() + v512.GetUpper();
            v128 = v256.GetLower() + v256.GetUpper();
        }
        else if (Unsafe.SizeOf<V>() == 32)
        {
            Vector256<T> v256 = Unsafe.BitCast<V, Vector256<T>>(v);
            v128 = v256.GetLower() + v256.GetUpper();
        }
        else v128 = Unsafe.BitCast<V, Vector128<T>>(v);
        if (Vector128<T>.Count == 2) return v128.GetElement(0) + v128.GetElement(1);
        return (v128.GetElement(0) + v128.GetElement(2)) + (v128.GetElement(1) + v128.GetElement(3));
    }

    /// <summary>See <see cref="Lanes.Column512{T}"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe V Column<V, T>(ReadOnlySpan<T> rows, int first, int count, int width, int column)
        where V : struct where T : unmanaged
    {
        int lanes = Unsafe.SizeOf<V>() / Unsafe.SizeOf<T>();
        CheckGroup(rows.Length, first, count, width, column, lanes, nameof(rows));
        ref T row = ref Unsafe.Add(ref MemoryMarshal.GetReference(rows), first * width);
        if (count == lanes)
        {
            // One value per row: the column is contiguous. Two (AVX-512): two loads and a permute take every other value.
            if (width == 1) return Unsafe.ReadUnaligned<V>(ref Unsafe.As<T, byte>(ref row));
            if (width == 2 && Unsafe.SizeOf<V>() == 64 && Avx512F.IsSupported)
                return Unsafe.BitCast<Vector512<T>, V>(PickEveryOther(Vector512.LoadUnsafe(ref row), Vector512.LoadUnsafe(ref row, (nuint)Vector512<T>.Count), column));
            // Otherwise 256-bit gathers (.NET exposes none of 512 bits): one per 32 bytes of lanes.
            if (Avx2.IsSupported && Unsafe.SizeOf<V>() is 32 or 64)
            {
                fixed (T* p = &Unsafe.Add(ref row, column))
                {
                    V v = default;
                    ref byte lanesBytes = ref Unsafe.As<V, byte>(ref v);
                    int perGather = 32 / sizeof(T);
                    for (int part = 0; part * 32 < Unsafe.SizeOf<V>(); part++)
                    {
                        if (typeof(T) == typeof(float))
                            Unsafe.WriteUnaligned(ref Unsafe.Add(ref lanesBytes, part * 32), Avx2.GatherVector256((float*)p + part * perGather * width, Vector256.CreateSequence(0, width), 4));
                        else
                            Unsafe.WriteUnaligned(ref Unsafe.Add(ref lanesBytes, part * 32), Avx2.GatherVector256((double*)p + part * perGather * width, Vector128.CreateSequence(0, width), 8));
                    }
                    return v;
                }
            }
        }
        V result = default;
        ref T start = ref Unsafe.Add(ref row, column);
        ref T lane = ref Unsafe.As<V, T>(ref result);
        for (int j = 0; j < count; j++) Unsafe.Add(ref lane, j) = Unsafe.Add(ref start, j * width);
        return result;
    }

    /// <summary>See <see cref="Lanes.StoreColumn{T}(Span{T}, int, int, int, int, Vector512{T})"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void StoreColumn<V, T>(Span<T> rows, int first, int count, int width, int column, V values)
        where V : struct where T : unmanaged
    {
        int lanes = Unsafe.SizeOf<V>() / Unsafe.SizeOf<T>();
        CheckGroup(rows.Length, first, count, width, column, lanes, nameof(rows));
        ref T row = ref Unsafe.Add(ref MemoryMarshal.GetReference(rows), first * width);
        if (count == lanes)
        {
            if (width == 1)
            {
                Unsafe.WriteUnaligned(ref Unsafe.As<T, byte>(ref row), values);
                return;
            }
            if (width == 2 && Unsafe.SizeOf<V>() == 64 && Avx512F.IsSupported)
            {
                // The two vectors of rows with the column's values put in every other place.
                nuint half = (nuint)Vector512<T>.Count;
                var (low, high) = PutEveryOther(Vector512.LoadUnsafe(ref row), Vector512.LoadUnsafe(ref row, half), Unsafe.BitCast<V, Vector512<T>>(values), column);
                low.StoreUnsafe(ref row);
                high.StoreUnsafe(ref row, half);
                return;
            }
        }
        ref T start = ref Unsafe.Add(ref row, column);
        ref T lane = ref Unsafe.As<V, T>(ref values);
        for (int j = 0; j < count; j++) Unsafe.Add(ref start, j * width) = Unsafe.Add(ref lane, j);
    }

    /// <summary>See <see cref="Lanes.Labels512{T}"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static V Labels<V, T>(ReadOnlySpan<int> labels, int first, int count, int classes)
        where V : struct where T : unmanaged, IFloatingPointIeee754<T>
    {
        int lanes = Unsafe.SizeOf<V>() / Unsafe.SizeOf<T>();
        CheckGroup(labels.Length, first, count, 1, 0, lanes, nameof(labels));
        uint limit = classes == 1 ? 2u : (uint)classes;
        ref int start = ref Unsafe.Add(ref MemoryMarshal.GetReference(labels), first);
        if (typeof(T) == typeof(float) && count == lanes)
        {
            // A float lane is as wide as an int: load the labels as one vector, check them at once, convert.
            if (Unsafe.SizeOf<V>() == 64)
            {
                Vector512<int> v = Vector512.LoadUnsafe(ref start);
                if (Vector512.GreaterThanOrEqualAny(v.AsUInt32(), Vector512.Create(limit))) ThrowBadLabel(labels, first, count, classes);
                return Unsafe.BitCast<Vector512<float>, V>(Vector512.ConvertToSingle(v));
            }
            if (Unsafe.SizeOf<V>() == Unsafe.SizeOf<Vector<int>>())
            {
                Vector<int> v = Vector.LoadUnsafe(ref start);
                if (Vector.GreaterThanOrEqualAny(v.As<int, uint>(), Vector.Create(limit))) ThrowBadLabel(labels, first, count, classes);
                return Unsafe.BitCast<Vector<float>, V>(Vector.ConvertToSingle(v));
            }
        }
        V result = default;
        ref T lane = ref Unsafe.As<V, T>(ref result);
        for (int j = 0; j < count; j++)
        {
            int label = Unsafe.Add(ref start, j);
            if ((uint)label >= limit) ThrowBadLabel(labels, first, count, classes);
            Unsafe.Add(ref lane, j) = T.CreateTruncating(label);
        }
        return result;
    }

    /// <summary>Elements <c>column, column + 2, ...</c> of the concatenation <c>low : high</c> (AVX-512 only).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> PickEveryOther<T>(Vector512<T> low, Vector512<T> high, int column)
    {
        if (typeof(T) == typeof(float))
            return Avx512F.PermuteVar16x32x2(low.AsSingle(), Vector512.CreateSequence(column, 2), high.AsSingle()).As<float, T>();
        return Avx512F.PermuteVar8x64x2(low.AsDouble(), Vector512.CreateSequence((long)column, 2), high.AsDouble()).As<double, T>();
    }

    /// <summary>
    /// <c>low : high</c> with elements <c>column, column + 2, ...</c> replaced by the lanes of <paramref name="values"/>
    /// (AVX-512 only): the inverse of <see cref="PickEveryOther{T}"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<T> Low, Vector512<T> High) PutEveryOther<T>(Vector512<T> low, Vector512<T> high, Vector512<T> values, int column)
    {
        // Index i < Count picks values[i], Count + i keeps the old element i: place p takes values[p / 2] where p % 2 == column.
        if (typeof(T) == typeof(float))
        {
            Vector512<int> place = Vector512<int>.Indices;
            Vector512<int> mine = Vector512.Equals(place & Vector512<int>.One, Vector512.Create(column));
            Vector512<int> keep = place + Vector512.Create(16);
            Vector512<int> lowIndex = Vector512.ConditionalSelect(mine, Vector512.ShiftRightLogical(place, 1), keep);
            Vector512<int> highIndex = Vector512.ConditionalSelect(mine, Vector512.ShiftRightLogical(place, 1) + Vector512.Create(8), keep);
            return (Avx512F.PermuteVar16x32x2(values.AsSingle(), lowIndex, low.AsSingle()).As<float, T>(),
                Avx512F.PermuteVar16x32x2(values.AsSingle(), highIndex, high.AsSingle()).As<float, T>());
        }
        Vector512<long> p = Vector512<long>.Indices;
        Vector512<long> m = Vector512.Equals(p & Vector512<long>.One, Vector512.Create((long)column));
        Vector512<long> k = p + Vector512.Create(8L);
        Vector512<long> li = Vector512.ConditionalSelect(m, Vector512.ShiftRightLogical(p, 1), k);
        Vector512<long> hi = Vector512.ConditionalSelect(m, Vector512.ShiftRightLogical(p, 1) + Vector512.Create(4L), k);
        return (Avx512F.PermuteVar8x64x2(values.AsDouble(), li, low.AsDouble()).As<double, T>(),
            Avx512F.PermuteVar8x64x2(values.AsDouble(), hi, high.AsDouble()).As<double, T>());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void CheckGroup(int length, int first, int count, int width, int column, int lanes, string name)
    {
        if ((uint)count - 1 >= (uint)lanes || first < 0 || (uint)column >= (uint)width || (long)(first + count) * width > length)
            ThrowBadGroup(length, first, count, width, column, lanes, name);
    }

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowBadGroup(int length, int first, int count, int width, int column, int lanes, string name)
        => throw new ArgumentOutOfRangeException(name,
            $"Expected a group of 1 to {lanes} rows of width {width} (column < width) inside {length} values, found rows {first} .. {first + count - 1}, column {column}.");

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowBadLabel(ReadOnlySpan<int> labels, int first, int count, int classes)
    {
        for (int j = 0; j < count; j++)
        {
            int label = labels[first + j];
            if (classes == 1 && label != 0 && label != 1)
                throw new ArgumentOutOfRangeException(nameof(labels), label, $"Label of sample {first + j} must be 0 or 1 for a model with one output, found {label}.");
            if (classes > 1 && (uint)label >= (uint)classes)
                throw new ArgumentOutOfRangeException(nameof(labels), label, $"Label of sample {first + j} must be a class in [0, {classes}), found {label}.");
        }
        throw new InvalidOperationException("ThrowBadLabel found no bad label.");
    }
}
