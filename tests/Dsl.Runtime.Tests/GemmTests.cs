using System;
using System.Numerics;
using Xunit;

namespace Dsl.Runtime.Tests;

/// <summary>
/// The blocked Dense products (<see cref="Gemm"/>) against a plain double-precision triple loop, at every vector width
/// this machine runs (512, 256, 128 bits), in float and double, for sizes with every kind of edge: sample counts 1 to
/// 256 that do and do not fill a 4-row tile, unit counts that do not fill a 4-unit tile, input counts shorter than a
/// vector, between vectors, and past a 4-vector panel. Then bit-identity across <see cref="Workers.Degree"/> 1, 2, 3.
/// </summary>
[Collection(WorkersDegreeCollection.Name)]
public class GemmTests
{
    public static readonly TheoryData<int, int, int> Shapes = new()
    {
        { 1, 1, 1 }, { 1, 3, 5 }, { 2, 17, 9 }, { 3, 40, 7 }, { 4, 16, 4 }, { 5, 33, 13 }, { 7, 64, 3 },
        { 9, 65, 66 }, { 13, 100, 31 }, { 64, 129, 10 }, { 100, 784, 12 }, { 131, 70, 5 }, { 256, 20, 17 },
        { 5, 70, 300 }, { 200, 48, 130 }, // reductions longer than one block (Gemm.DepthBlock = 128) in each product
    };

    private static int[] Widths => Gemm.BestWidth switch { 512 => [512, 256, 128], 256 => [256, 128], _ => [128] };

    private static void Fill<T>(T[] a, int seed, double scale) where T : IFloatingPointIeee754<T>
    {
        var random = new Random(seed);
        for (int i = 0; i < a.Length; i++) a[i] = T.CreateChecked((random.NextDouble() * 2 - 1) * scale);
    }

    /// <summary>|expected - actual| within <paramref name="relative"/> of the sum of the terms' magnitudes (plus the magnitude of the start value).</summary>
    private static void AssertSums<T>(double[] expected, double[] magnitude, T[] actual, double relative, string what) where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(expected[i] - double.CreateChecked(actual[i]));
            if (!(error <= relative * magnitude[i] + 1e-300))
                Assert.Fail($"{what}: element {i} is {actual[i]}, expected {expected[i]} (error {error:E3}, allowed {relative * magnitude[i]:E3}).");
        }
    }

    private static double Tolerance<T>() => typeof(T) == typeof(float) ? 4e-7 : 1e-15;

    private static void ForwardAgainstNaive<T>(int n, int inSize, int outSize) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] x = new T[n * inSize], w = new T[outSize * inSize], b = new T[outSize];
        Fill(x, 1, 1); Fill(w, 2, 0.5); Fill(b, 3, 1);
        double[] expected = new double[n * outSize], magnitude = new double[n * outSize];
        for (int s = 0; s < n; s++)
            for (int o = 0; o < outSize; o++)
            {
                double z = double.CreateChecked(b[o]), m = Math.Abs(z);
                for (int k = 0; k < inSize; k++)
                {
                    double term = double.CreateChecked(x[s * inSize + k]) * double.CreateChecked(w[o * inSize + k]);
                    z += term; m += Math.Abs(term);
                }
                expected[s * outSize + o] = z; magnitude[s * outSize + o] = m * inSize;
            }
        foreach (int width in Widths)
        {
            T[] y = new T[n * outSize];
            Gemm.DenseForwardAt<T>(width, y, x, w, b, n, inSize, outSize, Act.Linear);
            AssertSums(expected, magnitude, y, Tolerance<T>(), $"forward {typeof(T).Name} {n}x{inSize}->{outSize} at {width} bits");
        }
    }

    private static void InputGradientAgainstNaive<T>(int n, int inSize, int outSize) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] dz = new T[n * outSize], w = new T[outSize * inSize];
        Fill(dz, 4, 1); Fill(w, 5, 0.5);
        double[] expected = new double[n * inSize], magnitude = new double[n * inSize];
        for (int s = 0; s < n; s++)
            for (int i = 0; i < inSize; i++)
            {
                double sum = 0, m = 0;
                for (int o = 0; o < outSize; o++)
                {
                    double term = double.CreateChecked(dz[s * outSize + o]) * double.CreateChecked(w[o * inSize + i]);
                    sum += term; m += Math.Abs(term);
                }
                expected[s * inSize + i] = sum; magnitude[s * inSize + i] = m * outSize;
            }
        foreach (int width in Widths)
        {
            T[] dx = new T[n * inSize];
            dx.AsSpan().Fill(T.CreateChecked(12345)); // overwritten, not added to
            Gemm.DenseInputGradientAt<T>(width, dx, dz, w, n, inSize, outSize);
            AssertSums(expected, magnitude, dx, Tolerance<T>(), $"input gradient {typeof(T).Name} {n}x{inSize}->{outSize} at {width} bits");
        }
    }

    private static void WeightGradientAgainstNaive<T>(int n, int inSize, int outSize) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] dz = new T[n * outSize], x = new T[n * inSize], dw0 = new T[outSize * inSize], db0 = new T[outSize];
        Fill(dz, 6, 1); Fill(x, 7, 1); Fill(dw0, 8, 1); Fill(db0, 9, 1);
        double[] expectedW = new double[outSize * inSize], magnitudeW = new double[outSize * inSize];
        double[] expectedB = new double[outSize], magnitudeB = new double[outSize];
        for (int o = 0; o < outSize; o++)
        {
            double sb = double.CreateChecked(db0[o]), mb = Math.Abs(sb);
            for (int s = 0; s < n; s++) { sb += double.CreateChecked(dz[s * outSize + o]); mb += Math.Abs(double.CreateChecked(dz[s * outSize + o])); }
            expectedB[o] = sb; magnitudeB[o] = mb * (n + 1);
            for (int i = 0; i < inSize; i++)
            {
                double sum = double.CreateChecked(dw0[o * inSize + i]), m = Math.Abs(sum);
                for (int s = 0; s < n; s++)
                {
                    double term = double.CreateChecked(dz[s * outSize + o]) * double.CreateChecked(x[s * inSize + i]);
                    sum += term; m += Math.Abs(term);
                }
                expectedW[o * inSize + i] = sum; magnitudeW[o * inSize + i] = m * (n + 1);
            }
        }
        foreach (int width in Widths)
        {
            T[] dw = (T[])dw0.Clone(), db = (T[])db0.Clone(); // accumulated into
            Gemm.DenseWeightGradientAt<T>(width, dw, db, dz, x, n, inSize, outSize);
            AssertSums(expectedW, magnitudeW, dw, Tolerance<T>(), $"weight gradient {typeof(T).Name} {n}x{inSize}->{outSize} at {width} bits");
            AssertSums(expectedB, magnitudeB, db, Tolerance<T>(), $"bias gradient {typeof(T).Name} {n}x{inSize}->{outSize} at {width} bits");
        }
    }

    [Theory, MemberData(nameof(Shapes))]
    public void ForwardMatchesNaiveProduct(int n, int inSize, int outSize)
    {
        ForwardAgainstNaive<float>(n, inSize, outSize);
        ForwardAgainstNaive<double>(n, inSize, outSize);
    }

    [Theory, MemberData(nameof(Shapes))]
    public void InputGradientMatchesNaiveProduct(int n, int inSize, int outSize)
    {
        InputGradientAgainstNaive<float>(n, inSize, outSize);
        InputGradientAgainstNaive<double>(n, inSize, outSize);
    }

    [Theory, MemberData(nameof(Shapes))]
    public void WeightGradientMatchesNaiveProduct(int n, int inSize, int outSize)
    {
        WeightGradientAgainstNaive<float>(n, inSize, outSize);
        WeightGradientAgainstNaive<double>(n, inSize, outSize);
    }

    [Fact]
    public void EverySampleCountUpToTheTileSizeMatchesTheNaiveProduct()
    {
        for (int n = 1; n <= 256; n += n < 16 ? 1 : 17)
        {
            ForwardAgainstNaive<float>(n, 37, 11);
            InputGradientAgainstNaive<float>(n, 37, 11);
            WeightGradientAgainstNaive<double>(n, 37, 11);
        }
    }

    [Fact]
    public void FusedActivationsMatchTheScalarFunctions()
    {
        const int n = 7, inSize = 21, outSize = 19;
        float[] x = new float[n * inSize], w = new float[outSize * inSize], b = new float[outSize];
        Fill(x, 11, 2); Fill(w, 12, 1); Fill(b, 13, 1);
        float[] z = new float[n * outSize];
        Gemm.DenseForward<float>(z, x, w, b, n, inSize, outSize);
        foreach (Act act in new[] { Act.Sigmoid, Act.Tanh, Act.ReLU, Act.Softplus, Act.Softmax })
        {
            float[] y = new float[n * outSize];
            Gemm.DenseForward<float>(y, x, w, b, n, inSize, outSize, act);
            for (int s = 0; s < n; s++)
            {
                double max = double.NegativeInfinity, sum = 0;
                for (int o = 0; o < outSize; o++) max = Math.Max(max, z[s * outSize + o]);
                for (int o = 0; o < outSize; o++) sum += Math.Exp(z[s * outSize + o] - max);
                for (int o = 0; o < outSize; o++)
                {
                    double v = z[s * outSize + o];
                    double expected = act switch
                    {
                        Act.Sigmoid => 1 / (1 + Math.Exp(-v)),
                        Act.Tanh => Math.Tanh(v),
                        Act.ReLU => Math.Max(v, 0),
                        Act.Softplus => Math.Max(v, 0) + Math.Log(1 + Math.Exp(-Math.Abs(v))),
                        _ => Math.Exp(v - max) / sum,
                    };
                    Assert.True(Math.Abs(y[s * outSize + o] - expected) <= 2.5e-7 * Math.Max(1, Math.Abs(expected)),
                        $"{act}({v}) = {y[s * outSize + o]}, expected {expected}");
                }
            }
        }
    }

    [Fact]
    public void BadArgumentsNameWhatWasExpected()
    {
        var e = Assert.Throws<ArgumentException>(() => Gemm.DenseForward<float>(new float[5], new float[6], new float[6], new float[2], 3, 2, 2));
        Assert.Contains("n x outSize = 6", e.Message);
        e = Assert.Throws<ArgumentException>(() => Gemm.DenseWeightGradient<float>(new float[6], new float[2], new float[6], new float[6], 3, 0, 2));
        Assert.Contains("inSize >= 1", e.Message);
        e = Assert.Throws<ArgumentException>(() => Gemm.DenseInputGradient<double>(new double[6], new double[5], new double[4], 3, 2, 2));
        Assert.Contains("dz needs at least n x outSize = 6 values, but has 5", e.Message);
    }

    /// <summary>Fails on the first element whose bits differ.</summary>
    internal static void AssertBits<T>(T[] expected, T[] actual, string what) where T : unmanaged
    {
        Assert.Equal(expected.Length, actual.Length);
        ReadOnlySpan<byte> e = System.Runtime.InteropServices.MemoryMarshal.AsBytes(expected.AsSpan());
        ReadOnlySpan<byte> a = System.Runtime.InteropServices.MemoryMarshal.AsBytes(actual.AsSpan());
        int size = e.Length / Math.Max(1, expected.Length);
        for (int i = 0; i < expected.Length; i++)
            if (!e.Slice(i * size, size).SequenceEqual(a.Slice(i * size, size)))
                Assert.Fail($"{what}: element {i} is {actual[i]}, expected {expected[i]} bit for bit.");
    }

    /// <summary>
    /// The weight gradient follows its documented arithmetic bit for bit, <c>a = fma(dz[s, o], x[s, i], a)</c> for
    /// samples in order from <c>a = dw[o, i]</c>, whether it reads dz in place (short rows, few samples) or packs its
    /// columns first (<see cref="Gemm.PacksGradient"/>), at every width and degree.
    /// </summary>
    [Theory]
    [InlineData(200, 48, 130)] // packed, two sample blocks
    [InlineData(9, 65, 66)]    // packed, one 8-sample block and a tail
    [InlineData(100, 784, 128)] // packed, W2's first layer
    [InlineData(5, 70, 300)]   // fewer than 8 samples: read in place
    [InlineData(64, 129, 10)]  // short rows: read in place
    public void WeightGradientFollowsItsDocumentedOrderBitForBit(int n, int inSize, int outSize)
    {
        float[] dz = new float[n * outSize], x = new float[n * inSize], start = new float[outSize * inSize];
        Fill(dz, 31, 1); Fill(x, 32, 1); Fill(start, 33, 0.1);
        float[] expected = (float[])start.Clone();
        for (int o = 0; o < outSize; o++)
            for (int i = 0; i < inSize; i++)
            {
                float a = expected[o * inSize + i];
                for (int s = 0; s < n; s++) a = MathF.FusedMultiplyAdd(dz[s * outSize + o], x[s * inSize + i], a);
                expected[o * inSize + i] = a;
            }
        int saved = Workers.Degree;
        try
        {
            foreach (int degree in new[] { 1, 2 })
                foreach (int width in Widths)
                {
                    Workers.Degree = degree;
                    float[] dw = (float[])start.Clone(), db = new float[outSize];
                    Gemm.DenseWeightGradientAt<float>(width, dw, db, dz, x, n, inSize, outSize);
                    AssertBits(expected, dw, $"weight gradient at width {width}, degree {degree}");
                }
        }
        finally { Workers.Degree = saved; }
    }

    /// <summary>
    /// With <c>accumulate: false</c> the weight and bias gradients are written, not added to: buffers full of NaN come
    /// out bit for bit as buffers of zeros do when added to (the generated <c>TrainStep</c> relies on it to skip
    /// clearing its gradients), at every width and degree, on the row split, the column split, the packed and in-place
    /// paths, two sample blocks, and columns past the last whole panel.
    /// </summary>
    [Theory]
    [InlineData(200, 48, 130)]  // rows split, packed, two sample blocks
    [InlineData(100, 784, 128)] // W2's first layer
    [InlineData(64, 129, 10)]   // few units: split by columns, a scalar column
    [InlineData(5, 70, 300)]    // fewer than 8 samples: dz read in place
    [InlineData(3, 5, 2)]       // one part, scalar columns only
    public void WeightGradientWithoutAccumulateWritesWhatAddingToZerosGives(int n, int inSize, int outSize)
    {
        float[] dz = new float[n * outSize], x = new float[n * inSize];
        Fill(dz, 41, 1); Fill(x, 42, 1);
        int saved = Workers.Degree;
        try
        {
            foreach (int degree in new[] { 1, 2, 3 })
                foreach (int width in Widths)
                {
                    Workers.Degree = degree;
                    float[] dwAdded = new float[outSize * inSize], dbAdded = new float[outSize];
                    Gemm.DenseWeightGradientAt<float>(width, dwAdded, dbAdded, dz, x, n, inSize, outSize);
                    float[] dw = new float[outSize * inSize], db = new float[outSize];
                    dw.AsSpan().Fill(float.NaN); db.AsSpan().Fill(float.NaN);
                    Gemm.DenseWeightGradientAt<float>(width, dw, db, dz, x, n, inSize, outSize, accumulate: false);
                    AssertBits(dwAdded, dw, $"weight gradient written at width {width}, degree {degree}");
                    AssertBits(dbAdded, db, $"bias gradient written at width {width}, degree {degree}");
                }
            // Through the public entry point, and with no samples: zeros.
            float[] empty = [float.NaN, float.NaN], emptyBias = [float.NaN];
            Gemm.DenseWeightGradient<float>(empty, emptyBias, [], [], 0, 2, 1, accumulate: false);
            Assert.Equal([0f, 0f], empty);
            Assert.Equal([0f], emptyBias);
        }
        finally { Workers.Degree = saved; }
    }

    /// <summary>Packing copies exactly the asked columns of dz into rows, floats through the 8 x 8 transposes and doubles one by one.</summary>
    [Fact]
    public unsafe void PackColumnsWritesTheColumnsAsRowsAndNothingElse()
    {
        static void Check<T>(int n, int outSize, int o0, int o1) where T : unmanaged, IFloatingPointIeee754<T>
        {
            T[] dz = new T[n * outSize];
            for (int i = 0; i < dz.Length; i++) dz[i] = T.CreateChecked(i + 1);
            T[] packed = new T[outSize * n];
            Array.Fill(packed, T.NaN);
            fixed (T* pp = packed, pd = dz) Gemm.PackColumns(pp, pd, n, outSize, o0, o1);
            for (int o = 0; o < outSize; o++)
                for (int s = 0; s < n; s++)
                {
                    T got = packed[o * n + s];
                    if (o >= o0 && o < o1) Assert.True(got == dz[s * outSize + o], $"{typeof(T).Name} n={n} out={outSize}: packed[{o}, {s}] is {got}, expected dz[{s}, {o}] = {dz[s * outSize + o]}");
                    else Assert.True(T.IsNaN(got), $"{typeof(T).Name}: packed[{o}, {s}] outside [{o0}, {o1}) was written ({got})");
                }
        }
        foreach (var (n, outSize, o0, o1) in new[] { (8, 8, 0, 8), (13, 21, 3, 19), (200, 130, 64, 130), (7, 40, 0, 40), (24, 17, 16, 17) })
        {
            Check<float>(n, outSize, o0, o1);
            Check<double>(n, outSize, o0, o1);
        }
    }

    /// <summary>
    /// The forward product follows its documented arithmetic bit for bit: per lane an FMA chain over the whole vectors,
    /// the lanes summed by halves (256-bit, 128-bit, then lanes 0 + 2 and 1 + 3, then those two), the inputs past the
    /// last whole vector by scalar FMAs, then the bias; at every width, for the 4 x 6 tiles (512 bits), the 4 x 4 tiles,
    /// the one-sample tiles and edges.
    /// </summary>
    [Theory]
    [InlineData(7, 784, 13)]  // whole vectors only (W2's and W3's input size); split in two parts of 8 and 5 units
    [InlineData(5, 150, 9)]   // a tail past the last whole vector
    [InlineData(9, 200, 23)]  // both tails; at 512 bits two parts, the second one 4 x 6 tile and 4 x 4 tiles of 4 and 1 units
    [InlineData(1, 256, 16)]  // one sample: the 1 x 8 tile
    [InlineData(2, 64, 6)]    // two samples: 1 x 4 tiles with an edge
    public void ForwardFollowsItsDocumentedOrderBitForBit(int n, int inSize, int outSize)
    {
        float[] x = new float[n * inSize], w = new float[outSize * inSize], b = new float[outSize];
        Fill(x, 41, 1); Fill(w, 42, 0.5); Fill(b, 43, 1);
        foreach (int width in Widths)
        {
            int lanes = width / 32, main = inSize - inSize % lanes;
            float[] expected = new float[n * outSize];
            for (int s = 0; s < n; s++)
                for (int o = 0; o < outSize; o++)
                {
                    float[] acc = new float[lanes];
                    for (int k = 0; k < main; k++) acc[k % lanes] = MathF.FusedMultiplyAdd(x[s * inSize + k], w[o * inSize + k], acc[k % lanes]);
                    for (int half = lanes / 2; half >= 2; half /= 2)
                        for (int j = 0; j < half; j++) acc[j] += acc[j + half];
                    float sum = lanes >= 2 ? acc[0] + acc[1] : acc[0];
                    for (int k = main; k < inSize; k++) sum = MathF.FusedMultiplyAdd(x[s * inSize + k], w[o * inSize + k], sum);
                    expected[s * outSize + o] = sum + b[o];
                }
            float[] y = new float[n * outSize];
            Gemm.DenseForwardAt<float>(width, y, x, w, b, n, inSize, outSize, Act.Linear);
            AssertBits(expected, y, $"forward at width {width}");
        }
    }

    /// <summary>A sample's forward result does not depend on the batch it comes in, nor on its place in a tile.</summary>
    [Theory]
    [InlineData(150)]
    [InlineData(784)]
    public void ForwardOfOneSampleEqualsItsRowInABatch(int inSize)
    {
        const int n = 23, outSize = 37;
        float[] x = new float[n * inSize], w = new float[outSize * inSize], b = new float[outSize];
        Fill(x, 21, 1); Fill(w, 22, 0.3); Fill(b, 23, 1);
        float[] batch = new float[n * outSize], one = new float[outSize];
        Gemm.DenseForward<float>(batch, x, w, b, n, inSize, outSize, Act.Tanh);
        for (int s = 0; s < n; s++)
        {
            Gemm.DenseForward<float>(one, x.AsSpan(s * inSize, inSize), w, b, 1, inSize, outSize, Act.Tanh);
            AssertBits(batch.AsSpan(s * outSize, outSize).ToArray(), one, $"sample {s}");
        }
    }

    /// <summary>
    /// Every product, large enough to be split (W2's and W3's shapes and odd ones), gives the same bits at degree 1, 2
    /// and 3.
    /// </summary>
    [Theory]
    [InlineData(100, 784, 128)]
    [InlineData(200, 784, 784)]
    [InlineData(1, 784, 128)]
    [InlineData(37, 333, 129)]
    public void ResultsAreBitIdenticalAtEveryDegree(int n, int inSize, int outSize)
    {
        float[] x = new float[n * inSize], w = new float[outSize * inSize], b = new float[outSize], dz = new float[n * outSize];
        Fill(x, 31, 1); Fill(w, 32, 0.1); Fill(b, 33, 1); Fill(dz, 34, 0.01);
        double[] xd = Array.ConvertAll(x, v => (double)v), dzd = Array.ConvertAll(dz, v => (double)v), wd = Array.ConvertAll(w, v => (double)v);
        int saved = Workers.Degree;
        try
        {
            (float[], float[], float[], float[], double[], double[]) Run(int degree)
            {
                Workers.Degree = degree;
                float[] y = new float[n * outSize], dx = new float[n * inSize], dw = new float[outSize * inSize], db = new float[outSize];
                Gemm.DenseForward<float>(y, x, w, b, n, inSize, outSize, Act.Sigmoid);
                Gemm.DenseInputGradient<float>(dx, dz, w, n, inSize, outSize);
                Gemm.DenseWeightGradient<float>(dw, db, dz, x, n, inSize, outSize);
                double[] dxd = new double[n * inSize], dwd = new double[outSize * inSize];
                Gemm.DenseInputGradient<double>(dxd, dzd, wd, n, inSize, outSize);
                Gemm.DenseWeightGradient<double>(dwd, new double[outSize], dzd, xd, n, inSize, outSize);
                return (y, dx, dw, db, dxd, dwd);
            }
            var one = Run(1);
            Assert.True(Gemm.ParallelThreshold <= (long)n * inSize * outSize || Gemm.ParallelWeights <= (long)inSize * outSize, "the shape is too small to be split");
            foreach (int degree in new[] { 2, 3 })
            {
                var other = Run(degree);
                AssertBits(one.Item1, other.Item1, $"forward at degree {degree}");
                AssertBits(one.Item2, other.Item2, $"input gradient at degree {degree}");
                AssertBits(one.Item3, other.Item3, $"weight gradient at degree {degree}");
                AssertBits(one.Item4, other.Item4, $"bias gradient at degree {degree}");
                AssertBits(one.Item5, other.Item5, $"double input gradient at degree {degree}");
                AssertBits(one.Item6, other.Item6, $"double weight gradient at degree {degree}");
            }
        }
        finally
        {
            Workers.Degree = saved;
        }
    }
}
