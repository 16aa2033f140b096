using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Dsl.Runtime;

/// <summary>
/// The vector operations the kernels are written in, over one vector width. The kernels are generic over a struct
/// implementing this interface, so the JIT compiles one specialised copy per width and element type, with every call
/// inlined: <see cref="Simd512{T}"/> where <see cref="Vector512.IsHardwareAccelerated"/>, else
/// <see cref="Simd256{T}"/>, else <see cref="Simd128{T}"/>.
/// </summary>
/// <remarks>
/// Every operation works lane by lane except <see cref="Sum"/>, so a value's result never depends on which lane it
/// occupies or what the other lanes hold. <see cref="Fma"/> rounds once, exactly as <c>T.FusedMultiplyAdd</c> does,
/// so a kernel's scalar tail reproduces its vector lanes bit for bit.
/// </remarks>
internal unsafe interface ISimd<TV, T>
    where TV : struct
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Lanes per vector.</summary>
    static abstract int Count { get; }

    static abstract TV Zero { get; }

    static abstract TV Load(T* p);

    static abstract void Store(T* p, TV v);

    static abstract TV Broadcast(T x);

    /// <summary><c>a * b + c</c> with one rounding.</summary>
    static abstract TV Fma(TV a, TV b, TV c);

    static abstract TV Add(TV a, TV b);

    static abstract TV Subtract(TV a, TV b);

    static abstract TV Multiply(TV a, TV b);

    static abstract TV Divide(TV a, TV b);

    static abstract TV Max(TV a, TV b);

    static abstract TV Sqrt(TV a);

    static abstract TV Abs(TV a);

    static abstract TV CopySign(TV magnitude, TV sign);

    /// <summary><c>a &lt; b ? x : y</c> lane by lane.</summary>
    static abstract TV SelectLess(TV a, TV b, TV x, TV y);

    /// <summary><c>exp(a)</c> lane by lane (the runtime's vectorised implementation, within about 1 ulp).</summary>
    static abstract TV Exp(TV a);

    /// <summary><c>log(a)</c> lane by lane (the runtime's vectorised implementation, within about 1 ulp).</summary>
    static abstract TV Log(TV a);

    /// <summary>The lanes' sum, reduced in a fixed order (halves added pairwise down to one lane).</summary>
    static abstract T Sum(TV v);

    /// <summary>
    /// <c>y[c] = Sum(a_c) + b[c]</c> for the first <paramref name="cols"/> of four accumulators: the same additions as
    /// <see cref="Sum"/> and the bias, so the same bits; 512-bit floats do the four in one set of shuffles.
    /// </summary>
    static abstract void StoreSums4(T* y, T* b, TV a0, TV a1, TV a2, TV a3, int cols);
}

/// <summary>The plain <see cref="ISimd{TV, T}.StoreSums4"/>: one <see cref="ISimd{TV, T}.Sum"/> per accumulator.</summary>
internal static unsafe class SimdSums
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void EachOf<TV, T, S>(T* y, T* b, TV a0, TV a1, TV a2, TV a3, int cols)
        where TV : struct where T : unmanaged, IFloatingPointIeee754<T> where S : ISimd<TV, T>
    {
        y[0] = S.Sum(a0) + b[0];
        if (cols > 1) y[1] = S.Sum(a1) + b[1];
        if (cols > 2) y[2] = S.Sum(a2) + b[2];
        if (cols > 3) y[3] = S.Sum(a3) + b[3];
    }
}

/// <summary>512-bit vectors (AVX-512).</summary>
internal readonly unsafe struct Simd512<T> : ISimd<Vector512<T>, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int Count => Vector512<T>.Count;
    public static Vector512<T> Zero => Vector512<T>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Load(T* p) => Vector512.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(T* p, Vector512<T> v) => v.Store(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Broadcast(T x) => Vector512.Create(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Fma(Vector512<T> a, Vector512<T> b, Vector512<T> c)
        => typeof(T) == typeof(float)
            ? Vector512.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>()
            : Vector512.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Add(Vector512<T> a, Vector512<T> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Subtract(Vector512<T> a, Vector512<T> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Multiply(Vector512<T> a, Vector512<T> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Divide(Vector512<T> a, Vector512<T> b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Max(Vector512<T> a, Vector512<T> b) => Vector512.Max(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Sqrt(Vector512<T> a) => Vector512.Sqrt(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Abs(Vector512<T> a) => Vector512.Abs(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> CopySign(Vector512<T> magnitude, Vector512<T> sign) => Vector512.CopySign(magnitude, sign);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> SelectLess(Vector512<T> a, Vector512<T> b, Vector512<T> x, Vector512<T> y) => Vector512.ConditionalSelect(Vector512.LessThan(a, b), x, y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Exp(Vector512<T> a)
        => typeof(T) == typeof(float) ? FloatExp.Of(a.AsSingle()).As<float, T>() : Vector512.Exp(a.AsDouble()).As<double, T>();
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Log(Vector512<T> a)
        => typeof(T) == typeof(float) ? Vector512.Log(a.AsSingle()).As<float, T>() : Vector512.Log(a.AsDouble()).As<double, T>();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Sum(Vector512<T> v) => Simd256<T>.Sum(v.GetLower() + v.GetUpper());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreSums4(T* y, T* b, Vector512<T> a0, Vector512<T> a1, Vector512<T> a2, Vector512<T> a3, int cols)
    {
        if (typeof(T) != typeof(float) || !Avx512F.IsSupported)
        {
            SimdSums.EachOf<Vector512<T>, T, Simd512<T>>(y, b, a0, a1, a2, a3, cols);
            return;
        }
        // Sum's additions for the four at once. [a0 low 256 + a0 high 256, a1 low + a1 high], and so for a2, a3:
        Vector512<float> h01 = Avx512F.Shuffle4x128(a0.AsSingle(), a1.AsSingle(), 0x44) + Avx512F.Shuffle4x128(a0.AsSingle(), a1.AsSingle(), 0xEE);
        Vector512<float> h23 = Avx512F.Shuffle4x128(a2.AsSingle(), a3.AsSingle(), 0x44) + Avx512F.Shuffle4x128(a2.AsSingle(), a3.AsSingle(), 0xEE);
        // 128-bit lane c: the low 128 bits of accumulator c's 256-bit sum plus its high 128 bits.
        Vector512<float> g = Avx512F.Shuffle4x128(h01, h23, 0x88) + Avx512F.Shuffle4x128(h01, h23, 0xDD);
        // Within each 128-bit lane: (g0 + g2, g1 + g3), then their sum in element 0.
        Vector512<float> e = g + Avx512F.Permute4x32(g, 0x4E);
        Vector512<float> f = e + Avx512F.Permute4x32(e, 0xB1);
        Vector128<float> sums = Avx512F.PermuteVar16x32(f, Vector512.Create(0, 4, 8, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)).GetLower().GetLower();
        float* yf = (float*)y, bf = (float*)b;
        if (cols == 4)
        {
            Vector128.Store(sums + Vector128.Load(bf), yf);
            return;
        }
        for (int c = 0; c < cols; c++) yf[c] = sums.GetElement(c) + bf[c];
    }
}

/// <summary>256-bit vectors (AVX2).</summary>
internal readonly unsafe struct Simd256<T> : ISimd<Vector256<T>, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int Count => Vector256<T>.Count;
    public static Vector256<T> Zero => Vector256<T>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Load(T* p) => Vector256.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(T* p, Vector256<T> v) => v.Store(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Broadcast(T x) => Vector256.Create(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Fma(Vector256<T> a, Vector256<T> b, Vector256<T> c)
        => typeof(T) == typeof(float)
            ? Vector256.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>()
            : Vector256.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Add(Vector256<T> a, Vector256<T> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Subtract(Vector256<T> a, Vector256<T> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Multiply(Vector256<T> a, Vector256<T> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Divide(Vector256<T> a, Vector256<T> b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Max(Vector256<T> a, Vector256<T> b) => Vector256.Max(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Sqrt(Vector256<T> a) => Vector256.Sqrt(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Abs(Vector256<T> a) => Vector256.Abs(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> CopySign(Vector256<T> magnitude, Vector256<T> sign) => Vector256.CopySign(magnitude, sign);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> SelectLess(Vector256<T> a, Vector256<T> b, Vector256<T> x, Vector256<T> y) => Vector256.ConditionalSelect(Vector256.LessThan(a, b), x, y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Exp(Vector256<T> a)
        => typeof(T) == typeof(float) ? FloatExp.Of(a.AsSingle()).As<float, T>() : Vector256.Exp(a.AsDouble()).As<double, T>();
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Log(Vector256<T> a)
        => typeof(T) == typeof(float) ? Vector256.Log(a.AsSingle()).As<float, T>() : Vector256.Log(a.AsDouble()).As<double, T>();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Sum(Vector256<T> v) => Simd128<T>.Sum(v.GetLower() + v.GetUpper());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreSums4(T* y, T* b, Vector256<T> a0, Vector256<T> a1, Vector256<T> a2, Vector256<T> a3, int cols)
        => SimdSums.EachOf<Vector256<T>, T, Simd256<T>>(y, b, a0, a1, a2, a3, cols);
}

/// <summary>128-bit vectors (SSE, NEON).</summary>
internal readonly unsafe struct Simd128<T> : ISimd<Vector128<T>, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int Count => Vector128<T>.Count;
    public static Vector128<T> Zero => Vector128<T>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Load(T* p) => Vector128.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(T* p, Vector128<T> v) => v.Store(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Broadcast(T x) => Vector128.Create(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Fma(Vector128<T> a, Vector128<T> b, Vector128<T> c)
        => typeof(T) == typeof(float)
            ? Vector128.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>()
            : Vector128.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Add(Vector128<T> a, Vector128<T> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Subtract(Vector128<T> a, Vector128<T> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Multiply(Vector128<T> a, Vector128<T> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Divide(Vector128<T> a, Vector128<T> b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Max(Vector128<T> a, Vector128<T> b) => Vector128.Max(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Sqrt(Vector128<T> a) => Vector128.Sqrt(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Abs(Vector128<T> a) => Vector128.Abs(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> CopySign(Vector128<T> magnitude, Vector128<T> sign) => Vector128.CopySign(magnitude, sign);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> SelectLess(Vector128<T> a, Vector128<T> b, Vector128<T> x, Vector128<T> y) => Vector128.ConditionalSelect(Vector128.LessThan(a, b), x, y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Exp(Vector128<T> a)
        => typeof(T) == typeof(float) ? FloatExp.Of(a.AsSingle()).As<float, T>() : Vector128.Exp(a.AsDouble()).As<double, T>();
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Log(Vector128<T> a)
        => typeof(T) == typeof(float) ? Vector128.Log(a.AsSingle()).As<float, T>() : Vector128.Log(a.AsDouble()).As<double, T>();
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum(Vector128<T> v)
    {
        // Pairwise: (v0 + v2) + (v1 + v3) for floats, v0 + v1 for doubles.
        if (Vector128<T>.Count == 4)
        {
            Vector128<T> h = v + Vector128.Shuffle(v.AsSingle(), Vector128.Create(2, 3, 0, 1)).As<float, T>();
            return h.GetElement(0) + h.GetElement(1);
        }
        return v.GetElement(0) + v.GetElement(1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreSums4(T* y, T* b, Vector128<T> a0, Vector128<T> a1, Vector128<T> a2, Vector128<T> a3, int cols)
        => SimdSums.EachOf<Vector128<T>, T, Simd128<T>>(y, b, a0, a1, a2, a3, cols);
}
