using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Dsl.Runtime;

/// <summary>
/// The float <c>exp</c> of every vector activation (dense and convolution kernels, softmax, the losses' vector paths):
/// <c>x</c> clamped to [-87, 88] (results stay normal), <c>n = round(x / ln 2)</c>, <c>r = x - n·ln 2</c> in two steps
/// (Cody and Waite), <c>exp(x) = 2^n · P(r)</c> with P the degree-6 polynomial fitted by
/// <c>tests/Dsl.Runtime.Tests/Reference/fit_conv_activations.py</c> (relative error 1.9e-9 on <c>|r| &lt;= ln 2 / 2</c>,
/// so the float result is within about 1 ulp). Below -87 the result is 0 (the exact value is below 1.7e-38); above 88 it
/// stays at exp(88) ≈ 1.65e38 (its callers add it to 1 or divide 1 by it, where the difference vanishes); NaN stays NaN.
/// </summary>
/// <remarks>
/// .NET's <see cref="Vector512.Exp(Vector512{float})"/> is as accurate but computes in double, about twice the
/// instructions; the activations spend most of their time here (docs/performance.md).
/// </remarks>
internal static class FloatExp
{
    public const float Low = -87f, High = 88f;
    public const float Log2E = 1.44269504f;
    /// <summary>1.5·2^23: adding it rounds to an integer held in the low mantissa bits.</summary>
    public const float Shifter = 12582912f;
    public const float Ln2Hi = 0.693145751953125f, Ln2Lo = 1.4286068202862268e-06f;
    public const float P0 = 1.0000000005540683f, P1 = 1.000000036313712f, P2 = 0.49999992079939304f, P3 = 0.16666420211211774f;
    public const float P4 = 0.04166822581929394f, P5 = 0.008374812424416492f, P6 = 0.0013836817500268214f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Of(Vector512<float> a)
    {
        Vector512<float> x = Vector512.Min(Vector512.Max(a, Vector512.Create(Low)), Vector512.Create(High));
        Vector512<float> t = Vector512.FusedMultiplyAdd(x, Vector512.Create(Log2E), Vector512.Create(Shifter));
        Vector512<float> n = t - Vector512.Create(Shifter);
        Vector512<float> r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Hi), x);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Lo), r);
        Vector512<float> p = Vector512.FusedMultiplyAdd(Vector512.Create(P6), r, Vector512.Create(P5));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P4));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P3));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P2));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P1));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P0));
        Vector512<float> e = (p.AsInt32() + Vector512.ShiftLeft(t.AsInt32(), 23)).AsSingle();
        return Vector512.AndNot(e, Vector512.LessThan(a, Vector512.Create(Low)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Of(Vector256<float> a)
    {
        Vector256<float> x = Vector256.Min(Vector256.Max(a, Vector256.Create(Low)), Vector256.Create(High));
        Vector256<float> t = Vector256.FusedMultiplyAdd(x, Vector256.Create(Log2E), Vector256.Create(Shifter));
        Vector256<float> n = t - Vector256.Create(Shifter);
        Vector256<float> r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Hi), x);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Lo), r);
        Vector256<float> p = Vector256.FusedMultiplyAdd(Vector256.Create(P6), r, Vector256.Create(P5));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P4));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P3));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P2));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P1));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P0));
        Vector256<float> e = (p.AsInt32() + Vector256.ShiftLeft(t.AsInt32(), 23)).AsSingle();
        return Vector256.AndNot(e, Vector256.LessThan(a, Vector256.Create(Low)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Of(Vector128<float> a)
    {
        Vector128<float> x = Vector128.Min(Vector128.Max(a, Vector128.Create(Low)), Vector128.Create(High));
        Vector128<float> t = Vector128.FusedMultiplyAdd(x, Vector128.Create(Log2E), Vector128.Create(Shifter));
        Vector128<float> n = t - Vector128.Create(Shifter);
        Vector128<float> r = Vector128.FusedMultiplyAdd(n, Vector128.Create(-Ln2Hi), x);
        r = Vector128.FusedMultiplyAdd(n, Vector128.Create(-Ln2Lo), r);
        Vector128<float> p = Vector128.FusedMultiplyAdd(Vector128.Create(P6), r, Vector128.Create(P5));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(P4));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(P3));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(P2));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(P1));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(P0));
        Vector128<float> e = (p.AsInt32() + Vector128.ShiftLeft(t.AsInt32(), 23)).AsSingle();
        return Vector128.AndNot(e, Vector128.LessThan(a, Vector128.Create(Low)));
    }
}
