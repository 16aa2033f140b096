using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Dsl.Runtime;

/// <summary>
/// The three matrix products of a Dense layer, register-blocked with SIMD vectors (512-bit where the CPU has them,
/// else 256, else 128) and split across <see cref="Workers"/>. Matrices are row-major: samples <c>x [n, in]</c>, weight
/// <c>w [out, in]</c> as in PyTorch, outputs <c>y [n, out]</c>.
/// </summary>
/// <remarks>
/// <para><b>Determinism.</b> Work is split by outputs only: every output element is computed by exactly one part, and
/// its arithmetic is fixed by the sizes alone, never by the number of parts, the part that computes it, its position in
/// a register tile, or <see cref="Workers.Degree"/>. So results are bit-identical whatever the degree. The arithmetic
/// of one element (with <c>V</c> the lanes per vector, <c>fma</c> one rounding):</para>
/// <list type="bullet">
/// <item><see cref="DenseForward{T}"/>, <c>y[s, o]</c>: a vector accumulator <c>a = fma(x[s, k..k+V], w[o, k..k+V], a)</c>
/// for <c>k = 0, V, 2V, ...</c> while a whole vector fits, its lanes summed pairwise (halves added down to one lane),
/// then <c>sum = fma(x[s, k], w[o, k], sum)</c> for the remaining <c>k</c> in order, then <c>y = sum + b[o]</c>, then
/// the activation.</item>
/// <item><see cref="DenseInputGradient{T}"/>, <c>dx[s, i]</c>: <c>a = fma(dz[s, o], w[o, i], a)</c> for
/// <c>o = 0 .. out-1</c> in order, from <c>a = 0</c>.</item>
/// <item><see cref="DenseWeightGradient{T}"/>, <c>dw[o, i]</c>: <c>a = fma(dz[s, o], x[s, i], a)</c> for
/// <c>s = 0 .. n-1</c> in order, from <c>a = dw[o, i]</c>; <c>db[o] += dz[s, o]</c> for <c>s</c> in order. Because
/// the accumulation starts from what <c>dw</c> holds, calling it tile after tile gives the same bits as one call on
/// the whole batch.</item>
/// </list>
/// <para><b>Blocking.</b> The forward product keeps a 4 x 4 tile of dot products (4 samples x 4 units, 16 vector
/// accumulators, 8 loads per 16 fused multiply-adds) and loops blocks of up to 16 units outside samples, so the
/// block's weight rows stay in L1 while the samples stream from L2, each sample tile serving the whole block. Both gradient products broadcast one scalar and multiply a row segment of
/// 4 vectors: a 4 x 4V tile (4 samples or units x 4 vectors), 16 accumulators, 4 loads and 4 broadcasts per 16
/// multiply-adds; their reductions run along memory, so no horizontal sum is needed. Edge tiles compute clamped
/// duplicates of the last row or unit and store only the valid ones; edge columns that do not fill a vector run the
/// same fused multiply-adds in scalar code.</para>
/// </remarks>
public static unsafe class Gemm
{
    /// <summary>
    /// Length of the reduction blocks of the gradient products (units for the input gradient, samples for the weight
    /// gradient): one block of a 4-vector panel, <c>128 x 64</c> floats = 32 KB, fits L1 beside the tile. Blocking
    /// does not change any sum: a block continues the previous block's sums from memory, in the same order.
    /// </summary>
    internal const int DepthBlock = 128;

    /// <summary>
    /// Bytes of weight rows the 4 x 4 forward tiles (256 and 128 bits) keep in L1 while a 4-sample tile passes them: a
    /// block of 1 to 4 unit tiles (8 units of 784 floats = 25 KB), so each sample tile is read from L2 once per block
    /// instead of once per 4 units. Measured on the W2 and W3 layers (784 inputs): 4-unit blocks 150 / 105 GFLOP/s on
    /// one core, 8-unit blocks 160 / 130 (docs/perf-dense.md).
    /// </summary>
    internal const int ForwardBlockBytes = 32 * 1024;

    /// <summary>Unit tiles (of 4 units) per block of the forward product for inputs of <paramref name="k"/> values of <paramref name="size"/> bytes.</summary>
    /// <remarks>Blocks of 4 tiles for the 200 x 784 inputs of W3 were 8% faster alone but 5% slower inside W3's training
    /// step (measured by alternating the two every 20 steps of one run), so the L1 budget decides alone.</remarks>
    internal static int ForwardBlockTiles(int k, int size) => Math.Clamp(ForwardBlockBytes / (4 * k * size), 1, 4);

    /// <summary>
    /// Products of fewer multiply-adds than this (about 4 us of work on one core) and fewer weights than
    /// <see cref="ParallelWeights"/> run on the calling thread: a worker would spend much of that noticing the region and
    /// fetching its inputs. Measured on 2 cores (docs/perf-dense.md): at 128-256 K multiply-adds two threads were slower
    /// than one, at 400 K even, from 800 K faster.
    /// </summary>
    public const int ParallelThreshold = 512 * 1024;

    /// <summary>
    /// Products with at least this many weights are split even when their work is under <see cref="ParallelThreshold"/>:
    /// with few samples a product is as slow as its weights are to read, and split by rows each core reads half of them
    /// from its own L2. One-sample inference of W2's network (1 x 784 x 128, 100 K weights) takes 2.6 us split and
    /// 3.7-4.2 us on one thread.
    /// </summary>
    public const int ParallelWeights = 32 * 1024;

    /// <summary>
    /// Forward product of a Dense layer with the activation fused: <c>y[s, o] = act(b[o] + sum_k x[s, k] w[o, k])</c> for
    /// <c>s &lt; n</c>, <c>o &lt; outSize</c>.
    /// </summary>
    /// <param name="y">Output <c>[n, outSize]</c>.</param>
    /// <param name="x">Input <c>[n, inSize]</c>.</param>
    /// <param name="w">Weight <c>[outSize, inSize]</c>.</param>
    /// <param name="b">Bias <c>[outSize]</c>.</param>
    /// <param name="n">Samples.</param>
    /// <param name="inSize">Inputs per sample.</param>
    /// <param name="outSize">Outputs per sample.</param>
    /// <param name="act">An element-wise activation applied to each output (Linear, Sigmoid, Tanh, ReLU, Softplus), or
    /// Softmax, applied to each sample's row after the product.</param>
    /// <exception cref="ArgumentException">A size below its minimum or a span shorter than the sizes need.</exception>
    public static void DenseForward<T>(Span<T> y, ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> b, int n, int inSize, int outSize, Act act = Act.Linear)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSizes(n, inSize, outSize);
        CheckLength(y.Length, (long)n * outSize, nameof(y), "n x outSize");
        CheckLength(x.Length, (long)n * inSize, nameof(x), "n x inSize");
        CheckLength(w.Length, (long)outSize * inSize, nameof(w), "outSize x inSize");
        CheckLength(b.Length, outSize, nameof(b), "outSize");
        if (act is < Act.Linear or > Act.Softmax) throw new ArgumentException($"Expected an activation of Dsl.Act, got {(int)act}.", nameof(act));
        DenseForwardAt(BestWidth, y, x, w, b, n, inSize, outSize, act);
    }

    /// <summary>The widest accelerated vector width in bits: 512, 256 or 128.</summary>
    internal static int BestWidth => Vector512.IsHardwareAccelerated ? 512 : Vector256.IsHardwareAccelerated ? 256 : 128;

    /// <summary><see cref="DenseForward{T}(Span{T}, ReadOnlySpan{T}, ReadOnlySpan{T}, ReadOnlySpan{T}, int, int, int, Act)"/> at a given vector width, unchecked.</summary>
    internal static void DenseForwardAt<T>(int width, Span<T> y, ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> b, int n, int inSize, int outSize, Act act)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (n == 0) return;
        Act elementwise = act == Act.Softmax ? Act.Linear : act;
        fixed (T* py = y, px = x, pw = w, pb = b)
        {
            if (width == 512) Forward<Vector512<T>, T, Simd512<T>>(py, px, pw, pb, n, inSize, outSize, elementwise);
            else if (width == 256) Forward<Vector256<T>, T, Simd256<T>>(py, px, pw, pb, n, inSize, outSize, elementwise);
            else Forward<Vector128<T>, T, Simd128<T>>(py, px, pw, pb, n, inSize, outSize, elementwise);
        }
        if (act == Act.Softmax) Activations.Softmax(y.Slice(0, n * outSize), outSize);
    }

    /// <summary>
    /// Input gradient of a Dense layer: <c>dx[s, i] = sum_o dz[s, o] w[o, i]</c> (overwrites <paramref name="dx"/>).
    /// </summary>
    /// <param name="dx">Output <c>[n, inSize]</c>.</param>
    /// <param name="dz">Gradient with respect to the pre-activations, <c>[n, outSize]</c>.</param>
    /// <param name="w">Weight <c>[outSize, inSize]</c>.</param>
    /// <param name="n">Samples.</param>
    /// <param name="inSize">Inputs per sample.</param>
    /// <param name="outSize">Outputs per sample.</param>
    /// <exception cref="ArgumentException">A size below its minimum or a span shorter than the sizes need.</exception>
    public static void DenseInputGradient<T>(Span<T> dx, ReadOnlySpan<T> dz, ReadOnlySpan<T> w, int n, int inSize, int outSize)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSizes(n, inSize, outSize);
        CheckLength(dx.Length, (long)n * inSize, nameof(dx), "n x inSize");
        CheckLength(dz.Length, (long)n * outSize, nameof(dz), "n x outSize");
        CheckLength(w.Length, (long)outSize * inSize, nameof(w), "outSize x inSize");
        DenseInputGradientAt(BestWidth, dx, dz, w, n, inSize, outSize);
    }

    /// <summary><see cref="DenseInputGradient{T}(Span{T}, ReadOnlySpan{T}, ReadOnlySpan{T}, int, int, int)"/> at a given vector width, unchecked.</summary>
    internal static void DenseInputGradientAt<T>(int width, Span<T> dx, ReadOnlySpan<T> dz, ReadOnlySpan<T> w, int n, int inSize, int outSize)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (n == 0) return;
        fixed (T* pdx = dx, pdz = dz, pw = w)
        {
            if (width == 512) InputGradient<Vector512<T>, T, Simd512<T>>(pdx, pdz, pw, n, inSize, outSize);
            else if (width == 256) InputGradient<Vector256<T>, T, Simd256<T>>(pdx, pdz, pw, n, inSize, outSize);
            else InputGradient<Vector128<T>, T, Simd128<T>>(pdx, pdz, pw, n, inSize, outSize);
        }
    }

    /// <summary>
    /// Parameter gradients of a Dense layer, accumulated: <c>dw[o, i] += sum_s dz[s, o] x[s, i]</c> and
    /// <c>db[o] += sum_s dz[s, o]</c>, samples in order (or written: see <paramref name="accumulate"/>).
    /// </summary>
    /// <param name="dw">Weight gradient <c>[outSize, inSize]</c>, added to or overwritten.</param>
    /// <param name="db">Bias gradient <c>[outSize]</c>, added to or overwritten.</param>
    /// <param name="dz">Gradient with respect to the pre-activations, <c>[n, outSize]</c>.</param>
    /// <param name="x">The layer's input <c>[n, inSize]</c>.</param>
    /// <param name="n">Samples.</param>
    /// <param name="inSize">Inputs per sample.</param>
    /// <param name="outSize">Outputs per sample.</param>
    /// <param name="accumulate">Whether the gradients are added to <paramref name="dw"/> and <paramref name="db"/> (the
    /// default), or written over them: the same bits as adding to buffers of zeros, without clearing them first.</param>
    /// <exception cref="ArgumentException">A size below its minimum or a span shorter than the sizes need.</exception>
    public static void DenseWeightGradient<T>(Span<T> dw, Span<T> db, ReadOnlySpan<T> dz, ReadOnlySpan<T> x, int n, int inSize, int outSize, bool accumulate = true)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSizes(n, inSize, outSize);
        CheckLength(dw.Length, (long)outSize * inSize, nameof(dw), "outSize x inSize");
        CheckLength(db.Length, outSize, nameof(db), "outSize");
        CheckLength(dz.Length, (long)n * outSize, nameof(dz), "n x outSize");
        CheckLength(x.Length, (long)n * inSize, nameof(x), "n x inSize");
        DenseWeightGradientAt(BestWidth, dw, db, dz, x, n, inSize, outSize, accumulate);
    }

    /// <summary><see cref="DenseWeightGradient{T}(Span{T}, Span{T}, ReadOnlySpan{T}, ReadOnlySpan{T}, int, int, int, bool)"/> at a given vector width, unchecked.</summary>
    internal static void DenseWeightGradientAt<T>(int width, Span<T> dw, Span<T> db, ReadOnlySpan<T> dz, ReadOnlySpan<T> x, int n, int inSize, int outSize, bool accumulate = true)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (n == 0)
        {
            if (!accumulate)
            {
                dw.Slice(0, outSize * inSize).Clear();
                db.Slice(0, outSize).Clear();
            }
            return;
        }
        fixed (T* pdw = dw, pdb = db, pdz = dz, px = x)
        {
            if (width == 512) WeightGradient<Vector512<T>, T, Simd512<T>>(pdw, pdb, pdz, px, n, inSize, outSize, accumulate);
            else if (width == 256) WeightGradient<Vector256<T>, T, Simd256<T>>(pdw, pdb, pdz, px, n, inSize, outSize, accumulate);
            else WeightGradient<Vector128<T>, T, Simd128<T>>(pdw, pdb, pdz, px, n, inSize, outSize, accumulate);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Forward: y = act(x wᵀ + b). Parts own blocks of units (columns of y), in whole 4-unit tiles; inside a part the
    // 512-bit path runs 4 x 6 tiles and 4 x 4 tiles for the last units.

    /// <summary>The forward product at one vector width (internal so tests can run every width on one machine).</summary>
    internal static void Forward<TV, T, S>(T* y, T* x, T* w, T* b, int n, int inSize, int outSize, Act act)
        where TV : struct where T : unmanaged, IFloatingPointIeee754<T> where S : ISimd<TV, T>
    {
        int tiles = (outSize + 3) / 4;
        var job = new ForwardJob<TV, T, S> { Y = y, X = x, W = w, B = b, N = n, In = inSize, Out = outSize, Act = act };
        // One contiguous block of weight rows per thread, so that repeated calls find each thread's rows in its own L2.
        int parts = Parts(tiles, n, inSize, outSize);
        job.TilesPerPart = (tiles + parts - 1) / parts;
        Workers.Run(ref job, (tiles + job.TilesPerPart - 1) / job.TilesPerPart);
    }

    private struct ForwardJob<TV, T, S> : IParallelPart
        where TV : struct where T : unmanaged, IFloatingPointIeee754<T> where S : ISimd<TV, T>
    {
        public T* Y, X, W, B;
        public int N, In, Out, TilesPerPart;
        public Act Act;

        public readonly void Execute(int part)
        {
            int o0 = part * TilesPerPart * 4, o1 = Math.Min(Out, o0 + TilesPerPart * 4);
            if (N >= 4 && typeof(TV) == typeof(Vector512<T>))
            {
                // 32 vector registers hold a 4 x 6 tile's 24 sums: each tile's 6 weight rows stay in L1 while every
                // 4-sample tile streams past; the last 1 to 5 units of the part go by 4 x 4 tiles.
                int o = o0;
                for (; o + 6 <= o1; o += 6)
                    for (int s = 0; s < N; s += 4)
                        DotTile4x6<TV, T, S>(Y, X, W, B, s, o, N, In, Out);
                for (; o < o1; o += 4)
                    for (int s = 0; s < N; s += 4)
                        DotTile4x4<TV, T, S>(Y, X, W, B, s, o, N, In, Out, o1);
            }
            else if (N >= 4)
            {
                // A block of unit tiles' weight rows stays in L1 while every 4-sample tile streams past, each sample tile
                // read from L2 once for the whole block (see ForwardBlockBytes).
                int blk = 4 * ForwardBlockTiles(In, sizeof(T));
                for (int ob = o0; ob < o1; ob += blk)
                    for (int s = 0; s < N; s += 4)
                        for (int o = ob; o < Math.Min(o1, ob + blk); o += 4)
                            DotTile4x4<TV, T, S>(Y, X, W, B, s, o, N, In, Out, o1);
            }
            else
            {
                for (int s = 0; s < N; s++)
                {
                    int o = o0;
                    for (; o + 8 <= o1; o += 8) DotTile1x8<TV, T, S>(Y, X, W, B, s, o, In, Out);
                    for (; o < o1; o += 4) DotTile1x4<TV, T, S>(Y, X, W, B, s, o, In, Out);
                }
            }
            if (Act != Act.Linear)
                for (int s = 0; s < N; s++)
                    VectorMath.Apply<TV, T, S>(Y + (long)s * Out + o0, o1 - o0, Act);
        }
    }

    /// <summary>Dot products of 4 samples (from <paramref name="s"/>) with 4 weight rows (from <paramref name="o"/>); rows past the last sample or past unit <paramref name="end"/> (exclusive) are clamped and not stored.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DotTile4x4<TV, T, S>(T* y, T* x, T* w, T* b, int s, int o, int n, int k, int outSize, int end)
        where TV : struct where T : unmanaged, IFloatingPointIeee754<T> where S : ISimd<TV, T>
    {
        T* x0 = x + (long)s * k, x1 = x + (long)Math.Min(s + 1, n - 1) * k, x2 = x + (long)Math.Min(s + 2, n - 1) * k, x3 = x + (long)Math.Min(s + 3, n - 1) * k;
        T* w0 = w + (long)o * k, w1 = w + (long)Math.Min(o + 1, end - 1) * k, w2 = w + (long)Math.Min(o + 2, end - 1) * k, w3 = w + (long)Math.Min(o + 3, end - 1) * k;
        TV a00 = S.Zero, a01 = S.Zero, a02 = S.Zero, a03 = S.Zero, a10 = S.Zero, a11 = S.Zero, a12 = S.Zero, a13 = S.Zero;
        TV a20 = S.Zero, a21 = S.Zero, a22 = S.Zero, a23 = S.Zero, a30 = S.Zero, a31 = S.Zero, a32 = S.Zero, a33 = S.Zero;
        int main = k - k % S.Count;
        for (int i = 0; i < main; i += S.Count)
        {
            TV v0 = S.Load(w0 + i), v1 = S.Load(w1 + i), v2 = S.Load(w2 + i), v3 = S.Load(w3 + i);
            TV u = S.Load(x0 + i);
            a00 = S.Fma(u, v0, a00); a01 = S.Fma(u, v1, a01); a02 = S.Fma(u, v2, a02); a03 = S.Fma(u, v3, a03);
            u = S.Load(x1 + i);
            a10 = S.Fma(u, v0, a10); a11 = S.Fma(u, v1, a11); a12 = S.Fma(u, v2, a12); a13 = S.Fma(u, v3, a13);
            u = S.Load(x2 + i);
            a20 = S.Fma(u, v0, a20); a21 = S.Fma(u, v1, a21); a22 = S.Fma(u, v2, a22); a23 = S.Fma(u, v3, a23);
            u = S.Load(x3 + i);
            a30 = S.Fma(u, v0, a30); a31 = S.Fma(u, v1, a31); a32 = S.Fma(u, v2, a32); a33 = S.Fma(u, v3, a33);
        }
        int rows = Math.Min(4, n - s), cols = Math.Min(4, end - o);
        T* y0 = y + (long)s * outSize + o;
        if (main == k)
        {
            // No inputs past the last whole vector: each row's 4 sums and biases at once (ISimd.StoreSums4).
            S.StoreSums4(y0, b + o, a00, a01, a02, a03, cols);
            if (rows > 1) S.StoreSums4(y0 + outSize, b + o, a10, a11, a12, a13, cols);
            if (rows > 2) S.StoreSums4(y0 + 2 * outSize, b + o, a20, a21, a22, a23, cols);
            if (rows > 3) S.StoreSums4(y0 + 3 * outSize, b + o, a30, a31, a32, a33, cols);
            return;
        }
        StoreRow<TV, T, S>(y0, x0, w0, w1, w2, w3, b + o, a00, a01, a02, a03, main, k, cols);
        if (rows > 1) StoreRow<TV, T, S>(y0 + outSize, x1, w0, w1, w2, w3, b + o, a10, a11, a12, a13, main, k, cols);
        if (rows > 2) StoreRow<TV, T, S>(y0 + 2 * outSize, x2, w0, w1, w2, w3, b + o, a20, a21, a22, a23, main, k, cols);
        if (rows > 3) StoreRow<TV, T, S>(y0 + 3 * outSize, x3, w0, w1, w2, w3, b + o, a30, a31, a32, a33, main, k, cols);
    }

    /// <summary>Dot products of 4 samples (from <paramref name="s"/>) with 6 whole weight rows (from <paramref name="o"/>): 10 loads per 24 multiply-adds, for 32 vector registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DotTile4x6<TV, T, S>(T* y, T* x, T* w, T* b, int s, int o, int n, int k, int outSize)
        where TV : struct where T : unmanaged, IFloatingPointIeee754<T> where S : ISimd<TV, T>
    {
        T* x0 = x + (long)s * k, x1 = x + (long)Math.Min(s + 1, n - 1) * k, x2 = x + (long)Math.Min(s + 2, n - 1) * k, x3 = x + (long)Math.Min(s + 3, n - 1) * k;
        T* w0 = w + (long)o * k, w1 = w0 + k, w2 = w1 + k, w3 = w2 + k, w4 = w3 + k, w5 = w4 + k;
        TV a00 = S.Zero, a01 = S.Zero, a02 = S.Zero, a03 = S.Zero, a04 = S.Zero, a05 = S.Zero;
        TV a10 = S.Zero, a11 = S.Zero, a12 = S.Zero, a13 = S.Zero, a14 = S.Zero, a15 = S.Zero;
        TV a20 = S.Zero, a21 = S.Zero, a22 = S.Zero, a23 = S.Zero, a24 = S.Zero, a25 = S.Zero;
        TV a30 = S.Zero, a31 = S.Zero, a32 = S.Zero, a33 = S.Zero, a34 = S.Zero, a35 = S.Zero;
        int main = k - k % S.Count;
        for (int i = 0; i < main; i += S.Count)
        {
            TV u0 = S.Load(x0 + i), u1 = S.Load(x1 + i), u2 = S.Load(x2 + i), u3 = S.Load(x3 + i);
            TV v = S.Load(w0 + i);
            a00 = S.Fma(u0, v, a00); a10 = S.Fma(u1, v, a10); a20 = S.Fma(u2, v, a20); a30 = S.Fma(u3, v, a30);
            v = S.Load(w1 + i);
            a01 = S.Fma(u0, v, a01); a11 = S.Fma(u1, v, a11); a21 = S.Fma(u2, v, a21); a31 = S.Fma(u3, v, a31);
            v = S.Load(w2 + i);
            a02 = S.Fma(u0, v, a02); a12 = S.Fma(u1, v, a12); a22 = S.Fma(u2, v, a22); a32 = S.Fma(u3, v, a32);
            v = S.Load(w3 + i);
            a03 = S.Fma(u0, v, a03); a13 = S.Fma(u1, v, a13); a23 = S.Fma(u2, v, a23); a33 = S.Fma(u3, v, a33);
            v = S.Load(w4 + i);
            a04 = S.Fma(u0, v, a04); a14 = S.Fma(u1, v, a14); a24 = S.Fma(u2, v, a24); a34 = S.Fma(u3, v, a34);
            v = S.Load(w5 + i);
            a05 = S.Fma(u0, v, a05); a15 = S.Fma(u1, v, a15); a25 = S.Fma(u2, v, a25); a35 = S.Fma(u3, v, a35);
        }
        int rows = Math.Min(4, n - s);
        T* y0 = y + (long)s * outSize + o;
        if (main == k)
        {
            S.StoreSums4(y0, b + o, a00, a01, a02, a03, 4);
            S.StoreSums4(y0 + 4, b + o + 4, a04, a05, a05, a05, 2);
            if (rows > 1) { S.StoreSums4(y0 + outSize, b + o, a10, a11, a12, a13, 4); S.StoreSums4(y0 + outSize + 4, b + o + 4, a14, a15, a15, a15, 2); }
            if (rows > 2) { S.StoreSums4(y0 + 2 * outSize, b + o, a20, a21, a22, a23, 4); S.StoreSums4(y0 + 2 * outSize + 4, b + o + 4, a24, a25, a25, a25, 2); }
            if (rows > 3) { S.StoreSums4(y0 + 3 * outSize, b + o, a30, a31, a32, a33, 4); S.StoreSums4(y0 + 3 * outSize + 4, b + o + 4, a34, a35, a35, a35, 2); }
            return;
        }
        StoreRow<TV, T, S>(y0, x0, w0, w1, w2, w3, b + o, a00, a01, a02, a03, main, k, 4);
        StoreRow<TV, T, S>(y0 + 4, x0, w4, w5, w5, w5, b + o + 4, a04, a05, a05, a05, main, k, 2);
        if (rows > 1) { StoreRow<TV, T, S>(y0 + outSize, x1, w0, w1, w2, w3, b + o, a10, a11, a12, a13, main, k, 4); StoreRow<TV, T, S>(y0 + outSize + 4, x1, w4, w5, w5, w5, b + o + 4, a14, a15, a15, a15, main, k, 2); }
        if (rows > 2) { StoreRow<TV, T, S>(y0 + 2 * outSize, x2, w0, w1, w2, w3, b + o, a20, a21, a22, a23, main, k, 4); StoreRow<TV, T, S>(y0 + 2 * outSize + 4, x2, w4, w5, w5, w5, b + o + 4, a24, a25, a25, a25, main, k, 2); }
        if (rows > 3) { StoreRow<TV, T, S>(y0 + 3 * outSize, x3, w0, w1, w2, w3, b + o, a30, a31, a32, a33, main, k, 4); StoreRow<TV, T, S>(y0 + 3 * outSize + 4, x3, w4, w5, w5, w5, b + o + 4, a34, a35, a35, a35, main, k, 2); }
    }

    /// <summary>Dot products of one sample with 4 weight rows (from <paramref name="o"/>): the batch-1 (matrix-vector) path.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DotTile1x4<TV, T, S>(T* y, T* x, T* w, T* b, int s, int o, int k, int outSize)
        where TV : struct where T : unmanaged, IFloatingPointIeee754<T> where S : ISimd<TV, T>
    {
        T* x0 = x + (long)s * k;
        T* w0 = w + (long)o * k, w1 = w + (long)Math.Min(o + 1, outSize - 1) * k, w2 = w + (long)Math.Min(o + 2, outSize - 1) * k, w3 = w + (long)Math.Min(o + 3, outSize - 1) * k;
        TV a0 = S.Zero, a1 = S.Zero, a2 = S.Zero, a3 = S.Zero;
        int main = k - k % S.Count;
        for (int i = 0; i < main; i += S.Count)
        {
            TV u = S.Load(x0 + i);
            a0 = S.Fma(u, S.Load(w0 + i), a0);
            a1 = S.Fma(u, S.Load(w1 + i), a1);
            a2 = S.Fma(u, S.Load(w2 + i), a2);
            a3 = S.Fma(u, S.Load(w3 + i), a3);
        }
        StoreRow<TV, T, S>(y + (long)s * outSize + o, x0, w0, w1, w2, w3, b + o, a0, a1, a2, a3, main, k, Math.Min(4, outSize - o));
    }

    /// <summary>Dot products of one sample with 8 whole weight rows (from <paramref name="o"/>): 9 loads per 8 multiply-adds.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DotTile1x8<TV, T, S>(T* y, T* x, T* w, T* b, int s, int o, int k, int outSize)
        where TV : struct where T : unmanaged, IFloatingPointIeee754<T> where S : ISimd<TV, T>
    {
        T* x0 = x + (long)s * k;
        T* w0 = w + (long)o * k, w1 = w0 + k, w2 = w1 + k, w3 = w2 + k, w4 = w3 + k, w5 = w4 + k, w6 = w5 + k, w7 = w6 + k;
        TV a0 = S.Zero, a1 = S.Zero, a2 = S.Zero, a3 = S.Zero, a4 = S.Zero, a5 = S.Zero, a6 = S.Zero, a7 = S.Zero;
        int main = k - k % S.Count;
        for (int i = 0; i < main; i += S.Count)
        {
            TV u = S.Load(x0 + i);
            a0 = S.Fma(u, S.Load(w0 + i), a0);
            a1 = S.Fma(u, S.Load(w1 + i), a1);
            a2 = S.Fma(u, S.Load(w2 + i), a2);
            a3 = S.Fma(u, S.Load(w3 + i), a3);
            a4 = S.Fma(u, S.Load(w4 + i), a4);
            a5 = S.Fma(u, S.Load(w5 + i), a5);
            a6 = S.Fma(u, S.Load(w6 + i), a6);
            a7 = S.Fma(u, S.Load(w7 + i), a7);
        }
        T* y0 = y + (long)s * outSize + o;
        if (main == k)
        {
            S.StoreSums4(y0, b + o, a0, a1, a2, a3, 4);
            S.StoreSums4(y0 + 4, b + o + 4, a4, a5, a6, a7, 4);
            return;
        }
        StoreRow<TV, T, S>(y0, x0, w0, w1, w2, w3, b + o, a0, a1, a2, a3, main, k, 4);
        StoreRow<TV, T, S>(y0 + 4, x0, w4, w5, w6, w7, b + o + 4, a4, a5, a6, a7, main, k, 4);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<TV, T, S>(T* y, T* x, T* w0, T* w1, T* w2, T* w3, T* b, TV a0, TV a1, TV a2, TV a3, int main, int k, int cols)
        where TV : struct where T : unmanaged, IFloatingPointIeee754<T> where S : ISimd<TV, T>
    {
        y[0] = Finish<TV, T, S>(a0, x, w0, main, k) + b[0];
        if (cols > 1) y[1] = Finish<TV, T, S>(a1, x, w1, main, k) + b[1];
        if (cols > 2) y[2] = Finish<TV, T, S>(a2, x, w2, main, k) + b[2];
        if (cols > 3) y[3] = Finish<TV, T, S>(a3, x, w3, main, k) + b[3];
    }

    /// <summary>The lanes' sum, then the inputs past the last whole vector, in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Finish<TV, T, S>(TV a, T* x, T* w, int main, int k)
        where TV : struct where T : unmanaged, IFloatingPointIeee754<T> where S : ISimd<TV, T>
    {
        T sum = S.Sum(a);
        for (int i = main; i < k; i++) sum = T.FusedMultiplyAdd(x[i], w[i], sum);
        return sum;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Gradients. Both split the input columns (i) into parts of whole vectors; the columns past the last whole vector
    // belong to the last part and run in scalar code with the same fused multiply-adds.

    /// <summary>
    /// Splits the <paramref name="inSize"/> input columns of a product into parts of whole 4-vector panels (vectors of
    /// <paramref name="count"/>), as evenly as the panels allow: part
    /// <c>p</c> of <c>P</c> takes panels <c>[p·panels/P, (p+1)·panels/P)</c>, and the last part also takes the vectors
    /// past the last whole panel and the columns past the last whole vector.
    /// </summary>
    private static (int Panels, int Parts) ColumnParts(int count, int n, int inSize, int outSize)
    {
        int panels = inSize / count / 4;
        return (panels, Parts(Math.Max(1, panels), n, inSize, outSize));
    }

    /// <summary>The columns <c>[first, end)</c> of part <paramref name="part"/> of a <see cref="ColumnParts"/> split.</summary>
    private static (int First, int End) ColumnRange(int part, int parts, int panels, int panelWidth, int columns)
    {
        if (parts == 1) return (0, columns);
        int first = (int)((long)part * panels / parts) * panelWidth;
        int end = part == parts - 1 ? columns : (int)((long)(part + 1) * panels / parts) * panelWidth;
        return (first, end);
    }

    internal static void InputGradient<TV, T, S>(T* dx, T* dz, T* w, int n, int inSize, int outSize)
        where TV : struct where T : unmanaged, IFloatingPointIeee754<T> where S : ISimd<TV, T>
    {
        var job = new InputGradientJob<TV, T, S> { Dx = dx, Dz = dz, W = w, N = n, In = inSize, Out = outSize };
        (job.Panels, job.Parts) = ColumnParts(S.Count, n, inSize, outSize);
        Workers.Run(ref job, job.Parts);
    }

    internal static void WeightGradient<TV, T, S>(T* dw, T* db, T* dz, T* x, int n, int inSize, int outSize, bool accumulate = true)
        where TV : struct where T : unmanaged, IFloatingPointIeee754<T> where S : ISimd<TV, T>
    {
        int unitTiles = (outSize + 3) / 4;
        int rowParts = Parts(unitTiles, n, inSize, outSize);
        T* packed = PacksGradient(n, outSize, sizeof(T)) ? PackBuffer<T>.Get((long)outSize * n) : null;
        if (rowParts > 1 && unitTiles >= Workers.Degree * RowSplitTilesPerThread)
        {
            // Enough units to give every thread several parts: split the rows of dw (units), as the forward product and
            // the optimizers split the weight, so each core updates the rows it computed (and packs their dz columns).
            var rows = new WeightGradientRowsJob<TV, T, S> { Dw = dw, Db = db, Dz = dz, X = x, Packed = packed, N = n, In = inSize, Out = outSize, Accumulate = accumulate };
            rows.TilesPerPart = (unitTiles + rowParts - 1) / rowParts;
            Workers.Run(ref rows, (unitTiles + rows.TilesPerPart - 1) / rows.TilesPerPart);
            return;
        }
        // Every column part reads all units, so the caller packs dz once for all of them.
        if (packed != null) PackColumns(packed, dz, n, outSize, 0, outSize);
        var job = new WeightGradientJob<TV, T, S> { Dw = dw, Db = db, Dz = dz, X = x, Packed = packed, N = n, In = inSize, Out = outSize, Accumulate = accumulate };
        (job.Panels, job.Parts) = ColumnParts(S.Count, n, inSize, outSize);
        Workers.Run(ref job, job.Parts + 1); // the extra part adds the bias gradient
    }

    /// <summary>
    /// Bytes of one dz row from which the weight gradient packs dz's columns first (<see cref="PackColumns{T}"/>). The
    /// product broadcasts <c>dz[s, o]</c> for 4 units and every sample of a block: read in place, each sample is a
    /// different cache line (and, for long rows, a different page). Measured on 2 cores: W3's 200 x 784 x 784 product
    /// 925 -> 690 us (3 KB rows); at 512-byte rows (W2's first layer, W4's dense layer) no difference either way
    /// (docs/perf-dense.md). Shorter rows share lines between samples, and packing them would cost more than it saves.
    /// </summary>
    internal const int PackRowBytes = 256;

    /// <summary>Whether the weight gradient packs dz: rows of at least <see cref="PackRowBytes"/> and a whole 8-sample block.</summary>
    internal static bool PacksGradient(int n, int outSize, int size) => n >= 8 && (long)outSize * size >= PackRowBytes;

    /// <summary>
    /// <c>packed[o, s] = dz[s, o]</c> for the units <c>o</c> in <c>[o0, o1)</c> and every sample <c>s &lt; n</c>:
    /// columns of <c>dz [n, outSize]</c> become rows of <c>packed [outSize, n]</c>. Floats go 8 x 8 through AVX
    /// registers where the CPU has them; the rest go one by one, 8 samples at a time.
    /// </summary>
    internal static void PackColumns<T>(T* packed, T* dz, int n, int outSize, int o0, int o1) where T : unmanaged
    {
        int s = 0;
        if (typeof(T) == typeof(float) && Avx.IsSupported)
            for (; s + 8 <= n; s += 8)
            {
                int o = o0;
                for (; o + 8 <= o1; o += 8) Transpose8x8((float*)dz + (long)s * outSize + o, outSize, (float*)packed + (long)o * n + s, n);
                for (; o < o1; o++)
                    for (int r = s; r < s + 8; r++) packed[(long)o * n + r] = dz[(long)r * outSize + o];
            }
        for (; s < n; s += 8)
        {
            int end = Math.Min(n, s + 8);
            for (int o = o0; o < o1; o++)
                for (int r = s; r < end; r++) packed[(long)o * n + r] = dz[(long)r * outSize + o];
        }
    }

    /// <summary>Writes the 8 x 8 block at <paramref name="source"/> (rows <paramref name="sourceStride"/> apart) transposed to <paramref name="target"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(float* source, int sourceStride, float* target, int targetStride)
    {
        Vector256<float> r0 = Avx.LoadVector256(source), r1 = Avx.LoadVector256(source + sourceStride);
        Vector256<float> r2 = Avx.LoadVector256(source + 2 * sourceStride), r3 = Avx.LoadVector256(source + 3 * sourceStride);
        Vector256<float> r4 = Avx.LoadVector256(source + 4 * sourceStride), r5 = Avx.LoadVector256(source + 5 * sourceStride);
        Vector256<float> r6 = Avx.LoadVector256(source + 6 * sourceStride), r7 = Avx.LoadVector256(source + 7 * sourceStride);
        // Pairs of rows interleaved, then quads: u0 holds column 0 of rows 0-3 and column 4 of rows 0-3, and so on.
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1), t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5), t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE), u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE), u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);
        // The low halves of rows 0-3 and 4-7 make columns 0-3, the high halves columns 4-7.
        Avx.Store(target, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(target + targetStride, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(target + 2 * targetStride, Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(target + 3 * targetStride, Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(target + 4 * targetStride, Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(target + 5 * targetStride, Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(target + 6 * targetStride, Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(target + 7 * targetStride, Avx.Permute2x128(u3, u7, 0x31));
    }

    /// <summary>
    /// The calling thread's buffer for packed dz columns, grown to the largest layer once (pinned, so parts on other
    /// threads can write their rows through a pointer): after the first step the weight gradient allocates nothing.
    /// </summary>
    private static class PackBuffer<T> where T : unmanaged
    {
        [ThreadStatic] private static T[]? t_buffer;

        public static T* Get(long length)
        {
            T[]? buffer = t_buffer;
            if (buffer == null || buffer.Length < length) t_buffer = buffer = GC.AllocateUninitializedArray<T>(checked((int)length), pinned: true);
            return (T*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
        }
    }

    private struct InputGradientJob<TV, T, S> : IParallelPart
        where TV : struct where T : unmanaged, IFloatingPointIeee754<T> where S : ISimd<TV, T>
    {
        public T* Dx, Dz, W;
        public int N, In, Out, Panels, Parts;

        public readonly void Execute(int part)
        {
            int count = S.Count;
            (int i, int i1) = ColumnRange(part, Parts, Panels, 4 * count, In);
            // Blocks of DepthBlock units: a panel's weight rows for one block stay in L1 while every 4-sample tile
            // passes; the first block starts from zero, the next ones continue the same sums from memory (exactly).
            for (; i + 4 * count <= i1; i += 4 * count)
                for (int o0 = 0; o0 < Out; o0 += DepthBlock)
                    for (int s = 0; s < N; s += 4)
                        BroadcastTile4x4<TV, T, S>(Dx, Dz + o0, W + (long)o0 * In, s, i, N, In, Math.Min(DepthBlock, Out - o0), In, Out, 1, accumulate: o0 > 0);
            for (; i + count <= i1; i += count)
                for (int o0 = 0; o0 < Out; o0 += DepthBlock)
                    for (int s = 0; s < N; s += 4)
                        BroadcastTile4x1<TV, T, S>(Dx, Dz + o0, W + (long)o0 * In, s, i, N, In, Math.Min(DepthBlock, Out - o0), In, Out, 1, accumulate: o0 > 0);
            for (; i < i1; i++)
                for (int s = 0; s < N; s++)
                {
                    T a = T.Zero;
                    for (int o = 0; o < Out; o++) a = T.FusedMultiplyAdd(Dz[(long)s * Out + o], W[(long)o * In + i], a);
                    Dx[(long)s * In + i] = a;
                }
        }
    }

    private struct WeightGradientJob<TV, T, S> : IParallelPart
        where TV : struct where T : unmanaged, IFloatingPointIeee754<T> where S : ISimd<TV, T>
    {
        public T* Dw, Db, Dz, X, Packed;
        public int N, In, Out, Panels, Parts;
        public bool Accumulate;

        public readonly void Execute(int part)
        {
            if (part == Parts)
            {
                BiasGradient(Db, Dz, N, Out, 0, Out, Accumulate);
                return;
            }
            (int i, int i1) = ColumnRange(part, Parts, Panels, 4 * S.Count, In);
            WeightGradientBlock<TV, T, S>(Dw, Dz, X, Packed, N, In, Out, 0, Out, i, i1, Accumulate);
        }
    }

    /// <summary>
    /// The weight gradient split by units: part <c>p</c> owns the rows <c>o</c> of <c>dw</c> and <c>db</c> in its whole
    /// 4-unit tiles. Every element gets the same arithmetic as in <see cref="WeightGradientJob{TV, T, S}"/> (the same
    /// tiles, blocks and sample order), so the split does not change a bit.
    /// </summary>
    private struct WeightGradientRowsJob<TV, T, S> : IParallelPart
        where TV : struct where T : unmanaged, IFloatingPointIeee754<T> where S : ISimd<TV, T>
    {
        public T* Dw, Db, Dz, X, Packed;
        public int N, In, Out, TilesPerPart;
        public bool Accumulate;

        public readonly void Execute(int part)
        {
            int o0 = part * TilesPerPart * 4, o1 = Math.Min(Out, o0 + TilesPerPart * 4);
            BiasGradient(Db, Dz, N, Out, o0, o1, Accumulate);
            if (Packed != null) PackColumns(Packed, Dz, N, Out, o0, o1);
            WeightGradientBlock<TV, T, S>(Dw, Dz, X, Packed, N, In, Out, o0, o1, 0, In, Accumulate);
        }
    }

    /// <summary><c>db[o] += dz[s, o]</c> for the units <c>[o0, o1)</c>, samples in order, from zero unless <paramref name="accumulate"/>.</summary>
    private static void BiasGradient<T>(T* db, T* dz, int n, int outSize, int o0, int o1, bool accumulate) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!accumulate) new Span<T>(db + o0, o1 - o0).Clear();
        for (int s = 0; s < n; s++)
        {
            T* row = dz + (long)s * outSize;
            for (int o = o0; o < o1; o++) db[o] += row[o];
        }
    }

    /// <summary>
    /// <c>dw[o, i] += sum_s dz[s, o] x[s, i]</c> for the units <c>[o0, o1)</c> (whole 4-unit tiles, or up to
    /// <paramref name="outSize"/>) and the input columns <c>[i, i1)</c>: the tile's rows are units (stride 1 in dz), the
    /// reduction runs over samples in blocks of <see cref="DepthBlock"/>, whose input panel stays in L1 while every
    /// 4-unit tile passes; columns past the last whole panel run as single vectors, then in scalar code. The tiles
    /// broadcast <c>dz[s, o]</c> from <paramref name="packed"/> (<c>[outSize, n]</c>, this block's units packed) if
    /// not null, else from dz itself: the same values in the same order, so the same bits. Unless
    /// <paramref name="accumulate"/>, the sums start from zero instead of from <paramref name="dw"/>.
    /// </summary>
    private static void WeightGradientBlock<TV, T, S>(T* dw, T* dz, T* x, T* packed, int n, int inSize, int outSize, int o0, int o1, int i, int i1, bool accumulate)
        where TV : struct where T : unmanaged, IFloatingPointIeee754<T> where S : ISimd<TV, T>
    {
        int count = S.Count;
        // dz[s, o] is at from + o*aRow + s*aCol.
        T* from = packed != null ? packed : dz;
        int aRow = packed != null ? n : 1, aCol = packed != null ? 1 : outSize;
        for (; i + 4 * count <= i1; i += 4 * count)
            for (int s0 = 0; s0 < n; s0 += DepthBlock)
                for (int o = o0; o < o1; o += 4)
                    BroadcastTile4x4<TV, T, S>(dw, from + (long)s0 * aCol, x + (long)s0 * inSize, o, i, outSize, inSize, Math.Min(DepthBlock, n - s0), inSize, aRow, aCol, accumulate: accumulate || s0 > 0);
        for (; i + count <= i1; i += count)
            for (int s0 = 0; s0 < n; s0 += DepthBlock)
                for (int o = o0; o < o1; o += 4)
                    BroadcastTile4x1<TV, T, S>(dw, from + (long)s0 * aCol, x + (long)s0 * inSize, o, i, outSize, inSize, Math.Min(DepthBlock, n - s0), inSize, aRow, aCol, accumulate: accumulate || s0 > 0);
        for (; i < i1; i++)
            for (int o = o0; o < o1; o++)
            {
                T a = accumulate ? dw[(long)o * inSize + i] : T.Zero;
                for (int s = 0; s < n; s++) a = T.FusedMultiplyAdd(dz[(long)s * outSize + o], x[(long)s * inSize + i], a);
                dw[(long)o * inSize + i] = a;
            }
    }

    /// <summary>
    /// <c>c[r, j] (+)= sum_q a[r, q] b[q, j]</c> for rows <c>r0 .. r0+3</c> (clamped to <paramref name="rows"/>) and 4 vectors of
    /// columns from <paramref name="j0"/>: <c>a[r, q]</c> is at <c>a + r*aRow + q*aCol</c>, <c>b</c> and <c>c</c> are
    /// row-major with <paramref name="ldb"/> and <paramref name="ldc"/> values per row, <c>q</c> runs over <paramref name="depth"/> in order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BroadcastTile4x4<TV, T, S>(T* c, T* a, T* b, int r0, int j0, int rows, int ldc, int depth, int ldb, int aRow, int aCol, bool accumulate)
        where TV : struct where T : unmanaged, IFloatingPointIeee754<T> where S : ISimd<TV, T>
    {
        int n = S.Count;
        int valid = Math.Min(4, rows - r0);
        T* a0 = a + (long)r0 * aRow, a1 = a + (long)Math.Min(r0 + 1, rows - 1) * aRow, a2 = a + (long)Math.Min(r0 + 2, rows - 1) * aRow, a3 = a + (long)Math.Min(r0 + 3, rows - 1) * aRow;
        T* c0 = c + (long)r0 * ldc + j0, c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
        TV s00, s01, s02, s03, s10, s11, s12, s13, s20, s21, s22, s23, s30, s31, s32, s33;
        if (accumulate)
        {
            T* d1 = valid > 1 ? c1 : c0, d2 = valid > 2 ? c2 : d1, d3 = valid > 3 ? c3 : d2;
            s00 = S.Load(c0); s01 = S.Load(c0 + n); s02 = S.Load(c0 + 2 * n); s03 = S.Load(c0 + 3 * n);
            s10 = S.Load(d1); s11 = S.Load(d1 + n); s12 = S.Load(d1 + 2 * n); s13 = S.Load(d1 + 3 * n);
            s20 = S.Load(d2); s21 = S.Load(d2 + n); s22 = S.Load(d2 + 2 * n); s23 = S.Load(d2 + 3 * n);
            s30 = S.Load(d3); s31 = S.Load(d3 + n); s32 = S.Load(d3 + 2 * n); s33 = S.Load(d3 + 3 * n);
        }
        else
        {
            s00 = s01 = s02 = s03 = s10 = s11 = s12 = s13 = s20 = s21 = s22 = s23 = s30 = s31 = s32 = s33 = S.Zero;
        }
        T* bq = b + j0;
        for (int q = 0; q < depth; q++, bq += ldb)
        {
            TV v0 = S.Load(bq), v1 = S.Load(bq + n), v2 = S.Load(bq + 2 * n), v3 = S.Load(bq + 3 * n);
            long off = (long)q * aCol;
            TV u = S.Broadcast(a0[off]);
            s00 = S.Fma(u, v0, s00); s01 = S.Fma(u, v1, s01); s02 = S.Fma(u, v2, s02); s03 = S.Fma(u, v3, s03);
            u = S.Broadcast(a1[off]);
            s10 = S.Fma(u, v0, s10); s11 = S.Fma(u, v1, s11); s12 = S.Fma(u, v2, s12); s13 = S.Fma(u, v3, s13);
            u = S.Broadcast(a2[off]);
            s20 = S.Fma(u, v0, s20); s21 = S.Fma(u, v1, s21); s22 = S.Fma(u, v2, s22); s23 = S.Fma(u, v3, s23);
            u = S.Broadcast(a3[off]);
            s30 = S.Fma(u, v0, s30); s31 = S.Fma(u, v1, s31); s32 = S.Fma(u, v2, s32); s33 = S.Fma(u, v3, s33);
        }
        S.Store(c0, s00); S.Store(c0 + n, s01); S.Store(c0 + 2 * n, s02); S.Store(c0 + 3 * n, s03);
        if (valid > 1) { S.Store(c1, s10); S.Store(c1 + n, s11); S.Store(c1 + 2 * n, s12); S.Store(c1 + 3 * n, s13); }
        if (valid > 2) { S.Store(c2, s20); S.Store(c2 + n, s21); S.Store(c2 + 2 * n, s22); S.Store(c2 + 3 * n, s23); }
        if (valid > 3) { S.Store(c3, s30); S.Store(c3 + n, s31); S.Store(c3 + 2 * n, s32); S.Store(c3 + 3 * n, s33); }
    }

    /// <summary>As <see cref="BroadcastTile4x4"/> for one vector of columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BroadcastTile4x1<TV, T, S>(T* c, T* a, T* b, int r0, int j0, int rows, int ldc, int depth, int ldb, int aRow, int aCol, bool accumulate)
        where TV : struct where T : unmanaged, IFloatingPointIeee754<T> where S : ISimd<TV, T>
    {
        int valid = Math.Min(4, rows - r0);
        T* a0 = a + (long)r0 * aRow, a1 = a + (long)Math.Min(r0 + 1, rows - 1) * aRow, a2 = a + (long)Math.Min(r0 + 2, rows - 1) * aRow, a3 = a + (long)Math.Min(r0 + 3, rows - 1) * aRow;
        T* c0 = c + (long)r0 * ldc + j0, c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
        TV s0, s1, s2, s3;
        if (accumulate)
        {
            s0 = S.Load(c0);
            s1 = S.Load(valid > 1 ? c1 : c0);
            s2 = S.Load(valid > 2 ? c2 : c0);
            s3 = S.Load(valid > 3 ? c3 : c0);
        }
        else s0 = s1 = s2 = s3 = S.Zero;
        T* bq = b + j0;
        for (int q = 0; q < depth; q++, bq += ldb)
        {
            TV v = S.Load(bq);
            long off = (long)q * aCol;
            s0 = S.Fma(S.Broadcast(a0[off]), v, s0);
            s1 = S.Fma(S.Broadcast(a1[off]), v, s1);
            s2 = S.Fma(S.Broadcast(a2[off]), v, s2);
            s3 = S.Fma(S.Broadcast(a3[off]), v, s3);
        }
        S.Store(c0, s0);
        if (valid > 1) S.Store(c1, s1);
        if (valid > 2) S.Store(c2, s2);
        if (valid > 3) S.Store(c3, s3);
    }

    // ---------------------------------------------------------------------------------------------------------------

    /// <summary>
    /// Unit tiles per thread a layer needs before its weight gradient is split by rows: with fewer, whole tiles cannot
    /// be shared out evenly (3 tiles over 2 threads is 8 units against 2), and the column split is used.
    /// </summary>
    private const int RowSplitTilesPerThread = 4;

    /// <summary>
    /// How many parts to split <paramref name="units"/> independent blocks of an <c>n x inSize x outSize</c> product into:
    /// one if it is small in both work and weights (<see cref="ParallelThreshold"/>, <see cref="ParallelWeights"/>), else
    /// <see cref="PartsPerThread"/> per thread, at most one per block.
    /// </summary>
    private static int Parts(int units, int n, int inSize, int outSize)
    {
        int degree = Workers.Degree;
        long weights = (long)inSize * outSize;
        if (degree == 1 || (n * weights < ParallelThreshold && weights < ParallelWeights)) return 1;
        return Math.Max(1, Math.Min(units, degree * PartsPerThread));
    }

    /// <summary>
    /// Parts per thread: one contiguous block each (the caller's first, by <see cref="Workers"/>' home ranges). Measured
    /// against 2, 4, 8 and 16 inside W2's and W3's training steps (variants alternated in one run, idle and with a
    /// competing process on one core): 1 was fastest or equal everywhere, 4 per thread 3-7% slower, 16 35% slower.
    /// Larger blocks reuse each L1 panel across more tiles; a late thread's block is still taken over if it has not
    /// started it.
    /// </summary>
    internal const int PartsPerThread = 1;

    private static void CheckSizes(int n, int inSize, int outSize)
    {
        if (n < 0) throw new ArgumentException($"Expected a sample count n >= 0, got {n}.", nameof(n));
        if (inSize < 1) throw new ArgumentException($"Expected inSize >= 1, got {inSize}.", nameof(inSize));
        if (outSize < 1) throw new ArgumentException($"Expected outSize >= 1, got {outSize}.", nameof(outSize));
    }

    private static void CheckLength(int length, long needed, string name, string what)
    {
        if (length < needed) throw new ArgumentException($"{name} needs at least {what} = {needed} values, but has {length}.", name);
    }
}
