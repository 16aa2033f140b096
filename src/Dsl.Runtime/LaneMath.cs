using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Dsl.Runtime;

// The lane functions of Lanes: activations, their derivatives, exp and log, over Vector512<T> (processors with AVX-512)
// and over Vector<T> (the others), float and double. Both vector types carry the same algorithms written out the same
// way; only the type differs. They sit directly in the public methods (no inner call) so that the JIT, inlining them into
// generated methods of hundreds of statements, spends little of its inlining budget on each. Algorithms: the remarks of
// Lanes; measured errors: LanesTests and docs/perf-lanes.md.

public static partial class Lanes
{

    // ln 2 split so that n * Ln2Hi is exact for the n the reductions produce (float: |n| < 2^9; double: |n| < 2^11).
    private const float Ln2HiF = 0.693145751953125f;        // 0x3F317200: 16 significant bits
    private const float Ln2LoF = 1.42860682e-06f;           // ln 2 - Ln2HiF
    private const double Ln2Hi = 0.6931471803691238;        // 0x3FE62E42FEE00000: 32 significant bits
    private const double Ln2Lo = 1.9082149292705877e-10;    // ln 2 - Ln2Hi
    private const double Sqrt2 = 1.4142135623730951;

    // ---------------------------------------------------------------------------------------------------------------
    // Activations (float).
    // ---------------------------------------------------------------------------------------------------------------

    /// <summary>
    /// <c>tanh(z) = sign(z) · (-u / (u + 2))</c> with <c>u = expm1(-2|z|)</c>, which has no cancellation near 0.
    /// Error within 3 ulp of <see cref="Math.Tanh"/> (measured 2.5; <c>LanesTests</c> asserts the bound).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Tanh(Vector512<float> z)
    {
        Vector512<float> u = ExpM1NonPositive(Vector512.Abs(z) * Vector512.Create(-2f));
        return Vector512.CopySign(-u / (u + Vector512.Create(2f)), z);
    }

    /// <summary>
    /// <c>sigmoid(z) = 1 / (1 + e)</c> for <c>z &gt;= 0</c> and <c>e / (1 + e)</c> below, with <c>e = exp(-|z|)</c>:
    /// no overflow, full relative accuracy on both tails. Error within 3 ulp (measured 2.2).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Sigmoid(Vector512<float> z)
    {
        Vector512<float> e = Exp(-Vector512.Abs(z));
        Vector512<float> numerator = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(z, Vector512<float>.Zero), Vector512<float>.One, e);
        return numerator / (Vector512<float>.One + e);
    }

    /// <summary><c>softplus(z) = max(z, 0) + log1p(exp(-|z|))</c>. Error within 3 ulp (measured 2.6).</summary>
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
    /// 2^-126 are subnormal, computed by scaling in two halves; NaN stays NaN. Error within 1.5 ulp (measured 1.03).
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
    /// Natural logarithm, written out so that it inlines: <c>x = 2^n m</c> with <c>m</c> in [√½, √2) taken from the
    /// bits (subnormals scaled by 2^24 first), then <c>n ln2 + log1p(m - 1)</c> by the atanh series of
    /// <see cref="Log1pSeries(Vector512{float})"/>. .NET's <see cref="Vector512.Log(Vector512{float})"/> is a call, and a
    /// call inside a generated loop makes the JIT save every live vector around it: in W1's training loop the inlined
    /// version made a pass 14-17% faster. Within 2 ulp (<c>LanesTests</c>). log 0 = -∞, negative or NaN gives NaN,
    /// log +∞ = +∞.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Log(Vector512<float> x)
    {
        Vector512<float> subnormal = Vector512.LessThan(x, Vector512.Create(1.17549435e-38f));
        Vector512<int> bits = Vector512.ConditionalSelect(subnormal, x * Vector512.Create(16777216f), x).AsInt32();
        // The exponent that puts the significand in [√½, √2): count from the bits of √½ (0x3F3504F3).
        Vector512<int> e = Vector512.ShiftRightArithmetic(bits - Vector512.Create(0x3F3504F3), 23);
        Vector512<float> m = (bits - Vector512.ShiftLeft(e, 23)).AsSingle();
        Vector512<float> n = Vector512.ConvertToSingle(e) - (subnormal & Vector512.Create(24f));
        // n * Ln2HiF is exact (|n| < 2^8, Ln2HiF has 16 significant bits): the large term adds no rounding of its own.
        Vector512<float> log = Vector512.FusedMultiplyAdd(n, Vector512.Create(Ln2HiF), Vector512.FusedMultiplyAdd(n, Vector512.Create(Ln2LoF), Log1pSeries(m - Vector512<float>.One)));
        log = Vector512.ConditionalSelect(Vector512.Equals(x, Vector512<float>.Zero), Vector512.Create(float.NegativeInfinity), log);
        log = Vector512.ConditionalSelect(Vector512.Equals(x, Vector512.Create(float.PositiveInfinity)), x, log);
        // x < 0, and NaN (not equal to itself), give NaN.
        return Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<float>.Zero) | ~Vector512.Equals(x, x), Vector512.Create(float.NaN), log);
    }

    /// <summary><c>expm1(x)</c> for <c>x &lt;= 0</c>: <c>2^n expm1(r) + (2^n - 1)</c>, exact reduction, no cancellation.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> ExpM1NonPositive(Vector512<float> x)
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
    private static Vector512<float> Log1pUnit(Vector512<float> u)
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
        => Vector512.ShiftLeft(k + Vector512.Create(127), 23).As<int, float>();

    // ---------------------------------------------------------------------------------------------------------------
    // Activations (double): the same algorithms with longer series.
    // ---------------------------------------------------------------------------------------------------------------

    /// <summary>As <see cref="Tanh(Vector512{float})"/>, in double precision. Error within 4 ulp (measured 3).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Tanh(Vector512<double> z)
    {
        Vector512<double> u = ExpM1NonPositive(Vector512.Abs(z) * Vector512.Create(-2.0));
        return Vector512.CopySign(-u / (u + Vector512.Create(2.0)), z);
    }

    /// <summary>As <see cref="Sigmoid(Vector512{float})"/>, in double precision. Error within 4 ulp (measured 2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Sigmoid(Vector512<double> z)
    {
        Vector512<double> e = Exp(-Vector512.Abs(z));
        Vector512<double> numerator = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(z, Vector512<double>.Zero), Vector512<double>.One, e);
        return numerator / (Vector512<double>.One + e);
    }

    /// <summary>As <see cref="Softplus(Vector512{float})"/>, in double precision. Error within 6 ulp (measured 4).</summary>
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

    /// <summary>As <see cref="Exp(Vector512{float})"/>, in double precision: +∞ above 709.78, subnormal below 2^-1022. Error within 2 ulp (measured 1).</summary>
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

    /// <summary>As <see cref="Log(Vector512{float})"/>, in double precision (.NET's <see cref="Vector512.Log(Vector512{double})"/>). Error within 3 ulp (measured 2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Log(Vector512<double> x) => Vector512.Log(x);

    /// <summary>As <see cref="ExpM1NonPositive(Vector512{float})"/>, in double precision.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> ExpM1NonPositive(Vector512<double> x)
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
    private static Vector512<double> Log1pUnit(Vector512<double> u)
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
        => Vector512.ShiftLeft(k + Vector512.Create(1023L), 52).As<long, double>();




    // ---------------------------------------------------------------------------------------------------------------
    // Over Vector<T>, float: the same code as over Vector512<T> above.
    // ---------------------------------------------------------------------------------------------------------------

    /// <inheritdoc cref="Tanh(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Tanh(Vector<float> z)
    {
        Vector<float> u = ExpM1NonPositive(Vector.Abs(z) * Vector.Create(-2f));
        return Vector.CopySign(-u / (u + Vector.Create(2f)), z);
    }

    /// <inheritdoc cref="Sigmoid(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Sigmoid(Vector<float> z)
    {
        Vector<float> e = Exp(-Vector.Abs(z));
        Vector<float> numerator = Vector.ConditionalSelect(Vector.GreaterThanOrEqual<float>(z, Vector<float>.Zero), Vector<float>.One, e);
        return numerator / (Vector<float>.One + e);
    }

    /// <inheritdoc cref="Softplus(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Softplus(Vector<float> z)
        => Vector.Max(z, Vector<float>.Zero) + Log1pUnit(Exp(-Vector.Abs(z)));

    /// <inheritdoc cref="ReLU(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> ReLU(Vector<float> z) => Vector.Max(z, Vector<float>.Zero);

    /// <inheritdoc cref="TanhDerivative(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> TanhDerivative(Vector<float> y) => Vector<float>.One - y * y;

    /// <inheritdoc cref="SigmoidDerivative(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> SigmoidDerivative(Vector<float> y) => y * (Vector<float>.One - y);

    /// <inheritdoc cref="ReLUDerivative(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> ReLUDerivative(Vector<float> y) => Vector.GreaterThan<float>(y, Vector<float>.Zero) & Vector<float>.One;

    /// <inheritdoc cref="SoftplusDerivative(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> SoftplusDerivative(Vector<float> y) => -ExpM1NonPositive(-y);

    /// <inheritdoc cref="Exp(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Exp(Vector<float> x)
    {
        x = Vector.Min(Vector.Max(x, Vector.Create(-104f)), Vector.Create(89f));
        Vector<float> n = Vector.Round(x * Vector.Create(1.44269504f));
        Vector<float> r = Vector.FusedMultiplyAdd(n, Vector.Create(-Ln2HiF), x);
        r = Vector.FusedMultiplyAdd(n, Vector.Create(-Ln2LoF), r);
        Vector<float> p = Vector<float>.One + ExpM1Series(r);
        // 2^n as two powers of two, so that n down to -150 keeps both factors normal.
        Vector<int> k = Vector.ConvertToInt32Native(n);
        Vector<int> k1 = Vector.ShiftRightArithmetic(k, 1);
        return p * PowerOfTwo(k1) * PowerOfTwo(k - k1);
    }

    /// <inheritdoc cref="Log(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Log(Vector<float> x)
    {
        Vector<int> subnormal = Vector.LessThan(x, Vector.Create(1.17549435e-38f));
        Vector<int> bits = Vector.AsVectorInt32(Vector.ConditionalSelect(subnormal, x * Vector.Create(16777216f), x));
        Vector<int> e = Vector.ShiftRightArithmetic(bits - Vector.Create(0x3F3504F3), 23);
        Vector<float> m = Vector.AsVectorSingle(bits - Vector.ShiftLeft(e, 23));
        Vector<float> n = Vector.ConvertToSingle(e) - Vector.AsVectorSingle(subnormal & Vector.AsVectorInt32(Vector.Create(24f)));
        Vector<float> log = Vector.FusedMultiplyAdd(n, Vector.Create(Ln2HiF), Vector.FusedMultiplyAdd(n, Vector.Create(Ln2LoF), Log1pSeries(m - Vector<float>.One)));
        log = Vector.ConditionalSelect(Vector.Equals(x, Vector<float>.Zero), Vector.Create(float.NegativeInfinity), log);
        log = Vector.ConditionalSelect(Vector.Equals(x, Vector.Create(float.PositiveInfinity)), x, log);
        return Vector.ConditionalSelect(Vector.LessThan(x, Vector<float>.Zero) | ~Vector.Equals(x, x), Vector.Create(float.NaN), log);
    }

    /// <summary><c>expm1(x)</c> for <c>x &lt;= 0</c>: <c>2^n expm1(r) + (2^n - 1)</c>, exact reduction, no cancellation.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> ExpM1NonPositive(Vector<float> x)
    {
        x = Vector.Max(x, Vector.Create(-40f)); // expm1(-40) is -1 to float precision
        Vector<float> n = Vector.Round(x * Vector.Create(1.44269504f));
        Vector<float> r = Vector.FusedMultiplyAdd(n, Vector.Create(-Ln2HiF), x);
        r = Vector.FusedMultiplyAdd(n, Vector.Create(-Ln2LoF), r);
        Vector<float> s = PowerOfTwo(Vector.ConvertToInt32Native(n));
        return Vector.FusedMultiplyAdd(s, ExpM1Series(r), s - Vector<float>.One);
    }

    /// <summary><c>log1p(u)</c> for <c>u</c> in [0, 1], the range softplus needs; the reduction to [√½ - 1, √2 - 1) is exact.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Log1pUnit(Vector<float> u)
    {
        // 1 + u = 2 (1 + g) with g = (u - 1) / 2 when 1 + u >= √2; both u - 1 and the halving are exact.
        Vector<float> big = Vector.GreaterThanOrEqual<float>(u, Vector.Create((float)(Sqrt2 - 1)));
        Vector<float> g = Vector.ConditionalSelect(big, (u - Vector<float>.One) * Vector.Create(0.5f), u);
        return (big & Vector.Create((float)Math.Log(2))) + Log1pSeries(g);
    }

    /// <summary>Taylor series of <c>expm1(r)</c> for <c>|r| &lt;= ln2 / 2</c>, to <c>r^7 / 7!</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> ExpM1Series(Vector<float> r)
    {
        Vector<float> p = Vector.FusedMultiplyAdd(r, Vector.Create(1f / 5040), Vector.Create(1f / 720));
        p = Vector.FusedMultiplyAdd(p, r, Vector.Create(1f / 120));
        p = Vector.FusedMultiplyAdd(p, r, Vector.Create(1f / 24));
        p = Vector.FusedMultiplyAdd(p, r, Vector.Create(1f / 6));
        p = Vector.FusedMultiplyAdd(p, r, Vector.Create(0.5f));
        return Vector.FusedMultiplyAdd(p * r, r, r);
    }

    /// <summary><c>log1p(g) = 2 atanh(s)</c>, <c>s = g / (2 + g)</c>, for <c>g</c> in [√½ - 1, √2 - 1): <c>|s| &lt;= 0.1716</c>, series to <c>s^9</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Log1pSeries(Vector<float> g)
    {
        Vector<float> s = g / (Vector.Create(2f) + g);
        Vector<float> s2 = s * s;
        Vector<float> p = Vector.FusedMultiplyAdd(s2, Vector.Create(2f / 9), Vector.Create(2f / 7));
        p = Vector.FusedMultiplyAdd(p, s2, Vector.Create(2f / 5));
        p = Vector.FusedMultiplyAdd(p, s2, Vector.Create(2f / 3));
        // 2s + s·s2·p, with 2s written as s + s so the leading term is exact.
        return Vector.FusedMultiplyAdd(s * s2, p, s + s);
    }

    /// <summary><c>2^k</c> for integer <c>k</c> in [-126, 127], built in the exponent field.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> PowerOfTwo(Vector<int> k)
        => Vector.ShiftLeft(k + Vector.Create(127), 23).As<int, float>();

    // ---------------------------------------------------------------------------------------------------------------
    // Over Vector<T>, double.
    // ---------------------------------------------------------------------------------------------------------------

    /// <inheritdoc cref="Tanh(Vector512{double})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<double> Tanh(Vector<double> z)
    {
        Vector<double> u = ExpM1NonPositive(Vector.Abs(z) * Vector.Create(-2.0));
        return Vector.CopySign(-u / (u + Vector.Create(2.0)), z);
    }

    /// <inheritdoc cref="Sigmoid(Vector512{double})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<double> Sigmoid(Vector<double> z)
    {
        Vector<double> e = Exp(-Vector.Abs(z));
        Vector<double> numerator = Vector.ConditionalSelect(Vector.GreaterThanOrEqual<double>(z, Vector<double>.Zero), Vector<double>.One, e);
        return numerator / (Vector<double>.One + e);
    }

    /// <inheritdoc cref="Softplus(Vector512{double})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<double> Softplus(Vector<double> z)
        => Vector.Max(z, Vector<double>.Zero) + Log1pUnit(Exp(-Vector.Abs(z)));

    /// <inheritdoc cref="ReLU(Vector512{double})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<double> ReLU(Vector<double> z) => Vector.Max(z, Vector<double>.Zero);

    /// <inheritdoc cref="TanhDerivative(Vector512{double})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<double> TanhDerivative(Vector<double> y) => Vector<double>.One - y * y;

    /// <inheritdoc cref="SigmoidDerivative(Vector512{double})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<double> SigmoidDerivative(Vector<double> y) => y * (Vector<double>.One - y);

    /// <inheritdoc cref="ReLUDerivative(Vector512{double})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<double> ReLUDerivative(Vector<double> y) => Vector.GreaterThan<double>(y, Vector<double>.Zero) & Vector<double>.One;

    /// <inheritdoc cref="SoftplusDerivative(Vector512{double})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<double> SoftplusDerivative(Vector<double> y) => -ExpM1NonPositive(-y);

    /// <inheritdoc cref="Exp(Vector512{double})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<double> Exp(Vector<double> x)
    {
        x = Vector.Min(Vector.Max(x, Vector.Create(-746.0)), Vector.Create(710.0));
        Vector<double> n = Vector.Round(x * Vector.Create(1.4426950408889634));
        Vector<double> r = Vector.FusedMultiplyAdd(n, Vector.Create(-Ln2Hi), x);
        r = Vector.FusedMultiplyAdd(n, Vector.Create(-Ln2Lo), r);
        Vector<double> p = Vector<double>.One + ExpM1Series(r);
        Vector<long> k = Vector.ConvertToInt64Native(n);
        Vector<long> k1 = Vector.ShiftRightArithmetic(k, 1);
        return p * PowerOfTwo(k1) * PowerOfTwo(k - k1);
    }

    /// <inheritdoc cref="Log(Vector512{double})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<double> Log(Vector<double> x) => Vector.Log(x);

    /// <summary>As <see cref="ExpM1NonPositive(Vector{float})"/>, in double precision.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<double> ExpM1NonPositive(Vector<double> x)
    {
        x = Vector.Max(x, Vector.Create(-80.0)); // expm1(-80) is -1 to double precision
        Vector<double> n = Vector.Round(x * Vector.Create(1.4426950408889634));
        Vector<double> r = Vector.FusedMultiplyAdd(n, Vector.Create(-Ln2Hi), x);
        r = Vector.FusedMultiplyAdd(n, Vector.Create(-Ln2Lo), r);
        Vector<double> s = PowerOfTwo(Vector.ConvertToInt64Native(n));
        return Vector.FusedMultiplyAdd(s, ExpM1Series(r), s - Vector<double>.One);
    }

    /// <summary>As <see cref="Log1pUnit(Vector{float})"/>, in double precision.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<double> Log1pUnit(Vector<double> u)
    {
        Vector<double> big = Vector.GreaterThanOrEqual<double>(u, Vector.Create(Sqrt2 - 1));
        Vector<double> g = Vector.ConditionalSelect(big, (u - Vector<double>.One) * Vector.Create(0.5), u);
        return (big & Vector.Create(Math.Log(2))) + Log1pSeries(g);
    }

    /// <summary>Taylor series of <c>expm1(r)</c> for <c>|r| &lt;= ln2 / 2</c>, to <c>r^13 / 13!</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<double> ExpM1Series(Vector<double> r)
    {
        Vector<double> p = Vector.FusedMultiplyAdd(r, Vector.Create(1.0 / 6227020800), Vector.Create(1.0 / 479001600));
        p = Vector.FusedMultiplyAdd(p, r, Vector.Create(1.0 / 39916800));
        p = Vector.FusedMultiplyAdd(p, r, Vector.Create(1.0 / 3628800));
        p = Vector.FusedMultiplyAdd(p, r, Vector.Create(1.0 / 362880));
        p = Vector.FusedMultiplyAdd(p, r, Vector.Create(1.0 / 40320));
        p = Vector.FusedMultiplyAdd(p, r, Vector.Create(1.0 / 5040));
        p = Vector.FusedMultiplyAdd(p, r, Vector.Create(1.0 / 720));
        p = Vector.FusedMultiplyAdd(p, r, Vector.Create(1.0 / 120));
        p = Vector.FusedMultiplyAdd(p, r, Vector.Create(1.0 / 24));
        p = Vector.FusedMultiplyAdd(p, r, Vector.Create(1.0 / 6));
        p = Vector.FusedMultiplyAdd(p, r, Vector.Create(0.5));
        return Vector.FusedMultiplyAdd(p * r, r, r);
    }

    /// <summary><c>log1p(g) = 2 atanh(s)</c>, <c>s = g / (2 + g)</c>, <c>|s| &lt;= 0.1716</c>, series to <c>s^21</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<double> Log1pSeries(Vector<double> g)
    {
        Vector<double> s = g / (Vector.Create(2.0) + g);
        Vector<double> s2 = s * s;
        Vector<double> p = Vector.FusedMultiplyAdd(s2, Vector.Create(2.0 / 21), Vector.Create(2.0 / 19));
        p = Vector.FusedMultiplyAdd(p, s2, Vector.Create(2.0 / 17));
        p = Vector.FusedMultiplyAdd(p, s2, Vector.Create(2.0 / 15));
        p = Vector.FusedMultiplyAdd(p, s2, Vector.Create(2.0 / 13));
        p = Vector.FusedMultiplyAdd(p, s2, Vector.Create(2.0 / 11));
        p = Vector.FusedMultiplyAdd(p, s2, Vector.Create(2.0 / 9));
        p = Vector.FusedMultiplyAdd(p, s2, Vector.Create(2.0 / 7));
        p = Vector.FusedMultiplyAdd(p, s2, Vector.Create(2.0 / 5));
        p = Vector.FusedMultiplyAdd(p, s2, Vector.Create(2.0 / 3));
        return Vector.FusedMultiplyAdd(s * s2, p, s + s);
    }

    /// <summary><c>2^k</c> for integer <c>k</c> in [-1022, 1023], built in the exponent field.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<double> PowerOfTwo(Vector<long> k)
        => Vector.ShiftLeft(k + Vector.Create(1023L), 52).As<long, double>();
}
