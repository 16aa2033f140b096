using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Xunit;
using Xunit.Abstractions;

namespace Dsl.Runtime.Tests;

/// <summary>
/// The lane functions of <see cref="Lanes"/> against <see cref="Math"/> in double precision (errors in units in the
/// last place of the result type), their special values, and the group helpers: columns, labels, masks and sums.
/// </summary>
public class LanesTests(ITestOutputHelper output)
{
    private const int Samples = 200_000;

    /// <summary>log1p without cancellation: log(w) · u / (w - 1) with w = 1 + u (Goldberg), exact where w rounds to 1.</summary>
    private static double Log1p(double u)
    {
        double w = 1 + u;
        return w == 1 ? u : Math.Log(w) * u / (w - 1);
    }

    private static double Sigmoid(double z) => z >= 0 ? 1 / (1 + Math.Exp(-z)) : Math.Exp(z) / (1 + Math.Exp(z));

    private static double Softplus(double z) => Math.Max(z, 0) + Log1p(Math.Exp(-Math.Abs(z)));

    /// <summary>|got - exact| in units of the float spacing at <paramref name="exact"/> (normal range).</summary>
    private static double FloatUlps(double exact, float got)
    {
        if (exact == got) return 0;
        int e = Math.Max(Math.ILogB(Math.Abs(exact)), -126);
        return Math.Abs(got - exact) / Math.ScaleB(1, e - 23);
    }

    /// <summary>|got - exact| in units of the double spacing at <paramref name="exact"/>; the reference itself is within about 1 ulp.</summary>
    private static double DoubleUlps(double exact, double got)
    {
        if (exact == got) return 0;
        int e = Math.Max(Math.ILogB(Math.Abs(exact)), -1022);
        return Math.Abs(got - exact) / Math.ScaleB(1, e - 52);
    }

    /// <summary>Half the arguments uniform in [lo, hi], half log-uniform in magnitude down to 1e-6 (the region near 0).</summary>
    private static double Argument(Random random, int i, double lo, double hi)
    {
        if (i % 2 == 0) return lo + (hi - lo) * random.NextDouble();
        double magnitude = Math.Exp(Math.Log(1e-6) + (Math.Log(Math.Max(-lo, hi)) - Math.Log(1e-6)) * random.NextDouble());
        double x = random.Next(2) == 0 ? -magnitude : magnitude;
        return Math.Clamp(x, lo, hi);
    }

    /// <summary>A lane function as a function of arrays: the vector type decides the array length (its lane count).</summary>
    private static Func<float[], float[]> Lanes512(Func<Vector512<float>, Vector512<float>> f) => x => ToArray(f(Vector512.Create(x)));
    private static Func<float[], float[]> LanesOfVector(Func<Vector<float>, Vector<float>> f) => x => ToArray(f(new Vector<float>(x)));
    private static Func<double[], double[]> Lanes512(Func<Vector512<double>, Vector512<double>> f) => x => ToArray(f(Vector512.Create(x)));
    private static Func<double[], double[]> LanesOfVector(Func<Vector<double>, Vector<double>> f) => x => ToArray(f(new Vector<double>(x)));

    private static T[] ToArray<T>(Vector512<T> v) where T : unmanaged
    {
        var a = new T[Vector512<T>.Count];
        v.CopyTo(a);
        return a;
    }

    private static T[] ToArray<T>(Vector<T> v) where T : unmanaged
    {
        var a = new T[Vector<T>.Count];
        v.CopyTo(a);
        return a;
    }

    private double WorstFloat(string name, int lanes, Func<float[], float[]> f, Func<double, double> exact, double lo, double hi, bool positive = false)
    {
        var random = new Random(name.Length * 31 + 7);
        var x = new float[lanes];
        double worst = 0, at = 0;
        for (int i = 0; i < Samples / lanes; i++)
        {
            for (int j = 0; j < lanes; j++) x[j] = (float)Argument(random, i * lanes + j, lo, hi);
            if (positive) for (int j = 0; j < lanes; j++) x[j] = Math.Abs(x[j]);
            float[] y = f(x);
            for (int j = 0; j < lanes; j++)
            {
                double error = FloatUlps(exact(x[j]), y[j]);
                if (error > worst) (worst, at) = (error, x[j]);
            }
        }
        output.WriteLine($"{name} (float, {lanes} lanes): max error {worst:F2} ulp at {at:R}");
        return worst;
    }

    private double WorstDouble(string name, int lanes, Func<double[], double[]> f, Func<double, double> exact, double lo, double hi, bool positive = false)
    {
        var random = new Random(name.Length * 37 + 11);
        var x = new double[lanes];
        double worst = 0, at = 0;
        for (int i = 0; i < Samples / lanes; i++)
        {
            for (int j = 0; j < lanes; j++) x[j] = Argument(random, i * lanes + j, lo, hi);
            if (positive) for (int j = 0; j < lanes; j++) x[j] = Math.Abs(x[j]);
            double[] y = f(x);
            for (int j = 0; j < lanes; j++)
            {
                double error = DoubleUlps(exact(x[j]), y[j]);
                if (error > worst) (worst, at) = (error, x[j]);
            }
        }
        output.WriteLine($"{name} (double, {lanes} lanes): max error {worst:F2} ulp at {at:R}");
        return worst;
    }

    [Fact]
    public void FloatFunctionsAreAccurateToAFewUlps()
    {
        // Vector512 and Vector carry the same algorithms; both are measured.
        foreach (var (lanes, wrap) in new (int, Func<Func<Vector512<float>, Vector512<float>>, Func<Vector<float>, Vector<float>>, Func<float[], float[]>>)[]
        {
            (16, (f512, _) => Lanes512(f512)),
            (Vector<float>.Count, (_, fv) => LanesOfVector(fv)),
        })
        {
            Assert.InRange(WorstFloat("Exp", lanes, wrap(Lanes.Exp, Lanes.Exp), Math.Exp, -87, 88), 0, 1.5);
            Assert.InRange(WorstFloat("Log", lanes, wrap(Lanes.Log, Lanes.Log), Math.Log, -1e30, 1e30, positive: true), 0, 2);
            Assert.InRange(WorstFloat("Tanh", lanes, wrap(Lanes.Tanh, Lanes.Tanh), Math.Tanh, -20, 20), 0, 3);
            Assert.InRange(WorstFloat("Sigmoid", lanes, wrap(Lanes.Sigmoid, Lanes.Sigmoid), Sigmoid, -80, 80), 0, 3);
            Assert.InRange(WorstFloat("Softplus", lanes, wrap(Lanes.Softplus, Lanes.Softplus), Softplus, -80, 80), 0, 3);
            Assert.InRange(WorstFloat("SoftplusDerivative", lanes, wrap(v => Lanes.SoftplusDerivative(Lanes.Softplus(v)), v => Lanes.SoftplusDerivative(Lanes.Softplus(v))), Sigmoid, -80, 80), 0, 4);
        }
    }

    [Fact]
    public void DoubleFunctionsAreAccurateToAFewUlps()
    {
        foreach (var (lanes, wrap) in new (int, Func<Func<Vector512<double>, Vector512<double>>, Func<Vector<double>, Vector<double>>, Func<double[], double[]>>)[]
        {
            (8, (f512, _) => Lanes512(f512)),
            (Vector<double>.Count, (_, fv) => LanesOfVector(fv)),
        })
        {
            Assert.InRange(WorstDouble("Exp", lanes, wrap(Lanes.Exp, Lanes.Exp), Math.Exp, -700, 700), 0, 2);
            Assert.InRange(WorstDouble("Log", lanes, wrap(Lanes.Log, Lanes.Log), Math.Log, -1e300, 1e300, positive: true), 0, 3);
            Assert.InRange(WorstDouble("Tanh", lanes, wrap(Lanes.Tanh, Lanes.Tanh), Math.Tanh, -40, 40), 0, 4);
            Assert.InRange(WorstDouble("Sigmoid", lanes, wrap(Lanes.Sigmoid, Lanes.Sigmoid), Sigmoid, -700, 700), 0, 4);
            Assert.InRange(WorstDouble("Softplus", lanes, wrap(Lanes.Softplus, Lanes.Softplus), Softplus, -700, 700), 0, 6);
            Assert.InRange(WorstDouble("SoftplusDerivative", lanes, wrap(v => Lanes.SoftplusDerivative(Lanes.Softplus(v)), v => Lanes.SoftplusDerivative(Lanes.Softplus(v))), Sigmoid, -700, 700), 0, 6);
        }
    }

    /// <summary>
    /// The float log where the random arguments above are sparse: every 16th float of [0.5, 2] around 1, where the result
    /// is small and the reduction's boundary at √2 lies, and subnormal arguments, which are scaled by 2^24 first.
    /// </summary>
    [Fact]
    public void FloatLogIsAccurateNearOneAndOnSubnormals()
    {
        double nearOne = WorstLog(BitConverter.SingleToInt32Bits(0.5f), BitConverter.SingleToInt32Bits(2f), 16);
        double subnormal = WorstLog(1, 0x00800000 - 1, 997);
        output.WriteLine($"Log (float) on [0.5, 2]: max error {nearOne:F2} ulp; on subnormals: {subnormal:F2} ulp");
        Assert.InRange(nearOne, 0, 2);
        Assert.InRange(subnormal, 0, 2);
    }

    /// <summary>The worst error of both vector types' float log over the floats whose bits run from <paramref name="first"/> to <paramref name="last"/> by <paramref name="step"/>.</summary>
    private static double WorstLog(int first, int last, int step)
    {
        var x = new float[Vector512<float>.Count];
        var y = new float[Vector<float>.Count];
        double worst = 0;
        int fill = 0;
        for (int bits = first; bits <= last; bits += step)
        {
            x[fill++] = BitConverter.Int32BitsToSingle(bits);
            if (fill < x.Length) continue;
            float[] got512 = ToArray(Lanes.Log(Vector512.Create(x)));
            x.AsSpan(0, y.Length).CopyTo(y);
            float[] got = ToArray(Lanes.Log(new Vector<float>(y)));
            for (int j = 0; j < x.Length; j++) worst = Math.Max(worst, FloatUlps(Math.Log(x[j]), got512[j]));
            for (int j = 0; j < y.Length; j++) worst = Math.Max(worst, FloatUlps(Math.Log(y[j]), got[j]));
            fill = 0;
        }
        return worst;
    }

    [Fact]
    public void SpecialValues()
    {
        float nan = float.NaN, inf = float.PositiveInfinity;
        Assert.True(float.IsNaN(Lanes.Exp(Vector512.Create(nan))[0]));
        Assert.Equal(inf, Lanes.Exp(Vector512.Create(89f))[0]);
        Assert.Equal(0f, Lanes.Exp(Vector512.Create(float.NegativeInfinity))[0]);
        Assert.Equal(MathF.Exp(-100f), Lanes.Exp(Vector512.Create(-100f))[0]); // subnormal result
        Assert.Equal(float.NegativeInfinity, Lanes.Log(Vector512.Create(0f))[0]);
        Assert.True(float.IsNaN(Lanes.Log(Vector512.Create(-1f))[0]));
        Assert.True(float.IsNaN(Lanes.Log(Vector512.Create(nan))[0]));
        Assert.Equal(inf, Lanes.Log(Vector512.Create(inf))[0]);
        Assert.Equal((float)Math.Log(1e-40f), Lanes.Log(Vector512.Create(1e-40f))[0]); // subnormal input
        Assert.Equal(1f, Lanes.Tanh(Vector512.Create(inf))[0]);
        Assert.Equal(-1f, Lanes.Tanh(Vector512.Create(-1000f))[0]);
        Assert.True(float.IsNegative(Lanes.Tanh(Vector512.Create(-0f))[0]));
        Assert.Equal(1e-30f, Lanes.Tanh(Vector512.Create(1e-30f))[0]);
        Assert.True(float.IsNaN(Lanes.Tanh(Vector512.Create(nan))[0]));
        Assert.Equal(1f, Lanes.Sigmoid(Vector512.Create(inf))[0]);
        Assert.Equal(0f, Lanes.Sigmoid(Vector512.Create(float.NegativeInfinity))[0]);
        Assert.Equal(1000f, Lanes.Softplus(Vector512.Create(1000f))[0]);
        Assert.Equal(0f, Lanes.Softplus(Vector512.Create(-1000f))[0]);
        Assert.Equal(double.PositiveInfinity, Lanes.Exp(Vector512.Create(710.0))[0]);
        Assert.Equal(Math.Exp(-740.0), Lanes.Exp(Vector512.Create(-740.0))[0]);
        Assert.Equal(double.NegativeInfinity, Lanes.Log(Vector512.Create(0.0))[0]);
        Assert.Equal(Math.Log(1e-310), Lanes.Log(Vector512.Create(1e-310))[0], 12);
        Assert.Equal(1.0, Lanes.Tanh(Vector512.Create(50.0))[0]);
        Assert.Equal(1.0, Lanes.ReLUDerivative(Vector512.Create(0.5))[0]);
        Assert.Equal(0.0, Lanes.ReLUDerivative(Vector512.Create(0.0))[0]);
        Assert.Equal(0f, Lanes.ReLU(Vector512.Create(-2f))[0]);
    }

    [Fact]
    public void ColumnsAreTransposedAndPadded()
    {
        // 20 rows of width 3: value = 10 * row + column.
        float[] rows = new float[60];
        for (int r = 0; r < 20; r++)
            for (int c = 0; c < 3; c++) rows[r * 3 + c] = 10 * r + c;
        Vector512<float> full = Lanes.Column512<float>(rows, 2, 16, 3, 1);
        for (int j = 0; j < 16; j++) Assert.Equal(10 * (2 + j) + 1, full[j]);
        Vector512<float> tail = Lanes.Column512<float>(rows, 16, 4, 3, 2);
        for (int j = 0; j < 16; j++) Assert.Equal(j < 4 ? 10 * (16 + j) + 2 : 0, tail[j]);

        double[] drows = new double[60];
        for (int i = 0; i < 60; i++) drows[i] = rows[i];
        Vector512<double> d = Lanes.Column512<double>(drows, 12, 8, 3, 0);
        for (int j = 0; j < 8; j++) Assert.Equal(10 * (12 + j), d[j]);

        // StoreColumn writes back the first count lanes only.
        var back = new float[60];
        Lanes.StoreColumn(back, 16, 4, 3, 2, tail);
        for (int i = 0; i < 60; i++) Assert.Equal(i >= 48 && i % 3 == 2 ? rows[i] : 0, back[i]);

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Lanes.Column512<float>(rows, 10, 16, 3, 0));
        Assert.Contains("rows 10 .. 25", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => Lanes.Column512<float>(rows, 0, 17, 3, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Lanes.Column512<float>(rows, 0, 16, 3, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => Lanes.StoreColumn(back, 0, 0, 3, 0, tail));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void EveryWidthLoadsAndStoresItsColumns(int width)
    {
        // Widths 1 and 2 have their own full-group paths (a plain load; two loads and a permute); 3 gathers.
        const int rowCount = 37;
        float[] rows = Enumerable(rowCount * width);
        double[] drows = Array.ConvertAll(rows, v => (double)v);
        RoundTrip<Vector512<float>, float>(rows, width);
        RoundTrip<Vector<float>, float>(rows, width);
        RoundTrip<Vector512<double>, double>(drows, width);
        RoundTrip<Vector<double>, double>(drows, width);
    }

    /// <summary>Every column of every group read, checked lane by lane (0 past the batch), and written back.</summary>
    private static void RoundTrip<V, T>(T[] rows, int width) where V : struct where T : unmanaged, IFloatingPointIeee754<T>
    {
        int lanes = Unsafe.SizeOf<V>() / Unsafe.SizeOf<T>(), rowCount = rows.Length / width;
        var back = new T[rows.Length];
        for (int first = 0; first < rowCount; first += lanes)
        {
            int count = Math.Min(lanes, rowCount - first);
            for (int c = 0; c < width; c++)
            {
                T[] values;
                if (typeof(V) == typeof(Vector512<T>))
                {
                    Vector512<T> v = Lanes.Column512<T>(rows, first, count, width, c);
                    values = ToArray(v);
                    Lanes.StoreColumn<T>(back, first, count, width, c, v);
                }
                else
                {
                    Vector<T> v = Lanes.ColumnVector<T>(rows, first, count, width, c);
                    values = ToArray(v);
                    Lanes.StoreColumn<T>(back, first, count, width, c, v);
                }
                for (int j = 0; j < lanes; j++) Assert.Equal(j < count ? rows[(first + j) * width + c] : T.Zero, values[j]);
            }
        }
        Assert.Equal(rows, back);
    }

    private static float[] Enumerable(int length)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = i + 1;
        return values;
    }

    [Fact]
    public void LabelsBecomeOneHotTargetsAndBadLabelsNameTheirSample()
    {
        int[] labels = [2, 0, 1, 1, 2, 0, 0, 1, 2, 2, 1, 0, 1, 2, 0, 1, 2, 0];
        Vector512<float> full = Lanes.Labels512<float>(labels, 0, 16, 3);
        for (int k = 0; k < 3; k++)
        {
            Vector512<float> t = Lanes.OneHot(full, k);
            for (int j = 0; j < 16; j++) Assert.Equal(labels[j] == k ? 1f : 0f, t[j]);
        }
        Vector512<double> tail = Lanes.Labels512<double>(labels, 16, 2, 3); // samples 16 and 17, then padding
        Assert.Equal(2.0, tail[0]);
        for (int j = 1; j < 8; j++) Assert.Equal(0.0, tail[j]);
        Vector512<float> single = Lanes.Labels512<float>([1, 0, 1], 0, 3, 1); // one output: the label is the target
        Assert.Equal(1f, single[0]);
        Assert.Equal(0f, single[1]);
        Assert.Equal(1f, single[2]);
        int[] bad = [0, 1, 3, 1];
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Lanes.Labels512<float>(bad, 0, 4, 3));
        Assert.Contains("Label of sample 2 must be a class in [0, 3), found 3.", error.Message, StringComparison.Ordinal);
        error = Assert.Throws<ArgumentOutOfRangeException>(() => Lanes.Labels512<float>([0, 1, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 0, 16, 1));
        Assert.Contains("Label of sample 4 must be 0 or 1 for a model with one output, found 2.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MasksAndSums()
    {
        Vector512<float> keep = Lanes.FirstLanes512<float>(5);
        for (int j = 0; j < 16; j++) Assert.Equal(j < 5 ? 1f : 0f, keep[j]);
        Vector512<double> keepDouble = Lanes.FirstLanes512<double>(8);
        Assert.Equal(8.0, Lanes.Sum(keepDouble));
        Vector<float> keepVector = Lanes.FirstLanesVector<float>(3);
        Assert.Equal(3f, Lanes.Sum(keepVector));
        // Lane j meets lane j + 8 first: 1e8 and -1e8 cancel before the 1 is added (left to right, the 1 would be lost).
        var values = new float[16];
        values[0] = 1e8f; values[8] = -1e8f; values[1] = 1f;
        Assert.Equal(1f, Lanes.Sum(Vector512.Create(values)));
        var sequence = new float[16];
        for (int j = 0; j < 16; j++) sequence[j] = j + 1;
        Assert.Equal(136f, Lanes.Sum(Vector512.Create(sequence)));
        Assert.Equal(Vector<float>.Count * (Vector<float>.Count + 1) / 2, Lanes.Sum(new Vector<float>(sequence)));
    }
}
