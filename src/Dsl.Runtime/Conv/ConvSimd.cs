using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Dsl.Runtime;

/// <summary>
/// The vector operations the convolution and pooling kernels are written in, over one vector width. The kernels are
/// generic over a struct implementing this interface, so the JIT compiles one copy per width, element type and layer
/// shape, with every call inlined: <see cref="ConvSimd512{T}"/> where AVX-512 is accelerated, else
/// <see cref="ConvSimd256{T}"/> where AVX2 is.
/// </summary>
/// <remarks>
/// Every operation works lane by lane except <see cref="Sum"/>, so a value's result never depends on which lane holds it.
/// Masked loads read nothing (and fault on nothing) in the lanes they leave out; masked stores write nothing there.
/// A mask is a vector whose selected lanes have every bit set, as comparisons return.
/// </remarks>
internal unsafe interface IConvSimd<TV, T>
    where TV : struct
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Whether this width runs in hardware on this machine.</summary>
    static abstract bool IsSupported { get; }

    /// <summary>Lanes per vector.</summary>
    static abstract int Count { get; }

    static abstract TV Zero { get; }

    /// <summary>The lane numbers 0, 1, 2, ... as values of <typeparamref name="T"/>.</summary>
    static abstract TV Indices { get; }

    static abstract TV Load(T* p);

    static abstract void Store(T* p, TV v);

    /// <summary>Loads the lanes selected by <paramref name="mask"/>; the others are zero and are not read.</summary>
    static abstract TV MaskLoad(T* p, TV mask);

    /// <summary>Stores the lanes selected by <paramref name="mask"/>; the others are not written.</summary>
    static abstract void MaskStore(T* p, TV mask, TV v);

    static abstract TV Broadcast(T x);

    /// <summary><c>a * b + c</c> with one rounding.</summary>
    static abstract TV Fma(TV a, TV b, TV c);

    static abstract TV Add(TV a, TV b);

    static abstract TV Subtract(TV a, TV b);

    static abstract TV Multiply(TV a, TV b);

    static abstract TV Divide(TV a, TV b);

    static abstract TV Max(TV a, TV b);

    static abstract TV Abs(TV a);

    static abstract TV CopySign(TV magnitude, TV sign);

    /// <summary>All bits set where <c>a &lt; b</c>.</summary>
    static abstract TV LessThan(TV a, TV b);

    /// <summary>All bits set where <c>a &gt; b</c>.</summary>
    static abstract TV GreaterThan(TV a, TV b);

    /// <summary>All bits set where <c>a &gt;= b</c>.</summary>
    static abstract TV GreaterThanOrEqual(TV a, TV b);

    /// <summary>All bits set where <c>a == b</c> (false for NaN).</summary>
    static abstract TV EqualsTo(TV a, TV b);

    static abstract TV And(TV a, TV b);

    static abstract TV AndNot(TV a, TV notB);

    static abstract TV Or(TV a, TV b);

    /// <summary><c>mask ? x : y</c> lane by lane.</summary>
    static abstract TV Select(TV mask, TV x, TV y);

    /// <summary><c>exp(a)</c> lane by lane: in float <see cref="FloatExp"/>'s, in double .NET's vectorised implementation.</summary>
    static abstract TV Exp(TV a);

    /// <summary>The lanes' sum, reduced in a fixed order (halves added pairwise down to one lane).</summary>
    static abstract T Sum(TV v);

    /// <summary>Float only: the even lanes of <paramref name="a"/> then <paramref name="b"/> read as one vector of twice the length.</summary>
    static abstract TV Even(TV a, TV b);

    /// <summary>Float only: the odd lanes of <paramref name="a"/> then <paramref name="b"/> read as one vector of twice the length.</summary>
    static abstract TV Odd(TV a, TV b);

    /// <summary>Float only: the first half of <c>e0, o0, e1, o1, ...</c> (the inverse of <see cref="Even"/> and <see cref="Odd"/>).</summary>
    static abstract TV InterleaveLow(TV even, TV odd);

    /// <summary>Float only: the second half of <c>e0, o0, e1, o1, ...</c>.</summary>
    static abstract TV InterleaveHigh(TV even, TV odd);

    /// <summary>Float only: the first <paramref name="count"/> lanes, rounded to integers, stored as <c>int</c>.</summary>
    static abstract void StoreInt32(int* p, TV v, int count);

    /// <summary>Float only: <paramref name="count"/> <c>int</c>s loaded into the first lanes as values (the rest zero).</summary>
    static abstract TV LoadInt32(int* p, int count);
}

/// <summary>512-bit vectors (AVX-512F).</summary>
internal readonly unsafe struct ConvSimd512<T> : IConvSimd<Vector512<T>, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool IsSupported => Vector512.IsHardwareAccelerated && Avx512F.IsSupported;
    public static int Count => Vector512<T>.Count;
    public static Vector512<T> Zero => Vector512<T>.Zero;
    public static Vector512<T> Indices => Vector512<T>.Indices;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Load(T* p) => Vector512.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(T* p, Vector512<T> v) => v.Store(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> MaskLoad(T* p, Vector512<T> mask)
        => typeof(T) == typeof(float)
            ? Avx512F.MaskLoad((float*)p, mask.AsSingle(), Vector512<float>.Zero).As<float, T>()
            : Avx512F.MaskLoad((double*)p, mask.AsDouble(), Vector512<double>.Zero).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MaskStore(T* p, Vector512<T> mask, Vector512<T> v)
    {
        if (typeof(T) == typeof(float)) Avx512F.MaskStore((float*)p, mask.AsSingle(), v.AsSingle());
        else Avx512F.MaskStore((double*)p, mask.AsDouble(), v.AsDouble());
    }

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
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Abs(Vector512<T> a) => Vector512.Abs(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> CopySign(Vector512<T> magnitude, Vector512<T> sign) => Vector512.CopySign(magnitude, sign);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> LessThan(Vector512<T> a, Vector512<T> b) => Vector512.LessThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> GreaterThan(Vector512<T> a, Vector512<T> b) => Vector512.GreaterThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> GreaterThanOrEqual(Vector512<T> a, Vector512<T> b) => Vector512.GreaterThanOrEqual(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> EqualsTo(Vector512<T> a, Vector512<T> b) => Vector512.Equals(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> And(Vector512<T> a, Vector512<T> b) => a & b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> AndNot(Vector512<T> a, Vector512<T> notB) => Vector512.AndNot(a, notB);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Or(Vector512<T> a, Vector512<T> b) => a | b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Select(Vector512<T> mask, Vector512<T> x, Vector512<T> y) => Vector512.ConditionalSelect(mask, x, y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Exp(Vector512<T> a)
        => typeof(T) == typeof(float) ? FloatExp.Of(a.AsSingle()).As<float, T>() : Vector512.Exp(a.AsDouble()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Permute(Vector512<T> a, Vector512<int> indices, Vector512<T> b)
    {
        if (typeof(T) != typeof(float)) throw new NotSupportedException("Two-vector permutes are for float vectors.");
        return Avx512F.PermuteVar16x32x2(a.AsSingle(), indices, b.AsSingle()).As<float, T>();
    }

    // The index vectors are constants in the code (static readonly fields of a generic type would cost a class
    // initialisation check inside the loops).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Even(Vector512<T> a, Vector512<T> b)
        => Permute(a, Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30), b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Odd(Vector512<T> a, Vector512<T> b)
        => Permute(a, Vector512.Create(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31), b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> InterleaveLow(Vector512<T> even, Vector512<T> odd)
        => Permute(even, Vector512.Create(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23), odd);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> InterleaveHigh(Vector512<T> even, Vector512<T> odd)
        => Permute(even, Vector512.Create(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31), odd);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreInt32(int* p, Vector512<T> v, int count)
    {
        if (typeof(T) != typeof(float)) throw new NotSupportedException("StoreInt32 is for float vectors.");
        Vector512<int> mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count));
        Avx512F.MaskStore(p, mask, Vector512.ConvertToInt32Native(v.AsSingle())); // exact small integers: no saturation needed
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> LoadInt32(int* p, int count)
    {
        if (typeof(T) != typeof(float)) throw new NotSupportedException("LoadInt32 is for float vectors.");
        Vector512<int> mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count));
        return Vector512.ConvertToSingle(Avx512F.MaskLoad(p, mask, Vector512<int>.Zero)).As<float, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Sum(Vector512<T> v) => ConvSimd256<T>.Sum(v.GetLower() + v.GetUpper());
}

/// <summary>256-bit vectors (AVX2 with FMA).</summary>
internal readonly unsafe struct ConvSimd256<T> : IConvSimd<Vector256<T>, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool IsSupported => Vector256.IsHardwareAccelerated && Avx2.IsSupported && System.Runtime.Intrinsics.X86.Fma.IsSupported;
    public static int Count => Vector256<T>.Count;
    public static Vector256<T> Zero => Vector256<T>.Zero;
    public static Vector256<T> Indices => Vector256<T>.Indices;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Load(T* p) => Vector256.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(T* p, Vector256<T> v) => v.Store(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> MaskLoad(T* p, Vector256<T> mask)
        => typeof(T) == typeof(float)
            ? Avx.MaskLoad((float*)p, mask.AsSingle()).As<float, T>()
            : Avx.MaskLoad((double*)p, mask.AsDouble()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MaskStore(T* p, Vector256<T> mask, Vector256<T> v)
    {
        if (typeof(T) == typeof(float)) Avx.MaskStore((float*)p, mask.AsSingle(), v.AsSingle());
        else Avx.MaskStore((double*)p, mask.AsDouble(), v.AsDouble());
    }

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
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Abs(Vector256<T> a) => Vector256.Abs(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> CopySign(Vector256<T> magnitude, Vector256<T> sign) => Vector256.CopySign(magnitude, sign);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> LessThan(Vector256<T> a, Vector256<T> b) => Vector256.LessThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> GreaterThan(Vector256<T> a, Vector256<T> b) => Vector256.GreaterThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> GreaterThanOrEqual(Vector256<T> a, Vector256<T> b) => Vector256.GreaterThanOrEqual(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> EqualsTo(Vector256<T> a, Vector256<T> b) => Vector256.Equals(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> And(Vector256<T> a, Vector256<T> b) => a & b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> AndNot(Vector256<T> a, Vector256<T> notB) => Vector256.AndNot(a, notB);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Or(Vector256<T> a, Vector256<T> b) => a | b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Select(Vector256<T> mask, Vector256<T> x, Vector256<T> y) => Vector256.ConditionalSelect(mask, x, y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Exp(Vector256<T> a)
        => typeof(T) == typeof(float) ? FloatExp.Of(a.AsSingle()).As<float, T>() : Vector256.Exp(a.AsDouble()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Even(Vector256<T> a, Vector256<T> b)
    {
        if (typeof(T) != typeof(float)) throw new NotSupportedException("Two-vector permutes are for float vectors.");
        // Within each 128-bit half: a0 a2 b0 b2 | a4 a6 b4 b6; then the 64-bit quarters reordered.
        Vector256<float> mixed = Avx.Shuffle(a.AsSingle(), b.AsSingle(), 0b10_00_10_00);
        return Avx2.Permute4x64(mixed.AsDouble(), 0b11_01_10_00).As<double, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Odd(Vector256<T> a, Vector256<T> b)
    {
        if (typeof(T) != typeof(float)) throw new NotSupportedException("Two-vector permutes are for float vectors.");
        Vector256<float> mixed = Avx.Shuffle(a.AsSingle(), b.AsSingle(), 0b11_01_11_01);
        return Avx2.Permute4x64(mixed.AsDouble(), 0b11_01_10_00).As<double, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> InterleaveLow(Vector256<T> even, Vector256<T> odd)
    {
        if (typeof(T) != typeof(float)) throw new NotSupportedException("Two-vector permutes are for float vectors.");
        Vector256<float> low = Avx.UnpackLow(even.AsSingle(), odd.AsSingle()), high = Avx.UnpackHigh(even.AsSingle(), odd.AsSingle());
        return Avx.Permute2x128(low, high, 0x20).As<float, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> InterleaveHigh(Vector256<T> even, Vector256<T> odd)
    {
        if (typeof(T) != typeof(float)) throw new NotSupportedException("Two-vector permutes are for float vectors.");
        Vector256<float> low = Avx.UnpackLow(even.AsSingle(), odd.AsSingle()), high = Avx.UnpackHigh(even.AsSingle(), odd.AsSingle());
        return Avx.Permute2x128(low, high, 0x31).As<float, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreInt32(int* p, Vector256<T> v, int count)
    {
        if (typeof(T) != typeof(float)) throw new NotSupportedException("StoreInt32 is for float vectors.");
        Vector256<int> mask = Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(count));
        Avx2.MaskStore(p, mask, Vector256.ConvertToInt32Native(v.AsSingle()));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> LoadInt32(int* p, int count)
    {
        if (typeof(T) != typeof(float)) throw new NotSupportedException("LoadInt32 is for float vectors.");
        Vector256<int> mask = Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(count));
        return Vector256.ConvertToSingle(Avx2.MaskLoad(p, mask)).As<float, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum(Vector256<T> v)
    {
        Vector128<T> h = v.GetLower() + v.GetUpper();
        if (Vector128<T>.Count == 4) h += Vector128.Shuffle(h.AsSingle(), Vector128.Create(2, 3, 0, 1)).As<float, T>();
        return h.GetElement(0) + h.GetElement(1);
    }
}

/// <summary>
/// A small integer as a type, so a kernel generic over it is compiled with the value as a constant (block sizes: which
/// accumulators exist is decided by the JIT, not tested in the loop).
/// </summary>
internal interface IConvCount
{
    static abstract int Value { get; }
}

internal readonly struct Count1 : IConvCount { public static int Value => 1; }

internal readonly struct Count2 : IConvCount { public static int Value => 2; }

internal readonly struct Count3 : IConvCount { public static int Value => 3; }

internal readonly struct Count4 : IConvCount { public static int Value => 4; }

internal readonly struct Count5 : IConvCount { public static int Value => 5; }

internal readonly struct Count6 : IConvCount { public static int Value => 6; }

internal readonly struct Count7 : IConvCount { public static int Value => 7; }

internal readonly struct Count8 : IConvCount { public static int Value => 8; }
