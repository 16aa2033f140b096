using System;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Dsl.Runtime;

/// <summary>
/// Helpers of the generated "lanes" path of tiny networks: the batch is processed in groups of
/// <c>Vector512&lt;T&gt;.Count</c> samples (16 floats or 8 doubles), one sample per SIMD lane, so a unit of a layer is
/// one vector statement such as <c>h0 = Lanes.Tanh(b0 + w00 * x0 + w01 * x1)</c>. This class loads a group's
/// columns out of row-major batches, stores them back, builds targets from labels, and evaluates the activations
/// and the loss functions lane by lane.
/// </summary>
/// <remarks>
/// <para>.NET 10 offers <see cref="Vector512.Exp(Vector512{float})"/> and <see cref="Vector512.Log(Vector512{float})"/>,
/// accurate to about 1.5 ulp, but measured at 20-40 ns per 16 floats on the reference machine (they compute in
/// double), which is the whole budget of a group. The functions here are written out instead, with the same
/// accuracy class: a Cody-Waite reduction <c>x = n ln2 + r</c>, <c>|r| &lt;= ln2 / 2</c>, and the Taylor series of
/// <c>expm1(r)</c> to <c>r^7/7!</c> (float; truncation below 1.3e-8 relative) or <c>r^13/13!</c> (double; below
/// 1e-17); logarithms reduce <c>x = 2^e f</c> with <c>f</c> in [√½, √2) and sum <c>log f = 2 atanh(s)</c>,
/// <c>s = (f - 1) / (f + 1)</c>, to <c>s^9</c> (float) or <c>s^21</c> (double). The maximal errors against
/// <see cref="Math"/> are measured by <c>LanesTests</c> and written in each method's documentation.</para>
/// <para>On hardware without AVX-512, <see cref="Vector512{T}"/> operations run as two 256-bit halves; results are
/// the same functions, computed lane by lane in the same order.</para>
/// </remarks>
public static class Lanes
{
    // ln 2 split so that n * Ln2Hi is exact for the n the reductions produce (float: |n| < 2^9; double: |n| < 2^11).
    private const float Ln2HiF = 0.693145751953125f;        // 0x3F317200: 16 significant bits
    private const float Ln2LoF = 1.42860682e-06f;           // ln 2 - Ln2HiF
    private const double Ln2Hi = 0.6931471803691238;        // 0x3FE62E42FEE00000: 32 significant bits
    private const double Ln2Lo = 1.9082149292705877e-10;    // ln 2 - Ln2Hi
    private const double Sqrt2 = 1.4142135623730951;

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
    public static unsafe Vector512<T> Column<T>(ReadOnlySpan<T> rows, int first, int count, int width, int column)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckGroup(rows.Length, first, count, width, column, Vector512<T>.Count, nameof(rows));
        ref T row = ref Unsafe.Add(ref MemoryMarshal.GetReference(rows), first * width);
        if (count == Vector512<T>.Count)
        {
            // One value per row: the column is contiguous. Two: two loads and a two-source permute take every other value.
            if (width == 1) return Vector512.LoadUnsafe(ref row);
            if (width == 2 && Avx512F.IsSupported)
                return PickEveryOther(Vector512.LoadUnsafe(ref row), Vector512.LoadUnsafe(ref row, (nuint)Vector512<T>.Count), column);
        }
        ref T start = ref Unsafe.Add(ref row, column);
        if (Avx2.IsSupported && count == Vector512<T>.Count)
        {
            // Two 256-bit gathers (.NET exposes no 512-bit gather): lanes 0-7 and 8-15 (float) or 0-3 and 4-7 (double).
            fixed (T* p = &start)
            {
                if (typeof(T) == typeof(float))
                {
                    Vector256<int> index = Vector256.CreateSequence(0, width);
                    return Vector512.Create(Avx2.GatherVector256((float*)p, index, 4), Avx2.GatherVector256((float*)p + 8 * width, index, 4)).As<float, T>();
                }
                if (typeof(T) == typeof(double))
                {
                    Vector128<int> index = Vector128.CreateSequence(0, width);
                    return Vector512.Create(Avx2.GatherVector256((double*)p, index, 8), Avx2.GatherVector256((double*)p + 4 * width, index, 8)).As<double, T>();
                }
            }
        }
        Vector512<T> v = Vector512<T>.Zero;
        ref T lanes = ref Unsafe.As<Vector512<T>, T>(ref v);
        for (int j = 0; j < count; j++) Unsafe.Add(ref lanes, j) = Unsafe.Add(ref start, j * width);
        return v;
    }

    /// <summary>
    /// The inverse of <see cref="Column{T}"/>: writes lane <c>j</c> of <paramref name="values"/> to
    /// <c>rows[(first + j) * width + column]</c> for <c>j &lt; count</c>; the other lanes are dropped.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">As <see cref="Column{T}"/>.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreColumn<T>(Span<T> rows, int first, int count, int width, int column, Vector512<T> values)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckGroup(rows.Length, first, count, width, column, Vector512<T>.Count, nameof(rows));
        ref T row = ref Unsafe.Add(ref MemoryMarshal.GetReference(rows), first * width);
        if (count == Vector512<T>.Count)
        {
            if (width == 1)
            {
                values.StoreUnsafe(ref row);
                return;
            }
            if (width == 2 && Avx512F.IsSupported)
            {
                // The two vectors of 8 (16) rows with the column's values put in every other place.
                nuint half = (nuint)Vector512<T>.Count;
                var (low, high) = PutEveryOther(Vector512.LoadUnsafe(ref row), Vector512.LoadUnsafe(ref row, half), values, column);
                low.StoreUnsafe(ref row);
                high.StoreUnsafe(ref row, half);
                return;
            }
        }
        ref T start = ref Unsafe.Add(ref row, column);
        ref T lanes = ref Unsafe.As<Vector512<T>, T>(ref values);
        for (int j = 0; j < count; j++) Unsafe.Add(ref start, j * width) = Unsafe.Add(ref lanes, j);
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

    /// <summary>
    /// The labels of samples <c>first .. first + count - 1</c>, one per lane, as values of <typeparamref name="T"/>
    /// (0 in the lanes past <paramref name="count"/>). Each label must be a class in [0, <paramref name="classes"/>),
    /// or 0 or 1 when <paramref name="classes"/> is 1 (a single output whose target is the label itself), as
    /// <see cref="Targets.FromLabels{T}"/> requires.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A label is not a valid class (the message names the sample), or
    /// the range lies outside <paramref name="labels"/>.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Labels<T>(ReadOnlySpan<int> labels, int first, int count, int classes)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckGroup(labels.Length, first, count, 1, 0, Vector512<T>.Count, nameof(labels));
        int limit = classes == 1 ? 2 : classes;
        ref int start = ref Unsafe.Add(ref MemoryMarshal.GetReference(labels), first);
        if (typeof(T) == typeof(float) && count == Vector512<float>.Count)
        {
            Vector512<int> v = Vector512.LoadUnsafe(ref start);
            if (Vector512.GreaterThanOrEqualAny(v.AsUInt32(), Vector512.Create((uint)limit)))
                ThrowBadLabel(labels, first, count, classes);
            return Vector512.ConvertToSingle(v).As<float, T>();
        }
        Vector512<T> result = Vector512<T>.Zero;
        ref T lanes = ref Unsafe.As<Vector512<T>, T>(ref result);
        for (int j = 0; j < count; j++)
        {
            int label = Unsafe.Add(ref start, j);
            if ((uint)label >= (uint)limit) ThrowBadLabel(labels, first, count, classes);
            Unsafe.Add(ref lanes, j) = T.CreateTruncating(label);
        }
        return result;
    }

    /// <summary>The one-hot target of class <paramref name="k"/>: 1 in the lanes whose label is <paramref name="k"/>, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> OneHot<T>(Vector512<T> labels, int k) where T : unmanaged, IFloatingPointIeee754<T>
        => Vector512.Equals(labels, Vector512.Create(T.CreateTruncating(k))) & Vector512<T>.One;

    /// <summary>1 in the first <paramref name="count"/> lanes, 0 in the others: multiplies away what padding lanes computed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> FirstLanes<T>(int count) where T : unmanaged, IFloatingPointIeee754<T>
        => Vector512.LessThan(Vector512<T>.Indices, Vector512.Create(T.CreateTruncating(count))) & Vector512<T>.One;

    /// <summary>
    /// The sum of the lanes, always in the same order: lane <c>j</c> and lane <c>j + Count/2</c> first, halving until
    /// one value is left (the order of <see cref="Vector512.Sum{T}(Vector512{T})"/> on AVX-512 hardware).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum<T>(Vector512<T> v) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Vector256<T> v256 = v.GetLower() + v.GetUpper();
        Vector128<T> v128 = v256.GetLower() + v256.GetUpper();
        if (Vector128<T>.Count == 2) return v128.GetElement(0) + v128.GetElement(1);
        T a = v128.GetElement(0) + v128.GetElement(2);
        T b = v128.GetElement(1) + v128.GetElement(3);
        return a + b;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CheckGroup(int length, int first, int count, int width, int column, int lanes, string name)
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

    // ---------------------------------------------------------------------------------------------------------------
    // Activations (float).
    // ---------------------------------------------------------------------------------------------------------------

    /// <summary>
    /// <c>tanh(z) = sign(z) · (-u / (u + 2))</c> with <c>u = expm1(-2|z|)</c>, which has no cancellation near 0.
    /// Maximal error 3 ulp (<c>LanesTests</c> against <see cref="Math.Tanh"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Tanh(Vector512<float> z)
    {
        Vector512<float> u = ExpM1NonPositive(Vector512.Abs(z) * Vector512.Create(-2f));
        return Vector512.CopySign(-u / (u + Vector512.Create(2f)), z);
    }

    /// <summary>
    /// <c>sigmoid(z) = 1 / (1 + e)</c> for <c>z &gt;= 0</c> and <c>e / (1 + e)</c> below, with <c>e = exp(-|z|)</c>:
    /// no overflow, full relative accuracy on both tails. Maximal error 2 ulp.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Sigmoid(Vector512<float> z)
    {
        Vector512<float> e = Exp(-Vector512.Abs(z));
        Vector512<float> numerator = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(z, Vector512<float>.Zero), Vector512<float>.One, e);
        return numerator / (Vector512<float>.One + e);
    }

    /// <summary><c>softplus(z) = max(z, 0) + log1p(exp(-|z|))</c>. Maximal error 2 ulp.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Softplus(Vector512<float> z)
        => Vector512.Max(z, Vector512<float>.Zero) + Log1pUnit(Exp(-Vector512.Abs(z)));

    /// <summary><c>max(z, 0)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ReLU(Vector512<float> z) => Vector512.Max(z, Vector512<float>.Zero);

    /// <summary>Tanh'(z) from y = tanh(z): <c>1 - y²</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> TanhDerivative(Vector512<float> y) => Vector512<float>.One - y * y;

    /// <summary>Sigmoid'(z) from y = sigmoid(z): <c>y (1 - y)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> SigmoidDerivative(Vector512<float> y) => y * (Vector512<float>.One - y);

    /// <summary>ReLU'(z) from y = relu(z): 1 where <c>y &gt; 0</c>, else 0 (0 at z = 0, as PyTorch).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ReLUDerivative(Vector512<float> y) => Vector512.GreaterThan(y, Vector512<float>.Zero) & Vector512<float>.One;

    /// <summary>Softplus'(z) = sigmoid(z) from y = softplus(z): <c>1 - exp(-y) = -expm1(-y)</c>, accurate for small y too.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> SoftplusDerivative(Vector512<float> y) => -ExpM1NonPositive(-y);

    /// <summary>
    /// <c>e^x</c>: <c>2^n (1 + expm1(r))</c> with <c>x = n ln2 + r</c>. Overflows to +∞ above 88.72; results below
    /// 2^-126 are subnormal, computed by scaling in two halves; NaN stays NaN. Maximal error 1 ulp on [-87, 88].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> x)
    {
        x = Vector512.Min(Vector512.Max(x, Vector512.Create(-104f)), Vector512.Create(89f));
        Vector512<float> n = Vector512.Round(x * Vector512.Create(1.44269504f));
        Vector512<float> r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2HiF), x);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2LoF), r);
        Vector512<float> p = Vector512<float>.One + ExpM1Series(r);
        // 2^n as two powers of two, so that n down to -150 keeps both factors normal.
        Vector512<int> k = Vector512.ConvertToInt32Native(n);
        Vector512<int> k1 = Vector512.ShiftRightArithmetic(k, 1);
        return p * PowerOfTwo(k1) * PowerOfTwo(k - k1);
    }

    /// <summary>
    /// Natural logarithm: <c>x = 2^e f</c>, <c>f</c> in [√½, √2), <c>log x = e ln2 + 2 atanh((f - 1) / (f + 1))</c>.
    /// 0 gives -∞, negative values and NaN give NaN, +∞ gives +∞; subnormal inputs are scaled first.
    /// Maximal error 1 ulp.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Log(Vector512<float> x)
    {
        Vector512<float> subnormal = Vector512.LessThan(x, Vector512.Create(1.17549435e-38f));
        Vector512<float> scaled = Vector512.ConditionalSelect(subnormal, x * Vector512.Create(16777216f), x);
        Vector512<int> bits = scaled.AsInt32();
        Vector512<int> e = Vector512.ShiftRightArithmetic(bits, 23) - Vector512.Create(127);
        Vector512<float> f = ((bits & Vector512.Create(0x007FFFFF)) | Vector512.Create(0x3F800000)).AsSingle();
        Vector512<float> big = Vector512.GreaterThanOrEqual(f, Vector512.Create((float)Sqrt2));
        f = Vector512.ConditionalSelect(big, f * Vector512.Create(0.5f), f);
        Vector512<float> ef = Vector512.ConvertToSingle(e) + (big & Vector512<float>.One) - (subnormal & Vector512.Create(24f));
        Vector512<float> log = Vector512.FusedMultiplyAdd(ef, Vector512.Create(Ln2HiF),
            Vector512.FusedMultiplyAdd(ef, Vector512.Create(Ln2LoF), Log1pSeries(f - Vector512<float>.One)));
        // Outside (0, +∞): log 0 = -∞, log of a negative number or NaN is NaN, log +∞ = +∞.
        log = Vector512.ConditionalSelect(Vector512.Equals(x, Vector512<float>.Zero), Vector512.Create(float.NegativeInfinity), log);
        log = Vector512.ConditionalSelect(Vector512.Equals(x, Vector512.Create(float.PositiveInfinity)), x, log);
        return Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<float>.Zero) | ~Vector512.Equals(x, x), Vector512.Create(float.NaN), log);
    }

    /// <summary><c>expm1(x)</c> for <c>x &lt;= 0</c>: <c>2^n expm1(r) + (2^n - 1)</c>, exact reduction, no cancellation.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> ExpM1NonPositive(Vector512<float> x)
    {
        x = Vector512.Max(x, Vector512.Create(-40f)); // expm1(-40) is -1 to float precision
        Vector512<float> n = Vector512.Round(x * Vector512.Create(1.44269504f));
        Vector512<float> r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2HiF), x);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2LoF), r);
        Vector512<float> s = PowerOfTwo(Vector512.ConvertToInt32Native(n));
        return Vector512.FusedMultiplyAdd(s, ExpM1Series(r), s - Vector512<float>.One);
    }

    /// <summary><c>log1p(u)</c> for <c>u</c> in [0, 1], the range softplus needs; the reduction to [√½ - 1, √2 - 1) is exact.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> Log1pUnit(Vector512<float> u)
    {
        // 1 + u = 2 (1 + g) with g = (u - 1) / 2 when 1 + u >= √2; both u - 1 and the halving are exact.
        Vector512<float> big = Vector512.GreaterThanOrEqual(u, Vector512.Create((float)(Sqrt2 - 1)));
        Vector512<float> g = Vector512.ConditionalSelect(big, (u - Vector512<float>.One) * Vector512.Create(0.5f), u);
        return (big & Vector512.Create((float)Math.Log(2))) + Log1pSeries(g);
    }

    /// <summary>Taylor series of <c>expm1(r)</c> for <c>|r| &lt;= ln2 / 2</c>, to <c>r^7 / 7!</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> ExpM1Series(Vector512<float> r)
    {
        Vector512<float> p = Vector512.FusedMultiplyAdd(r, Vector512.Create(1f / 5040), Vector512.Create(1f / 720));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1f / 120));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1f / 24));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1f / 6));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(0.5f));
        return Vector512.FusedMultiplyAdd(p * r, r, r);
    }

    /// <summary><c>log1p(g) = 2 atanh(s)</c>, <c>s = g / (2 + g)</c>, for <c>g</c> in [√½ - 1, √2 - 1): <c>|s| &lt;= 0.1716</c>, series to <c>s^9</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Log1pSeries(Vector512<float> g)
    {
        Vector512<float> s = g / (Vector512.Create(2f) + g);
        Vector512<float> s2 = s * s;
        Vector512<float> p = Vector512.FusedMultiplyAdd(s2, Vector512.Create(2f / 9), Vector512.Create(2f / 7));
        p = Vector512.FusedMultiplyAdd(p, s2, Vector512.Create(2f / 5));
        p = Vector512.FusedMultiplyAdd(p, s2, Vector512.Create(2f / 3));
        // 2s + s·s2·p, with 2s written as s + s so the leading term is exact.
        return Vector512.FusedMultiplyAdd(s * s2, p, s + s);
    }

    /// <summary><c>2^k</c> for integer <c>k</c> in [-126, 127], built in the exponent field.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> PowerOfTwo(Vector512<int> k)
        => Vector512.ShiftLeft(k + Vector512.Create(127), 23).AsSingle();

    // ---------------------------------------------------------------------------------------------------------------
    // Activations (double): the same algorithms with longer series.
    // ---------------------------------------------------------------------------------------------------------------

    /// <summary>As <see cref="Tanh(Vector512{float})"/>, in double precision. Maximal error 3 ulp.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Tanh(Vector512<double> z)
    {
        Vector512<double> u = ExpM1NonPositive(Vector512.Abs(z) * Vector512.Create(-2.0));
        return Vector512.CopySign(-u / (u + Vector512.Create(2.0)), z);
    }

    /// <summary>As <see cref="Sigmoid(Vector512{float})"/>, in double precision. Maximal error 2 ulp.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Sigmoid(Vector512<double> z)
    {
        Vector512<double> e = Exp(-Vector512.Abs(z));
        Vector512<double> numerator = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(z, Vector512<double>.Zero), Vector512<double>.One, e);
        return numerator / (Vector512<double>.One + e);
    }

    /// <summary>As <see cref="Softplus(Vector512{float})"/>, in double precision. Maximal error 2 ulp.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Softplus(Vector512<double> z)
        => Vector512.Max(z, Vector512<double>.Zero) + Log1pUnit(Exp(-Vector512.Abs(z)));

    /// <summary><c>max(z, 0)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> ReLU(Vector512<double> z) => Vector512.Max(z, Vector512<double>.Zero);

    /// <summary>As <see cref="TanhDerivative(Vector512{float})"/>, in double precision.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> TanhDerivative(Vector512<double> y) => Vector512<double>.One - y * y;

    /// <summary>As <see cref="SigmoidDerivative(Vector512{float})"/>, in double precision.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> SigmoidDerivative(Vector512<double> y) => y * (Vector512<double>.One - y);

    /// <summary>As <see cref="ReLUDerivative(Vector512{float})"/>, in double precision.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> ReLUDerivative(Vector512<double> y) => Vector512.GreaterThan(y, Vector512<double>.Zero) & Vector512<double>.One;

    /// <summary>As <see cref="SoftplusDerivative(Vector512{float})"/>, in double precision.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> SoftplusDerivative(Vector512<double> y) => -ExpM1NonPositive(-y);

    /// <summary>As <see cref="Exp(Vector512{float})"/>, in double precision: +∞ above 709.78, subnormal below 2^-1022. Maximal error 1 ulp.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Exp(Vector512<double> x)
    {
        x = Vector512.Min(Vector512.Max(x, Vector512.Create(-746.0)), Vector512.Create(710.0));
        Vector512<double> n = Vector512.Round(x * Vector512.Create(1.4426950408889634));
        Vector512<double> r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Hi), x);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Lo), r);
        Vector512<double> p = Vector512<double>.One + ExpM1Series(r);
        Vector512<long> k = Vector512.ConvertToInt64Native(n);
        Vector512<long> k1 = Vector512.ShiftRightArithmetic(k, 1);
        return p * PowerOfTwo(k1) * PowerOfTwo(k - k1);
    }

    /// <summary>As <see cref="Log(Vector512{float})"/>, in double precision. Maximal error 1 ulp.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Log(Vector512<double> x)
    {
        Vector512<double> subnormal = Vector512.LessThan(x, Vector512.Create(2.2250738585072014e-308));
        Vector512<double> scaled = Vector512.ConditionalSelect(subnormal, x * Vector512.Create(18014398509481984.0), x); // 2^54
        Vector512<long> bits = scaled.AsInt64();
        Vector512<long> e = Vector512.ShiftRightArithmetic(bits, 52) - Vector512.Create(1023L);
        Vector512<double> f = ((bits & Vector512.Create(0x000FFFFFFFFFFFFFL)) | Vector512.Create(0x3FF0000000000000L)).AsDouble();
        Vector512<double> big = Vector512.GreaterThanOrEqual(f, Vector512.Create(Sqrt2));
        f = Vector512.ConditionalSelect(big, f * Vector512.Create(0.5), f);
        Vector512<double> ef = Vector512.ConvertToDouble(e) + (big & Vector512<double>.One) - (subnormal & Vector512.Create(54.0));
        Vector512<double> log = Vector512.FusedMultiplyAdd(ef, Vector512.Create(Ln2Hi),
            Vector512.FusedMultiplyAdd(ef, Vector512.Create(Ln2Lo), Log1pSeries(f - Vector512<double>.One)));
        log = Vector512.ConditionalSelect(Vector512.Equals(x, Vector512<double>.Zero), Vector512.Create(double.NegativeInfinity), log);
        log = Vector512.ConditionalSelect(Vector512.Equals(x, Vector512.Create(double.PositiveInfinity)), x, log);
        return Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<double>.Zero) | ~Vector512.Equals(x, x), Vector512.Create(double.NaN), log);
    }

    /// <summary>As <see cref="ExpM1NonPositive(Vector512{float})"/>, in double precision.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<double> ExpM1NonPositive(Vector512<double> x)
    {
        x = Vector512.Max(x, Vector512.Create(-80.0)); // expm1(-80) is -1 to double precision
        Vector512<double> n = Vector512.Round(x * Vector512.Create(1.4426950408889634));
        Vector512<double> r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Hi), x);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Lo), r);
        Vector512<double> s = PowerOfTwo(Vector512.ConvertToInt64Native(n));
        return Vector512.FusedMultiplyAdd(s, ExpM1Series(r), s - Vector512<double>.One);
    }

    /// <summary>As <see cref="Log1pUnit(Vector512{float})"/>, in double precision.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<double> Log1pUnit(Vector512<double> u)
    {
        Vector512<double> big = Vector512.GreaterThanOrEqual(u, Vector512.Create(Sqrt2 - 1));
        Vector512<double> g = Vector512.ConditionalSelect(big, (u - Vector512<double>.One) * Vector512.Create(0.5), u);
        return (big & Vector512.Create(Math.Log(2))) + Log1pSeries(g);
    }

    /// <summary>Taylor series of <c>expm1(r)</c> for <c>|r| &lt;= ln2 / 2</c>, to <c>r^13 / 13!</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> ExpM1Series(Vector512<double> r)
    {
        Vector512<double> p = Vector512.FusedMultiplyAdd(r, Vector512.Create(1.0 / 6227020800), Vector512.Create(1.0 / 479001600));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0 / 39916800));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0 / 3628800));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0 / 362880));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0 / 40320));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0 / 5040));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0 / 720));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0 / 120));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0 / 24));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0 / 6));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(0.5));
        return Vector512.FusedMultiplyAdd(p * r, r, r);
    }

    /// <summary><c>log1p(g) = 2 atanh(s)</c>, <c>s = g / (2 + g)</c>, <c>|s| &lt;= 0.1716</c>, series to <c>s^21</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> Log1pSeries(Vector512<double> g)
    {
        Vector512<double> s = g / (Vector512.Create(2.0) + g);
        Vector512<double> s2 = s * s;
        Vector512<double> p = Vector512.FusedMultiplyAdd(s2, Vector512.Create(2.0 / 21), Vector512.Create(2.0 / 19));
        p = Vector512.FusedMultiplyAdd(p, s2, Vector512.Create(2.0 / 17));
        p = Vector512.FusedMultiplyAdd(p, s2, Vector512.Create(2.0 / 15));
        p = Vector512.FusedMultiplyAdd(p, s2, Vector512.Create(2.0 / 13));
        p = Vector512.FusedMultiplyAdd(p, s2, Vector512.Create(2.0 / 11));
        p = Vector512.FusedMultiplyAdd(p, s2, Vector512.Create(2.0 / 9));
        p = Vector512.FusedMultiplyAdd(p, s2, Vector512.Create(2.0 / 7));
        p = Vector512.FusedMultiplyAdd(p, s2, Vector512.Create(2.0 / 5));
        p = Vector512.FusedMultiplyAdd(p, s2, Vector512.Create(2.0 / 3));
        return Vector512.FusedMultiplyAdd(s * s2, p, s + s);
    }

    /// <summary><c>2^k</c> for integer <c>k</c> in [-1022, 1023], built in the exponent field.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> PowerOfTwo(Vector512<long> k)
        => Vector512.ShiftLeft(k + Vector512.Create(1023L), 52).AsDouble();
}
