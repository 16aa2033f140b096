using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Dsl;

namespace Dsl.Runtime;

/// <summary>
/// The direct convolution kernels of <see cref="ConvKernels"/> for stride 1, over vectors <typeparamref name="TV"/> of
/// <typeparamref name="T"/> (operations <typeparamref name="S"/>), compiled for one layer <typeparamref name="L"/>.
/// </summary>
/// <remarks>
/// Positions are numbered along the rows of the input's grid (the input, zero-bordered when the layer pads):
/// <c>q = row·gridW + column</c>. Output <c>(oy, ox)</c> sits at <c>q = oy·gridW + ox</c> and tap <c>(ky, kx)</c> reads
/// the grid at <c>q + ky·gridW + kx</c>, so a vector of consecutive <c>q</c> needs one unaligned load per tap.
/// </remarks>
internal static unsafe class ConvDirect<T, TV, S, L>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TV : struct
    where S : IConvSimd<TV, T>
    where L : IConvLayer
{
    private static int C { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => L.InChannels; }
    private static int F { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => L.OutChannels; }
    private static int K { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => L.Kernel; }
    private static int Gw { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => ConvGrid<L>.GridWidth; }

    /// <summary>
    /// The forward pass; when <paramref name="pooled"/> is not empty, each sample's output is max-pooled by
    /// <paramref name="pool"/> right after it is computed, in the same part (while it is still in the cache).
    /// </summary>
    public static void Forward(Span<T> y, ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> b, int n, Span<T> workspace,
        Span<T> pooled, Span<int> argmax, in SpatialGeometry pool)
    {
        int padded = ConvGrid<L>.PaddedLength;
        if (workspace.Length < n * padded)
            throw new ArgumentException($"workspace holds {workspace.Length} values, but {n} samples need {n * padded}.", nameof(workspace));
        fixed (T* py = y, px = x, pw = w, pb = b, pws = workspace, pp = pooled)
        fixed (int* pi = argmax)
        {
            var job = new ForwardJob { Y = py, X = px, W = pw, B = pb, Padded = pws, Pooled = pp, Argmax = pi, Pool = pool };
            Workers.Run(ref job, n);
        }
    }

    /// <summary>
    /// The backward pass; when <paramref name="dPooled"/> is not empty, each sample's <paramref name="dy"/> is first
    /// written from the pooled gradient by <paramref name="pool"/>'s argmax routing, in the same part that uses it.
    /// </summary>
    public static void Backward(Span<T> dx, Span<T> dw, Span<T> db, Span<T> dy, ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> w, int n,
        Span<T> workspace, ReadOnlySpan<T> dPooled, ReadOnlySpan<int> argmax, in SpatialGeometry pool)
    {
        int padded = ConvGrid<L>.PaddedLength, gradient = ConvGrid<L>.GradientLength;
        if (workspace.Length < n * (padded + gradient) + 16)
            throw new ArgumentException($"workspace holds {workspace.Length} values, but {n} samples need {n * (padded + gradient) + 16} for training.", nameof(workspace));
        // The bordered inputs come first, for as many samples as the workspace holds, then dL/dz from the next 64-byte
        // boundary (the workspace holds 16 values more for that).
        int capacity = (workspace.Length - 16) / (padded + gradient);
        fixed (T* pdx = dx, pdw = dw, pdb = db, pdy = dy, px = x, py = y, pw = w, pws = workspace, pdp = dPooled)
        fixed (int* pi = argmax)
        {
            T* dz = (T*)(((nuint)(pws + capacity * padded) + 63) & ~(nuint)63);
            bool sparse = pdp != null && SparseWeights(pool);
            var prepare = new PrepareJob
            {
                Dx = pdx, Dy = pdy, Y = py, W = pw, Gradient = dz, DPooled = pdp, Argmax = pi, Pool = pool,
                Sparse = sparse, X = ConvGrid<L>.Padded ? pws : px,
            };
            Workers.Run(ref prepare, n);
            if (sparse)
            {
                var reduce = new SparseReduceJob { Dw = pdw, Db = pdb, Gradient = dz, Samples = n };
                Workers.Run(ref reduce, F);
                return;
            }
            if (DenseShares)
            {
                var reduce = new DenseReduceJob { Dw = pdw, Db = pdb, Gradient = dz, Samples = n };
                Workers.Run(ref reduce, F);
                return;
            }
            int rows = WeightJob.RowsPerPartFor(Workers.Degree);
            var weights = new WeightJob { Dw = pdw, Db = pdb, X = px, Padded = pws, Gradient = dz, Samples = n, RowsPerPart = rows };
            Workers.Run(ref weights, WeightJob.Tasks(rows));
        }
    }

    /// <summary>One direct convolution over a grid: which input, which weights, where to store.</summary>
    private struct Pass
    {
        public T* In;           // grid of input channel 0, at q = 0
        public int InStride;    // values between input channels
        public int InChannels;
        public int* Taps;       // offset of each tap (ky·gridW + kx, or its negation)
        public int TapCount;
        public T* W;            // weight of (output j, input i, tap t) at W[j·WJ + i·WI + t]
        public int WJ, WI;
        public T* Bias;         // null: no bias
        public T* Out;          // compact output of channel 0
        public int OutStride;   // values between output channels
        public int Row0, Col0;  // grid row and column of the compact output's (0, 0)
        public int Rows, Cols;  // compact output size
        public int QStart, QLength; // grid positions to compute: [QStart, QStart + QLength)
    }

    /// <summary>
    /// <c>Out[j, ·] = act(bias[j] + Σ_i Σ_t W[j, i, t] · In[i, q + Taps[t]])</c> for every output channel j below
    /// <paramref name="channels"/>, in blocks of up to 4 channels × 6 vectors (24 accumulators in registers).
    /// </summary>
    /// <remarks>
    /// The vectors tile <c>[QStart, QStart + QLength)</c>; when the length is not a whole number of vectors the last one
    /// is moved back to end exactly at the last position (the overlap is computed twice with the same arithmetic and
    /// stored twice with the same value). The vectors are shared out evenly between as few blocks as possible.
    /// </remarks>
    private static void Run<TAct>(in Pass p, int channels) where TAct : IActivationChoice
    {
        int lanes = S.Count;
        int vectors = (p.QLength + lanes - 1) / lanes;
        int last = p.QStart + p.QLength - lanes;
        int blocks = (vectors + 5) / 6;
        T* acc = stackalloc T[24 * lanes];
        for (int j0 = 0; j0 < channels; j0 += 4)
        {
            int jb = Math.Min(4, channels - j0);
            for (int block = 0, v0 = 0; block < blocks; block++)
            {
                int count = (vectors - v0) / (blocks - block); // even shares, the larger ones last
                int q0 = p.QStart + v0 * lanes;
                v0 += count;
                int qLast = Math.Min(q0 + (count - 1) * lanes, last);
                switch (jb)
                {
                    case 4: Block<Count4, TAct>(p, j0, q0, qLast, count, acc); break;
                    case 3: Block<Count3, TAct>(p, j0, q0, qLast, count, acc); break;
                    case 2: Block<Count2, TAct>(p, j0, q0, qLast, count, acc); break;
                    default: Block<Count1, TAct>(p, j0, q0, qLast, count, acc); break;
                }
            }
        }
    }

    /// <summary>One block: <paramref name="count"/> vectors at q0, q0 + lanes, ..., the last at <paramref name="qLast"/>.</summary>
    private static void Block<TJ, TAct>(in Pass p, int j0, int q0, int qLast, int count, T* acc) where TJ : IConvCount where TAct : IActivationChoice
    {
        nint tail = qLast - q0;
        switch (count)
        {
            case 6: Accumulate<TJ, Count6>(p, j0, q0, tail, acc); break;
            case 5: Accumulate<TJ, Count5>(p, j0, q0, tail, acc); break;
            case 4: Accumulate<TJ, Count4>(p, j0, q0, tail, acc); break;
            case 3: Accumulate<TJ, Count3>(p, j0, q0, tail, acc); break;
            case 2: Accumulate<TJ, Count2>(p, j0, q0, tail, acc); break;
            default: Accumulate<TJ, Count1>(p, j0, q0, tail, acc); break;
        }
        int lanes = S.Count;
        for (int v = 0; v < count; v++)
            StoreColumn<TJ, TAct>(p, j0, v == count - 1 ? qLast : q0 + v * lanes, acc, v);
    }

    // The accumulation loop lives in its own method, generic over the block size so that the JIT compiles it with the
    // size a constant: the accumulators stay in registers (with the stores and the activation in the same method, or
    // with the size a variable, the JIT spills them every iteration).

    /// <summary>
    /// The sums of output channels <c>j0 ..</c> (<typeparamref name="TJ"/> of them) at <typeparamref name="TB"/> vectors,
    /// starting at q0, q0 + lanes, ..., the last at q0 + <paramref name="tail"/>, into <paramref name="acc"/> ([j, v]
    /// vectors, 6 per channel).
    /// </summary>
    private static void Accumulate<TJ, TB>(in Pass p, int j0, nint q0, nint tail, T* acc) where TJ : IConvCount where TB : IConvCount
    {
        TV a00 = default, a01 = default, a02 = default, a03 = default, a04 = default, a05 = default;
        TV a10 = default, a11 = default, a12 = default, a13 = default, a14 = default, a15 = default;
        TV a20 = default, a21 = default, a22 = default, a23 = default, a24 = default, a25 = default;
        TV a30 = default, a31 = default, a32 = default, a33 = default, a34 = default, a35 = default;
        T* bias = p.Bias;
        {
            TV b = bias == null ? S.Zero : S.Broadcast(bias[j0 + 0]);
            a00 = b;
            if (TB.Value > 1) a01 = b;
            if (TB.Value > 2) a02 = b;
            if (TB.Value > 3) a03 = b;
            if (TB.Value > 4) a04 = b;
            if (TB.Value > 5) a05 = b;
        }
        if (TJ.Value > 1) {
            TV b = bias == null ? S.Zero : S.Broadcast(bias[j0 + 1]);
            a10 = b;
            if (TB.Value > 1) a11 = b;
            if (TB.Value > 2) a12 = b;
            if (TB.Value > 3) a13 = b;
            if (TB.Value > 4) a14 = b;
            if (TB.Value > 5) a15 = b;
        }
        if (TJ.Value > 2) {
            TV b = bias == null ? S.Zero : S.Broadcast(bias[j0 + 2]);
            a20 = b;
            if (TB.Value > 1) a21 = b;
            if (TB.Value > 2) a22 = b;
            if (TB.Value > 3) a23 = b;
            if (TB.Value > 4) a24 = b;
            if (TB.Value > 5) a25 = b;
        }
        if (TJ.Value > 3) {
            TV b = bias == null ? S.Zero : S.Broadcast(bias[j0 + 3]);
            a30 = b;
            if (TB.Value > 1) a31 = b;
            if (TB.Value > 2) a32 = b;
            if (TB.Value > 3) a33 = b;
            if (TB.Value > 4) a34 = b;
            if (TB.Value > 5) a35 = b;
        }
        nint wj = p.WJ, wiStride = p.WI, inStride = p.InStride;
        int taps = p.TapCount, channels = p.InChannels;
        int* off = p.Taps;
        int lanes = S.Count;
        T* input = p.In + q0;
        T* wi = p.W + j0 * wj;
        for (int i = 0; i < channels; i++, input += inStride, wi += wiStride)
        {
            for (int t = 0; t < taps; t++)
            {
                T* at = input + off[t];
                T* wt = wi + t;
                TV w0 = S.Broadcast(wt[0]), w1 = default, w2 = default, w3 = default;
                if (TJ.Value > 1) w1 = S.Broadcast(wt[1 * wj]);
                if (TJ.Value > 2) w2 = S.Broadcast(wt[2 * wj]);
                if (TJ.Value > 3) w3 = S.Broadcast(wt[3 * wj]);
                TV x0 = S.Load(TB.Value == 1 ? at + tail : at);
                a00 = S.Fma(x0, w0, a00);
                if (TJ.Value > 1) a10 = S.Fma(x0, w1, a10);
                if (TJ.Value > 2) a20 = S.Fma(x0, w2, a20);
                if (TJ.Value > 3) a30 = S.Fma(x0, w3, a30);
                if (TB.Value > 1)
                {
                    TV x = S.Load(TB.Value == 2 ? at + tail : at + 1 * lanes);
                    a01 = S.Fma(x, w0, a01);
                    if (TJ.Value > 1) a11 = S.Fma(x, w1, a11);
                    if (TJ.Value > 2) a21 = S.Fma(x, w2, a21);
                    if (TJ.Value > 3) a31 = S.Fma(x, w3, a31);
                }
                if (TB.Value > 2)
                {
                    TV x = S.Load(TB.Value == 3 ? at + tail : at + 2 * lanes);
                    a02 = S.Fma(x, w0, a02);
                    if (TJ.Value > 1) a12 = S.Fma(x, w1, a12);
                    if (TJ.Value > 2) a22 = S.Fma(x, w2, a22);
                    if (TJ.Value > 3) a32 = S.Fma(x, w3, a32);
                }
                if (TB.Value > 3)
                {
                    TV x = S.Load(TB.Value == 4 ? at + tail : at + 3 * lanes);
                    a03 = S.Fma(x, w0, a03);
                    if (TJ.Value > 1) a13 = S.Fma(x, w1, a13);
                    if (TJ.Value > 2) a23 = S.Fma(x, w2, a23);
                    if (TJ.Value > 3) a33 = S.Fma(x, w3, a33);
                }
                if (TB.Value > 4)
                {
                    TV x = S.Load(TB.Value == 5 ? at + tail : at + 4 * lanes);
                    a04 = S.Fma(x, w0, a04);
                    if (TJ.Value > 1) a14 = S.Fma(x, w1, a14);
                    if (TJ.Value > 2) a24 = S.Fma(x, w2, a24);
                    if (TJ.Value > 3) a34 = S.Fma(x, w3, a34);
                }
                if (TB.Value > 5)
                {
                    TV x = S.Load(TB.Value == 6 ? at + tail : at + 5 * lanes);
                    a05 = S.Fma(x, w0, a05);
                    if (TJ.Value > 1) a15 = S.Fma(x, w1, a15);
                    if (TJ.Value > 2) a25 = S.Fma(x, w2, a25);
                    if (TJ.Value > 3) a35 = S.Fma(x, w3, a35);
                }
            }
        }
        {
            S.Store(acc + 0 * lanes, a00);
            if (TB.Value > 1) S.Store(acc + 1 * lanes, a01);
            if (TB.Value > 2) S.Store(acc + 2 * lanes, a02);
            if (TB.Value > 3) S.Store(acc + 3 * lanes, a03);
            if (TB.Value > 4) S.Store(acc + 4 * lanes, a04);
            if (TB.Value > 5) S.Store(acc + 5 * lanes, a05);
        }
        if (TJ.Value > 1) {
            S.Store(acc + 6 * lanes, a10);
            if (TB.Value > 1) S.Store(acc + 7 * lanes, a11);
            if (TB.Value > 2) S.Store(acc + 8 * lanes, a12);
            if (TB.Value > 3) S.Store(acc + 9 * lanes, a13);
            if (TB.Value > 4) S.Store(acc + 10 * lanes, a14);
            if (TB.Value > 5) S.Store(acc + 11 * lanes, a15);
        }
        if (TJ.Value > 2) {
            S.Store(acc + 12 * lanes, a20);
            if (TB.Value > 1) S.Store(acc + 13 * lanes, a21);
            if (TB.Value > 2) S.Store(acc + 14 * lanes, a22);
            if (TB.Value > 3) S.Store(acc + 15 * lanes, a23);
            if (TB.Value > 4) S.Store(acc + 16 * lanes, a24);
            if (TB.Value > 5) S.Store(acc + 17 * lanes, a25);
        }
        if (TJ.Value > 3) {
            S.Store(acc + 18 * lanes, a30);
            if (TB.Value > 1) S.Store(acc + 19 * lanes, a31);
            if (TB.Value > 2) S.Store(acc + 20 * lanes, a32);
            if (TB.Value > 3) S.Store(acc + 21 * lanes, a33);
            if (TB.Value > 4) S.Store(acc + 22 * lanes, a34);
            if (TB.Value > 5) S.Store(acc + 23 * lanes, a35);
        }
    }

    /// <summary>
    /// Applies the activation to the sums of vector <paramref name="v"/> (starting at grid position <paramref name="q"/>)
    /// of channels <c>j0 ..</c> (<typeparamref name="TJ"/> of them) and stores each lane into its output row.
    /// </summary>
    /// <remarks>
    /// One channel at a time, activation then stores: with all the channels' activations first, the JIT ran out of
    /// vector registers and kept the activation's constants on the stack (the seed network's second layer ran 15%
    /// slower). Where the output is the grid's rows from Row0 on (no column left out), one store per channel. Otherwise
    /// every row the vector can touch gets a masked store, without branches (which rows, and where a row's outputs start
    /// within the vector, change from one vector to the next): the mask keeps the lanes of the row's outputs and is
    /// empty for a row past the output (masked-off lanes are not written, wherever they point).
    /// </remarks>
    private static void StoreColumn<TJ, TAct>(in Pass p, int j0, int q, T* acc, int v) where TJ : IConvCount where TAct : IActivationChoice
    {
        Act act = TAct.Activation;
        int lanes = S.Count, gw = Gw, stride = p.OutStride, cols = p.Cols;
        T* o = p.Out + j0 * stride;
        if (cols == gw)
        {
            o += q - p.Row0 * gw;
            for (int j = 0; j < TJ.Value; j++) S.Store(o + j * stride, ConvActivation.Apply<TV, T, S>(act, S.Load(acc + (6 * j + v) * lanes)));
            return;
        }
        int r = q / gw, col = q - r * gw - p.Col0; // first row touched; output column of lane 0 in it (may be negative)
        o += (r - p.Row0) * cols + col;
        TV c = S.Add(S.Indices, S.Broadcast(T.CreateTruncating(col)));
        TV limit = S.Broadcast(T.CreateTruncating(cols)), step = S.Broadcast(T.CreateTruncating(gw));
        for (int j = 0; j < TJ.Value; j++)
        {
            TV a = ConvActivation.Apply<TV, T, S>(act, S.Load(acc + (6 * j + v) * lanes));
            T* row = o + j * stride;
            TV column = c;
            for (int k = 0; k < RowsPerVector; k++, row += cols - gw, column = S.Subtract(column, step))
                S.MaskStore(row, S.And(S.GreaterThanOrEqual(column, S.Zero), S.LessThan(column, limit)), a);
        }
    }

    /// <summary>Grid rows one vector of positions can touch: <c>floor((gridW - 1 + lanes - 1) / gridW) + 1</c>.</summary>
    private static int RowsPerVector
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => (Gw + S.Count - 2) / Gw + 1;
    }

    /// <summary>Which activation <see cref="Run{TAct}"/> applies, as a constant of the type it is compiled for.</summary>
    private interface IActivationChoice
    {
        static abstract Act Activation { get; }
    }

    /// <summary>The layer's activation (the forward pass).</summary>
    private readonly struct LayerActivation : IActivationChoice
    {
        public static Act Activation => L.Activation;
    }

    /// <summary>None (dL/dx).</summary>
    private readonly struct NoActivation : IActivationChoice
    {
        public static Act Activation => Act.Linear;
    }

    /// <summary>
    /// Forward, one part per sample: border the input if the layer pads, then the direct convolution, then (when
    /// <see cref="Pooled"/> is set) the max pooling of the sample's output.
    /// </summary>
    private struct ForwardJob : IParallelPart
    {
        public T* Y, X, W, B, Padded, Pooled;
        public int* Argmax;
        public SpatialGeometry Pool;

        public readonly void Execute(int s)
        {
            T* input = X + s * ConvGrid<L>.InSize;
            if (ConvGrid<L>.Padded)
            {
                T* grid = Padded + s * ConvGrid<L>.PaddedLength;
                Border(grid, input);
                input = grid;
            }
            int* taps = stackalloc int[K * K];
            for (int ky = 0; ky < K; ky++)
                for (int kx = 0; kx < K; kx++) taps[ky * K + kx] = ky * Gw + kx;
            var pass = new Pass
            {
                In = input, InStride = ConvGrid<L>.GridSize, InChannels = C, Taps = taps, TapCount = K * K,
                W = W, WJ = C * K * K, WI = K * K, Bias = B,
                Out = Y + s * ConvGrid<L>.OutSize, OutStride = L.OutHeight * L.OutWidth,
                Row0 = 0, Col0 = 0, Rows = L.OutHeight, Cols = L.OutWidth, QStart = 0, QLength = ConvGrid<L>.OutputSpan,
            };
            Run<LayerActivation>(pass, F);
            if (!ConvActivation.IsElementwise(L.Activation))
                ConvActivation.ApplyWhole(L.Activation, new Span<T>(pass.Out, ConvGrid<L>.OutSize));
            if (Pooled != null)
                PoolKernels.MaxForward(Pooled + s * Pool.OutSize, Argmax + s * Pool.OutSize, pass.Out, Pool);
        }
    }

    /// <summary>Copies one sample into its zero-bordered grid (the border's zeros are rewritten each time).</summary>
    private static void Border(T* grid, T* input)
    {
        int h = L.InHeight, w = L.InWidth, gh = ConvGrid<L>.GridHeight, gw = Gw;
        int top = L.PadTop, left = L.PadLeft;
        new Span<T>(grid, ConvGrid<L>.PaddedLength).Clear();
        for (int c = 0; c < C; c++)
            for (int iy = 0; iy < h; iy++)
            {
                int gy = iy + top;
                if (gy >= gh) break; // rows no output reads
                int count = Math.Min(w, gw - left);
                new Span<T>(input + (c * h + iy) * w, count).CopyTo(new Span<T>(grid + (c * gh + gy) * gw + left, count));
            }
    }

    /// <summary>
    /// Backward, one part per sample: dL/dy from the pooled gradient when the layer's output was pooled, then dL/dz
    /// from dL/dy and the saved output, written on the grid (zero margin, zero columns past the output's width), its
    /// sum per filter (the sample's share of dL/db), and dL/dx.
    /// </summary>
    private struct PrepareJob : IParallelPart
    {
        public T* Dx, Dy, Y, W, Gradient, DPooled;
        public int* Argmax;
        public SpatialGeometry Pool;
        /// <summary>Whether the sample's dL/dW share is computed here from the pooling's winners (see <see cref="SparseShare"/>).</summary>
        public bool Sparse;
        /// <summary>The forward pass's input grids (the bordered copies when the layer pads): read when <see cref="Sparse"/>.</summary>
        public T* X;

        public readonly void Execute(int s)
        {
            int lanes = S.Count, oh = L.OutHeight, ow = L.OutWidth, outSize = ConvGrid<L>.OutSize;
            int margin = ConvGrid<L>.Margin, dzStride = ConvGrid<L>.DzStride;
            T* dy = Dy + s * outSize, y = Y + s * outSize;
            if (DPooled != null) PoolKernels.MaxBackward(dy, DPooled + s * Pool.OutSize, Argmax + s * Pool.OutSize, Pool);
            T* dz = Gradient + s * ConvGrid<L>.GradientLength;
            if (!ConvActivation.IsElementwise(L.Activation))
                ConvActivation.BackwardWhole(L.Activation, new Span<T>(dy, outSize), new ReadOnlySpan<T>(y, outSize));
            // Each filter's region is written whole: zeros above, each output row followed by zeros to the grid's width
            // (a row's last vector runs into the next row, which is written after it), zeros below. The masks of a row's
            // partial vectors are the same for every row; the sample's dL/db share is the sum of the vectors written.
            int gw = Gw, filled = margin + oh * gw, chunks = (gw + lanes - 1) / lanes;
            T* masks = stackalloc T[chunks * lanes];
            for (int i = 0; i < chunks; i++) S.Store(masks + i * lanes, S.LessThan(S.Indices, S.Broadcast(T.CreateTruncating(ow - i * lanes))));
            for (int f = 0; f < F; f++)
            {
                T* region = dz + f * dzStride;
                for (int i = 0; i < margin; i += lanes) S.Store(region + i, S.Zero);
                T* row = region + margin;
                TV sum = S.Zero;
                for (int oy = 0; oy < oh; oy++, dy += ow, y += ow, row += gw)
                    for (int ox = 0, i = 0; ox < gw; ox += lanes, i++)
                    {
                        TV d;
                        if (ox + lanes <= ow)
                            d = ConvActivation.Backward<TV, T, S>(L.Activation, S.Load(dy + ox), S.Load(y + ox));
                        else
                        {
                            TV valid = S.Load(masks + i * lanes);
                            d = S.And(ConvActivation.Backward<TV, T, S>(L.Activation, S.MaskLoad(dy + ox, valid), S.MaskLoad(y + ox, valid)), valid);
                        }
                        S.Store(row + ox, d);
                        sum = S.Add(sum, d);
                    }
                for (int i = filled; i + lanes <= dzStride; i += lanes) S.Store(region + i, S.Zero);
                S.Store(region + dzStride - lanes, S.Zero); // dzStride >= filled + 16: this ends the region exactly
                dz[F * dzStride + f] = S.Sum(sum);
            }
            if (Dx != null) InputGradient(s, dz);
            T* x = X + s * (ConvGrid<L>.Padded ? ConvGrid<L>.PaddedLength : ConvGrid<L>.InSize);
            if (Sparse) SparseShare(dz, Argmax + s * Pool.OutSize, x, Pool);
            else if (DenseShares) WeightJob.Share(dz, x);
        }

        /// <summary>dL/dx of sample <paramref name="s"/> from its <c>dz</c> on the grid (<paramref name="dz"/>).</summary>
        private readonly void InputGradient(int s, T* dz)
        {
            int margin = ConvGrid<L>.Margin, dzStride = ConvGrid<L>.DzStride;
            int* taps = stackalloc int[K * K];
            for (int ky = 0; ky < K; ky++)
                for (int kx = 0; kx < K; kx++) taps[ky * K + kx] = -(ky * Gw + kx);
            var pass = new Pass
            {
                In = dz + margin, InStride = dzStride, InChannels = F, Taps = taps, TapCount = K * K,
                W = W, WJ = K * K, WI = C * K * K, Bias = null,
                Out = Dx + s * ConvGrid<L>.InSize, OutStride = L.InHeight * L.InWidth,
                Row0 = L.PadTop, Col0 = L.PadLeft, Rows = L.InHeight, Cols = L.InWidth,
                QStart = L.PadTop * Gw + L.PadLeft, QLength = ConvGrid<L>.InputSpan,
            };
            Run<NoActivation>(pass, C);
        }
    }

    // ---- dL/dW from the pooling's winners -------------------------------------------------------------------------
    //
    // When a max pooling with windows that do not overlap follows the layer, dL/dy is zero everywhere except at each
    // window's winner, so dz is too (dz = dy · act'(y), element-wise): the seed network's second layer has 121 nonzero
    // values of 484 per filter, its third 16 of 81. The dense dL/dW (WeightJob) multiplies every position; this sums
    // over the winners only. Each sample's input is laid out channels last (position-major, so that a winner's
    // K columns × C channels in one kernel row are K·C consecutive values), and each filter's share is
    // Σ_winners dz · x[rows of the window], with K·V vector accumulators (V vectors per kernel row).

    /// <summary>Vectors per kernel row of a winner's window, channels last: <c>ceil(K·C / lanes)</c>.</summary>
    private static int SparseVectors
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => (K * C + S.Count - 1) / S.Count;
    }

    /// <summary>
    /// Whether dL/dW is summed over <paramref name="pool"/>'s winners: an element-wise activation (so dz is zero where
    /// dy is), windows that do not overlap (each position receives at most one window's gradient), and a window whose
    /// rows fit the kernel's accumulators (at most 6 vectors: K·ceil(K·C / lanes), and at most 2 per row).
    /// </summary>
    private static bool SparseWeights(in SpatialGeometry pool)
        => ConvActivation.IsElementwise(L.Activation) && pool.Stride >= pool.Kernel
           && SparseVectors <= 2 && K * SparseVectors <= 6 && K * SparseVectors * S.Count <= ConvGrid<L>.DzStride
           && SparseStack(pool) <= 65536;

    /// <summary>Bytes of stack the winners' path takes per sample: the channels-last grid, the winners, the interleaving buffers.</summary>
    private static int SparseStack(in SpatialGeometry pool)
        => (ConvGrid<L>.GridSize * C + 2 * S.Count + 2 * 16 * 16) * sizeof(T) + (pool.OutHeight * pool.OutWidth + 16) * (sizeof(int) + sizeof(T));

    /// <summary>
    /// One sample's share of dL/dW, from the winners of <paramref name="pool"/> (after its <c>dz</c> grid and dL/dx are
    /// done): for each filter, <c>Σ_winners dz · x[window]</c> in the winners' order, written over the start of the
    /// filter's <c>dz</c> region as K·V vectors (kernel row, then columns × channels, channels last).
    /// </summary>
    [SkipLocalsInit]
    private static void SparseShare(T* dz, int* argmax, T* x, in SpatialGeometry pool)
    {
        int lanes = S.Count, gs = ConvGrid<L>.GridSize, cells = pool.OutHeight * pool.OutWidth;
        int plane = L.OutHeight * L.OutWidth, ow = L.OutWidth, margin = ConvGrid<L>.Margin, dzStride = ConvGrid<L>.DzStride;
        // Channels last; the accumulators' lanes past K·C read up to 2 vectors past the grid (never used).
        T* xh = stackalloc T[gs * C + 2 * lanes];
        ChannelsLast(xh, x);
        int* pos = stackalloc int[cells + 16];
        T* val = stackalloc T[cells + 16];
        for (int f = 0; f < F; f++)
        {
            T* region = dz + f * dzStride;
            Winners(pos, val, argmax + f * cells, f * plane, region + margin, cells);
            SparseAccumulate(region, pos, val, cells, xh);
        }
    }

    /// <summary>
    /// <c>xh[q·C + c] = x[c·gridSize + q]</c>: one sample's grid, channels last. Float with a power-of-two channel count
    /// up to 16 goes a vector of positions at a time (log2 C rounds of interleaving the channels' vectors pairwise).
    /// </summary>
    private static void ChannelsLast(T* xh, T* x)
    {
        int lanes = S.Count, gs = ConvGrid<L>.GridSize, q0 = 0;
        if (typeof(T) == typeof(float) && C is 2 or 4 or 8 or 16)
        {
            T* a = stackalloc T[16 * 16];
            T* b = stackalloc T[16 * 16];
            for (; q0 + lanes <= gs; q0 += lanes)
            {
                for (int c = 0; c < C; c++) S.Store(a + c * lanes, S.Load(x + c * gs + q0));
                for (int rounds = C; rounds > 1; rounds /= 2) // log2 C rounds
                {
                    for (int i = 0; i < C / 2; i++)
                    {
                        TV even = S.Load(a + i * lanes), odd = S.Load(a + (i + C / 2) * lanes);
                        S.Store(b + 2 * i * lanes, S.InterleaveLow(even, odd));
                        S.Store(b + (2 * i + 1) * lanes, S.InterleaveHigh(even, odd));
                    }
                    T* t = a; a = b; b = t;
                }
                T* dst = xh + q0 * C;
                for (int m = 0; m < C; m++) S.Store(dst + m * lanes, S.Load(a + m * lanes));
            }
        }
        for (int c = 0; c < C; c++)
        {
            T* src = x + c * gs, dst = xh + c;
            for (int q = q0; q < gs; q++) dst[q * C] = src[q];
        }
    }

    /// <summary>
    /// For one filter's pooled cells: <c>pos[i]</c>, the channels-last offset of cell i's winner on the grid, and
    /// <c>val[i]</c>, its <c>dz</c> (read from the filter's <c>dz</c> grid, <paramref name="grid"/>). <paramref name="won"/>
    /// holds the winners' indices within the sample, <paramref name="first"/> the filter's first.
    /// </summary>
    private static void Winners(int* pos, T* val, int* won, int first, T* grid, int cells)
    {
        int ow = L.OutWidth, i = 0;
        if (typeof(T) == typeof(float) && Avx512F.IsSupported && L.OutHeight * ow < 1 << 22)
        {
            // oy = floor((at + 0.5) / ow) in float: exact below 2^22 positions, where the error of 1/ow times at stays
            // below 0.5 / ow.
            Vector512<int> offset = Vector512.Create(first);
            Vector512<float> half = Vector512.Create(0.5f), inverse = Vector512.Create(1f / ow);
            for (; i + 16 <= cells; i += 16)
            {
                Vector512<int> at = Vector512.Load(won + i) - offset;
                Vector512<int> oy = Vector512.ConvertToInt32(Vector512.Floor((Vector512.ConvertToSingle(at) + half) * inverse));
                Vector512<int> q = at + oy * (Gw - ow);
                q.Store(pos + i);
            }
            for (int j = 0; j < i; j++)
            {
                int q = pos[j];
                val[j] = grid[q];
                pos[j] = q * C;
            }
        }
        for (; i < cells; i++)
        {
            int at = won[i] - first, oy = at / ow, q = oy * Gw + at - oy * ow;
            pos[i] = q * C;
            val[i] = grid[q];
        }
    }

    /// <summary>Offset in the channels-last grid of accumulator <paramref name="j"/>: kernel row j / V, vector j % V.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nint SparseOffset(int j) => (nint)(j / SparseVectors) * Gw * C + j % SparseVectors * S.Count;

    /// <summary>
    /// <c>dst[j] = Σ_i val[i] · xh[pos[i] + offset(j)]</c> for the K·V accumulators j, the winners dealt round robin
    /// to four sets of accumulators (up to 3 per set) or two (up to 6), so that each accumulator has several
    /// independent chains; the sets are added at the end, in a fixed order.
    /// </summary>
    private static void SparseAccumulate(T* dst, int* pos, T* val, int count, T* xh)
    {
        int lanes = S.Count, accumulators = K * SparseVectors;
        TV a0 = S.Zero, a1 = S.Zero, a2 = S.Zero, a3 = S.Zero, a4 = S.Zero, a5 = S.Zero;
        TV b0 = S.Zero, b1 = S.Zero, b2 = S.Zero, b3 = S.Zero, b4 = S.Zero, b5 = S.Zero;
        int i = 0;
        if (accumulators <= 3)
        {
            // Four sets of at most 3 (a0-a2, a3-a5, b0-b2, b3-b5), winners dealt round robin: four chains per accumulator.
            for (; i + 4 <= count; i += 4)
            {
                AddWinner(xh + pos[i], val[i], 0, ref a0, ref a1, ref a2);
                AddWinner(xh + pos[i + 1], val[i + 1], 0, ref a3, ref a4, ref a5);
                AddWinner(xh + pos[i + 2], val[i + 2], 0, ref b0, ref b1, ref b2);
                AddWinner(xh + pos[i + 3], val[i + 3], 0, ref b3, ref b4, ref b5);
            }
            for (; i < count; i++) AddWinner(xh + pos[i], val[i], 0, ref a0, ref a1, ref a2);
            a0 = S.Add(a0, a3); a1 = S.Add(a1, a4); a2 = S.Add(a2, a5);
            b0 = S.Add(b0, b3); b1 = S.Add(b1, b4); b2 = S.Add(b2, b5);
        }
        else
        {
            // Two sets of up to 6 (a, b), even and odd winners.
            for (; i + 2 <= count; i += 2)
            {
                AddWinner(xh + pos[i], val[i], 0, ref a0, ref a1, ref a2);
                AddWinner(xh + pos[i], val[i], 3, ref a3, ref a4, ref a5);
                AddWinner(xh + pos[i + 1], val[i + 1], 0, ref b0, ref b1, ref b2);
                AddWinner(xh + pos[i + 1], val[i + 1], 3, ref b3, ref b4, ref b5);
            }
            if (i < count)
            {
                AddWinner(xh + pos[i], val[i], 0, ref a0, ref a1, ref a2);
                AddWinner(xh + pos[i], val[i], 3, ref a3, ref a4, ref a5);
            }
        }
        S.Store(dst, S.Add(a0, b0));
        if (accumulators > 1) S.Store(dst + 1 * lanes, S.Add(a1, b1));
        if (accumulators > 2) S.Store(dst + 2 * lanes, S.Add(a2, b2));
        if (accumulators > 3) S.Store(dst + 3 * lanes, S.Add(a3, b3));
        if (accumulators > 4) S.Store(dst + 4 * lanes, S.Add(a4, b4));
        if (accumulators > 5) S.Store(dst + 5 * lanes, S.Add(a5, b5));
    }

    /// <summary>Accumulators <paramref name="first"/> .. <paramref name="first"/> + 2 (those below K·V) += d · the window's vectors at p.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddWinner(T* p, T value, int first, ref TV r0, ref TV r1, ref TV r2)
    {
        int accumulators = K * SparseVectors;
        if (accumulators <= first) return;
        TV d = S.Broadcast(value);
        r0 = S.Fma(d, S.Load(p + SparseOffset(first)), r0);
        if (accumulators > first + 1) r1 = S.Fma(d, S.Load(p + SparseOffset(first + 1)), r1);
        if (accumulators > first + 2) r2 = S.Fma(d, S.Load(p + SparseOffset(first + 2)), r2);
    }

    /// <summary>The vector at <paramref name="p"/> in each sample's gradient region, added in sample order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV SumOverSamples(T* p, int samples)
    {
        TV total = S.Zero;
        for (int s = 0; s < samples; s++, p += ConvGrid<L>.GradientLength) total = S.Add(total, S.Load(p));
        return total;
    }

    /// <summary><c>db[f] +=</c> the samples' partial sums of filter f's <c>dz</c> (kept after their <c>dz</c>), in sample order.</summary>
    private static void AddBiasGradient(T* db, T* gradient, int samples, int f)
    {
        T sum = T.Zero;
        for (int s = 0; s < samples; s++) sum += gradient[s * ConvGrid<L>.GradientLength + F * ConvGrid<L>.DzStride + f];
        db[f] += sum;
    }

    /// <summary>
    /// dL/dW and dL/db from the samples' shares (<see cref="SparseShare"/>), one part per filter: each share vector
    /// summed over the samples in order, then each lane added to its weight; dL/db as in <see cref="WeightJob"/>.
    /// </summary>
    private struct SparseReduceJob : IParallelPart
    {
        public T* Dw, Db, Gradient;
        public int Samples;

        [SkipLocalsInit]
        public readonly void Execute(int f)
        {
            int lanes = S.Count, vectors = SparseVectors, row = K * C;
            T* share = Gradient + f * ConvGrid<L>.DzStride;
            T* sum = stackalloc T[lanes];
            for (int j = 0; j < K * vectors; j++)
            {
                S.Store(sum, SumOverSamples(share + j * lanes, Samples));
                int ky = j / vectors, t0 = j % vectors * lanes;
                for (int l = 0; l < lanes && t0 + l < row; l++)
                {
                    int t = t0 + l, kx = t / C, c = t - kx * C;
                    Dw[((f * C + c) * K + ky) * K + kx] += sum[l];
                }
            }
            AddBiasGradient(Db, Gradient, Samples, f);
        }
    }

    // ---- dL/dW one sample at a time --------------------------------------------------------------------------------
    //
    // Without pooling's winners, dL/dW multiplies every position. WeightJob does it by blocks of weights, each going
    // over every sample's dz and input: for the seed network's first layer (4 filters, one channel, 5 x 5) that is
    // 5 parts, each reading all 100 samples' 12 KB of dz from the outer caches, and inside a training step, where
    // those have been evicted, it ran 3 times slower than alone. With dense shares, PrepareJob computes each sample's
    // share of dL/dW (every weight's sum over the positions, then over its vector's lanes) right after writing the
    // sample's dz, which is still in the first-level cache; DenseReduceJob then adds the shares in sample order.

    /// <summary>
    /// Whether dL/dW is summed one sample at a time (<see cref="WeightJob.Share"/>): the output span is at least 8
    /// vectors (so the lane sum of each weight's accumulator is a small part of its multiply-adds), a filter block's
    /// shares fit in 16 KB of stack, and each filter's shares fit over its <c>dz</c> region.
    /// </summary>
    private static bool DenseShares
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => ConvGrid<L>.OutputSpan >= 8 * S.Count && C * K * K <= ConvGrid<L>.DzStride
               && WeightJob.FilterBlock * C * K * K * sizeof(T) <= 16384;
    }

    /// <summary>
    /// dL/dW and dL/db from the samples' dense shares (<see cref="WeightJob.Share"/>), one part per filter: each weight's
    /// shares added in sample order; dL/db as in <see cref="WeightJob"/>.
    /// </summary>
    private struct DenseReduceJob : IParallelPart
    {
        public T* Dw, Db, Gradient;
        public int Samples;

        [SkipLocalsInit]
        public readonly void Execute(int f)
        {
            int lanes = S.Count, weights = C * K * K;
            T* share = Gradient + f * ConvGrid<L>.DzStride, dw = Dw + f * weights;
            T* sum = stackalloc T[lanes];
            for (int i = 0; i < weights; i += lanes)
            {
                S.Store(sum, SumOverSamples(share + i, Samples));
                for (int l = 0; l < lanes && i + l < weights; l++) dw[i + l] += sum[l];
            }
            AddBiasGradient(Db, Gradient, Samples, f);
        }
    }

    /// <summary>
    /// dL/dW and dL/db, one part per block of filters (8, or 4 for kernels 4 and 5 wide) × one input channel × one
    /// kernel row, or × all kernel rows when there are enough such blocks to keep the cores busy (then each chunk of
    /// samples, read once, serves every row from the cache). Each weight's gradient has its own vector accumulator,
    /// summed over the samples in order and over the positions in vectors inside one part, then across its lanes.
    /// </summary>
    private struct WeightJob : IParallelPart
    {
        public T* Dw, Db, X, Padded, Gradient;
        public int Samples;

        /// <summary>Kernels 4 and 5 wide take blocks of 4 filters × 5 columns; the others 8 filters × 3 columns.</summary>
        private static bool Wide { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => K == 4 || K == 5; }
        public static int FilterBlock { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => Wide ? 4 : 8; }
        private static int ColumnBlock { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => Wide ? 5 : 3; }
        private static int FilterBlocks { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => (F + FilterBlock - 1) / FilterBlock; }
        private static int ColumnBlocks { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => (K + ColumnBlock - 1) / ColumnBlock; }
        /// <summary>
        /// Kernel rows per part: all of them when there are at least two blocks of filters × channels per thread and
        /// their accumulators fit in 64 KB of stack, else one (more, smaller parts). Either way each weight's arithmetic
        /// is the same; only the grouping changes.
        /// </summary>
        public int RowsPerPart;

        public static int RowsPerPartFor(int degree)
            => FilterBlocks * C >= 2 * degree && K * ColumnBlocks * 40 * S.Count * sizeof(T) <= 65536 ? K : 1;

        public static int Tasks(int rowsPerPart) => FilterBlocks * C * (K / rowsPerPart);

        public readonly void Execute(int task)
        {
            int rowGroups = K / RowsPerPart;
            int ky0 = task % rowGroups * RowsPerPart, rest = task / rowGroups;
            int c = rest % C, f0 = rest / C * FilterBlock;
            int lanes = S.Count, size = RowsPerPart * ColumnBlocks * 40 * lanes;
            // Up to 40 accumulators (8 filters × 5 columns) per kernel row and column block, kept here between chunks.
            T* acc = stackalloc T[size];
            new Span<T>(acc, size).Clear();
            switch (Math.Min(FilterBlock, F - f0))
            {
                case 8: Rows<Count8>(f0, c, ky0, acc); break;
                case 7: Rows<Count7>(f0, c, ky0, acc); break;
                case 6: Rows<Count6>(f0, c, ky0, acc); break;
                case 5: Rows<Count5>(f0, c, ky0, acc); break;
                case 4: Rows<Count4>(f0, c, ky0, acc); break;
                case 3: Rows<Count3>(f0, c, ky0, acc); break;
                case 2: Rows<Count2>(f0, c, ky0, acc); break;
                default: Rows<Count1>(f0, c, ky0, acc); break;
            }
            if (c == 0 && ky0 == 0)
                for (int f = f0; f < Math.Min(F, f0 + FilterBlock); f++) AddBiasGradient(Db, Gradient, Samples, f);
        }

        /// <summary>
        /// Samples per chunk: as many as fit, with their <c>dz</c> rows and input channel, in 32 KB of the first-level
        /// cache (48 KB on the machines measured), so that every kernel row and column block reads them from there.
        /// </summary>
        private static int Chunk { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => Math.Max(1, 32768 / (sizeof(T) * (FilterBlock * ConvGrid<L>.DzStride + ConvGrid<L>.GridSize))); }

        /// <summary>
        /// The part's kernel rows for filters <c>f0 ..</c> (<typeparamref name="TJ"/> of them), a chunk of samples at a
        /// time: the chunk's data stays in the cache while every row and column block goes over it.
        /// </summary>
        private readonly void Rows<TJ>(int f0, int c, int ky0, T* acc) where TJ : IConvCount
        {
            int lanes = S.Count;
            nint xStride = ConvGrid<L>.Padded ? ConvGrid<L>.PaddedLength : ConvGrid<L>.InSize;
            T* dz0 = Gradient + f0 * ConvGrid<L>.DzStride + ConvGrid<L>.Margin;
            T* x0 = (ConvGrid<L>.Padded ? Padded : X) + c * ConvGrid<L>.GridSize;
            for (int s = 0; s < Samples; s += Chunk)
            {
                int count = Math.Min(Chunk, Samples - s);
                T* dz = dz0 + s * (nint)ConvGrid<L>.GradientLength;
                T* x = x0 + s * xStride;
                for (int r = 0; r < RowsPerPart; r++) Row<TJ>(dz, x + (ky0 + r) * Gw, xStride, count, acc + r * ColumnBlocks * 40 * lanes);
            }
            int filter = C * K * K;
            for (int r = 0; r < RowsPerPart; r++)
                for (int kc = 0; kc < ColumnBlocks; kc++)
                {
                    T* block = acc + (r * ColumnBlocks + kc) * 40 * lanes;
                    T* dw = Dw + f0 * filter + c * K * K + (ky0 + r) * K + kc * ColumnBlock;
                    int columns = Math.Min(ColumnBlock, K - kc * ColumnBlock);
                    for (int j = 0; j < TJ.Value; j++)
                        for (int k = 0; k < columns; k++) dw[j * filter + k] += S.Sum(S.Load(block + (j * 5 + k) * lanes));
                }
        }

        /// <summary>One kernel row (the input's row at <paramref name="x"/>), every column block: <see cref="Accumulate{TJ, TK}"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Row<TJ>(T* dz, T* x, nint xStride, int samples, T* acc) where TJ : IConvCount
        {
            for (int kc = 0; kc < ColumnBlocks; kc++)
            {
                T* block = acc + kc * 40 * S.Count;
                T* xr = x + kc * ColumnBlock;
                switch (Math.Min(ColumnBlock, K - kc * ColumnBlock))
                {
                    case 5: Accumulate<TJ, Count5>(dz, xr, xStride, samples, block); break;
                    case 4: Accumulate<TJ, Count4>(dz, xr, xStride, samples, block); break;
                    case 3: Accumulate<TJ, Count3>(dz, xr, xStride, samples, block); break;
                    case 2: Accumulate<TJ, Count2>(dz, xr, xStride, samples, block); break;
                    default: Accumulate<TJ, Count1>(dz, xr, xStride, samples, block); break;
                }
            }
        }

        /// <summary>
        /// One sample's share of dL/dW (see <see cref="DenseShares"/>), from its <c>dz</c> grid and its input
        /// <paramref name="x"/> (the bordered copy when the layer pads): weight <c>[f, c, ky, kx]</c>'s vector of
        /// <c>Σ_q dz[f, q] · x[c, q + ky·gridW + kx]</c> over the output span, then summed across its lanes, written at
        /// <c>(c·K + ky)·K + kx</c> over the start of filter f's <c>dz</c> region once its filter block is done.
        /// </summary>
        public static void Share(T* dz, T* x)
        {
            for (int f0 = 0; f0 < F; f0 += FilterBlock)
                switch (Math.Min(FilterBlock, F - f0))
                {
                    case 8: ShareBlock<Count8>(dz, x, f0); break;
                    case 7: ShareBlock<Count7>(dz, x, f0); break;
                    case 6: ShareBlock<Count6>(dz, x, f0); break;
                    case 5: ShareBlock<Count5>(dz, x, f0); break;
                    case 4: ShareBlock<Count4>(dz, x, f0); break;
                    case 3: ShareBlock<Count3>(dz, x, f0); break;
                    case 2: ShareBlock<Count2>(dz, x, f0); break;
                    default: ShareBlock<Count1>(dz, x, f0); break;
                }
        }

        /// <summary>Filters <c>f0 ..</c> (<typeparamref name="TJ"/> of them) of <see cref="Share"/>.</summary>
        [SkipLocalsInit]
        private static void ShareBlock<TJ>(T* dz, T* x, int f0) where TJ : IConvCount
        {
            int lanes = S.Count, weights = C * K * K, size = ColumnBlocks * 40 * lanes;
            T* acc = stackalloc T[size];
            T* shares = stackalloc T[TJ.Value * weights];
            T* dz0 = dz + f0 * ConvGrid<L>.DzStride + ConvGrid<L>.Margin;
            for (int c = 0; c < C; c++)
                for (int ky = 0; ky < K; ky++)
                {
                    for (int kc = 0; kc < ColumnBlocks; kc++) new Span<T>(acc + kc * 40 * lanes, TJ.Value * 5 * lanes).Clear(); // the accumulators Row uses
                    Row<TJ>(dz0, x + c * ConvGrid<L>.GridSize + ky * Gw, 0, 1, acc);
                    for (int kc = 0; kc < ColumnBlocks; kc++)
                    {
                        T* block = acc + kc * 40 * lanes;
                        int columns = Math.Min(ColumnBlock, K - kc * ColumnBlock);
                        for (int j = 0; j < TJ.Value; j++)
                            for (int k = 0; k < columns; k++)
                                shares[j * weights + (c * K + ky) * K + kc * ColumnBlock + k] = S.Sum(S.Load(block + (j * 5 + k) * lanes));
                    }
                }
            // The block's dz is no longer read: its filters' regions now hold their shares.
            for (int j = 0; j < TJ.Value; j++)
                new Span<T>(shares + j * weights, weights).CopyTo(new Span<T>(dz + (f0 + j) * ConvGrid<L>.DzStride, weights));
        }

        /// <summary>
        /// <paramref name="samples"/> samples' share, in order: <c>acc[j, k] += Σ_q dz[j, q] · x[q + k]</c> for j below
        /// <typeparamref name="TJ"/> (filters, <c>dz</c> rows <see cref="ConvGrid{TLayer}.DzStride"/> apart) and k below
        /// <typeparamref name="TK"/> (kernel columns), over the output span in vectors; <paramref name="acc"/> holds the
        /// accumulators ([j, k] vectors, 5 per filter).
        /// </summary>
        private static void Accumulate<TJ, TK>(T* dz, T* x, nint xStride, int samples, T* acc) where TJ : IConvCount where TK : IConvCount
        {
            int lanes = S.Count, span = ConvGrid<L>.OutputSpan;
            nint dzStride = ConvGrid<L>.DzStride, dzSample = ConvGrid<L>.GradientLength;
            int full = span / lanes;
            bool tail = span % lanes != 0;
            // The last vector ends at the last position; its lanes already covered by the full vectors are masked out of dz.
            TV tailMask = S.GreaterThanOrEqual(S.Indices, S.Broadcast(T.CreateTruncating(full * lanes - (span - lanes))));
            TV ones = S.EqualsTo(S.Zero, S.Zero);
            TV a00 = default, a01 = default, a02 = default, a03 = default, a04 = default;
            TV a10 = default, a11 = default, a12 = default, a13 = default, a14 = default;
            TV a20 = default, a21 = default, a22 = default, a23 = default, a24 = default;
            TV a30 = default, a31 = default, a32 = default, a33 = default, a34 = default;
            TV a40 = default, a41 = default, a42 = default, a43 = default, a44 = default;
            TV a50 = default, a51 = default, a52 = default, a53 = default, a54 = default;
            TV a60 = default, a61 = default, a62 = default, a63 = default, a64 = default;
            TV a70 = default, a71 = default, a72 = default, a73 = default, a74 = default;
            {
                a00 = S.Load(acc + 0 * lanes);
                if (TK.Value > 1) a01 = S.Load(acc + 1 * lanes);
                if (TK.Value > 2) a02 = S.Load(acc + 2 * lanes);
                if (TK.Value > 3) a03 = S.Load(acc + 3 * lanes);
                if (TK.Value > 4) a04 = S.Load(acc + 4 * lanes);
            }
            if (TJ.Value > 1) {
                a10 = S.Load(acc + 5 * lanes);
                if (TK.Value > 1) a11 = S.Load(acc + 6 * lanes);
                if (TK.Value > 2) a12 = S.Load(acc + 7 * lanes);
                if (TK.Value > 3) a13 = S.Load(acc + 8 * lanes);
                if (TK.Value > 4) a14 = S.Load(acc + 9 * lanes);
            }
            if (TJ.Value > 2) {
                a20 = S.Load(acc + 10 * lanes);
                if (TK.Value > 1) a21 = S.Load(acc + 11 * lanes);
                if (TK.Value > 2) a22 = S.Load(acc + 12 * lanes);
                if (TK.Value > 3) a23 = S.Load(acc + 13 * lanes);
                if (TK.Value > 4) a24 = S.Load(acc + 14 * lanes);
            }
            if (TJ.Value > 3) {
                a30 = S.Load(acc + 15 * lanes);
                if (TK.Value > 1) a31 = S.Load(acc + 16 * lanes);
                if (TK.Value > 2) a32 = S.Load(acc + 17 * lanes);
                if (TK.Value > 3) a33 = S.Load(acc + 18 * lanes);
                if (TK.Value > 4) a34 = S.Load(acc + 19 * lanes);
            }
            if (TJ.Value > 4) {
                a40 = S.Load(acc + 20 * lanes);
                if (TK.Value > 1) a41 = S.Load(acc + 21 * lanes);
                if (TK.Value > 2) a42 = S.Load(acc + 22 * lanes);
                if (TK.Value > 3) a43 = S.Load(acc + 23 * lanes);
                if (TK.Value > 4) a44 = S.Load(acc + 24 * lanes);
            }
            if (TJ.Value > 5) {
                a50 = S.Load(acc + 25 * lanes);
                if (TK.Value > 1) a51 = S.Load(acc + 26 * lanes);
                if (TK.Value > 2) a52 = S.Load(acc + 27 * lanes);
                if (TK.Value > 3) a53 = S.Load(acc + 28 * lanes);
                if (TK.Value > 4) a54 = S.Load(acc + 29 * lanes);
            }
            if (TJ.Value > 6) {
                a60 = S.Load(acc + 30 * lanes);
                if (TK.Value > 1) a61 = S.Load(acc + 31 * lanes);
                if (TK.Value > 2) a62 = S.Load(acc + 32 * lanes);
                if (TK.Value > 3) a63 = S.Load(acc + 33 * lanes);
                if (TK.Value > 4) a64 = S.Load(acc + 34 * lanes);
            }
            if (TJ.Value > 7) {
                a70 = S.Load(acc + 35 * lanes);
                if (TK.Value > 1) a71 = S.Load(acc + 36 * lanes);
                if (TK.Value > 2) a72 = S.Load(acc + 37 * lanes);
                if (TK.Value > 3) a73 = S.Load(acc + 38 * lanes);
                if (TK.Value > 4) a74 = S.Load(acc + 39 * lanes);
            }
            for (int s = 0; s < samples; s++, dz += dzSample, x += xStride)
            {
                for (int v = 0; v <= full; v++)
                {
                    nint q;
                    TV m;
                    if (v < full) { q = v * lanes; m = ones; }
                    else if (tail) { q = span - lanes; m = tailMask; }
                    else break;
                    T* xq = x + q;
                    TV x0 = S.Load(xq), x1 = default, x2 = default, x3 = default, x4 = default;
                    if (TK.Value > 1) x1 = S.Load(xq + 1);
                    if (TK.Value > 2) x2 = S.Load(xq + 2);
                    if (TK.Value > 3) x3 = S.Load(xq + 3);
                    if (TK.Value > 4) x4 = S.Load(xq + 4);
                    T* dq = dz + q;
                    TV d0 = S.And(S.Load(dq), m);
                    a00 = S.Fma(d0, x0, a00);
                    if (TK.Value > 1) a01 = S.Fma(d0, x1, a01);
                    if (TK.Value > 2) a02 = S.Fma(d0, x2, a02);
                    if (TK.Value > 3) a03 = S.Fma(d0, x3, a03);
                    if (TK.Value > 4) a04 = S.Fma(d0, x4, a04);
                    if (TJ.Value > 1)
                    {
                        TV d = S.And(S.Load(dq + 1 * dzStride), m);
                        a10 = S.Fma(d, x0, a10);
                        if (TK.Value > 1) a11 = S.Fma(d, x1, a11);
                        if (TK.Value > 2) a12 = S.Fma(d, x2, a12);
                        if (TK.Value > 3) a13 = S.Fma(d, x3, a13);
                        if (TK.Value > 4) a14 = S.Fma(d, x4, a14);
                    }
                    if (TJ.Value > 2)
                    {
                        TV d = S.And(S.Load(dq + 2 * dzStride), m);
                        a20 = S.Fma(d, x0, a20);
                        if (TK.Value > 1) a21 = S.Fma(d, x1, a21);
                        if (TK.Value > 2) a22 = S.Fma(d, x2, a22);
                        if (TK.Value > 3) a23 = S.Fma(d, x3, a23);
                        if (TK.Value > 4) a24 = S.Fma(d, x4, a24);
                    }
                    if (TJ.Value > 3)
                    {
                        TV d = S.And(S.Load(dq + 3 * dzStride), m);
                        a30 = S.Fma(d, x0, a30);
                        if (TK.Value > 1) a31 = S.Fma(d, x1, a31);
                        if (TK.Value > 2) a32 = S.Fma(d, x2, a32);
                        if (TK.Value > 3) a33 = S.Fma(d, x3, a33);
                        if (TK.Value > 4) a34 = S.Fma(d, x4, a34);
                    }
                    if (TJ.Value > 4)
                    {
                        TV d = S.And(S.Load(dq + 4 * dzStride), m);
                        a40 = S.Fma(d, x0, a40);
                        if (TK.Value > 1) a41 = S.Fma(d, x1, a41);
                        if (TK.Value > 2) a42 = S.Fma(d, x2, a42);
                        if (TK.Value > 3) a43 = S.Fma(d, x3, a43);
                        if (TK.Value > 4) a44 = S.Fma(d, x4, a44);
                    }
                    if (TJ.Value > 5)
                    {
                        TV d = S.And(S.Load(dq + 5 * dzStride), m);
                        a50 = S.Fma(d, x0, a50);
                        if (TK.Value > 1) a51 = S.Fma(d, x1, a51);
                        if (TK.Value > 2) a52 = S.Fma(d, x2, a52);
                        if (TK.Value > 3) a53 = S.Fma(d, x3, a53);
                        if (TK.Value > 4) a54 = S.Fma(d, x4, a54);
                    }
                    if (TJ.Value > 6)
                    {
                        TV d = S.And(S.Load(dq + 6 * dzStride), m);
                        a60 = S.Fma(d, x0, a60);
                        if (TK.Value > 1) a61 = S.Fma(d, x1, a61);
                        if (TK.Value > 2) a62 = S.Fma(d, x2, a62);
                        if (TK.Value > 3) a63 = S.Fma(d, x3, a63);
                        if (TK.Value > 4) a64 = S.Fma(d, x4, a64);
                    }
                    if (TJ.Value > 7)
                    {
                        TV d = S.And(S.Load(dq + 7 * dzStride), m);
                        a70 = S.Fma(d, x0, a70);
                        if (TK.Value > 1) a71 = S.Fma(d, x1, a71);
                        if (TK.Value > 2) a72 = S.Fma(d, x2, a72);
                        if (TK.Value > 3) a73 = S.Fma(d, x3, a73);
                        if (TK.Value > 4) a74 = S.Fma(d, x4, a74);
                    }
                }
            }
            {
                S.Store(acc + 0 * lanes, a00);
                if (TK.Value > 1) S.Store(acc + 1 * lanes, a01);
                if (TK.Value > 2) S.Store(acc + 2 * lanes, a02);
                if (TK.Value > 3) S.Store(acc + 3 * lanes, a03);
                if (TK.Value > 4) S.Store(acc + 4 * lanes, a04);
            }
            if (TJ.Value > 1) {
                S.Store(acc + 5 * lanes, a10);
                if (TK.Value > 1) S.Store(acc + 6 * lanes, a11);
                if (TK.Value > 2) S.Store(acc + 7 * lanes, a12);
                if (TK.Value > 3) S.Store(acc + 8 * lanes, a13);
                if (TK.Value > 4) S.Store(acc + 9 * lanes, a14);
            }
            if (TJ.Value > 2) {
                S.Store(acc + 10 * lanes, a20);
                if (TK.Value > 1) S.Store(acc + 11 * lanes, a21);
                if (TK.Value > 2) S.Store(acc + 12 * lanes, a22);
                if (TK.Value > 3) S.Store(acc + 13 * lanes, a23);
                if (TK.Value > 4) S.Store(acc + 14 * lanes, a24);
            }
            if (TJ.Value > 3) {
                S.Store(acc + 15 * lanes, a30);
                if (TK.Value > 1) S.Store(acc + 16 * lanes, a31);
                if (TK.Value > 2) S.Store(acc + 17 * lanes, a32);
                if (TK.Value > 3) S.Store(acc + 18 * lanes, a33);
                if (TK.Value > 4) S.Store(acc + 19 * lanes, a34);
            }
            if (TJ.Value > 4) {
                S.Store(acc + 20 * lanes, a40);
                if (TK.Value > 1) S.Store(acc + 21 * lanes, a41);
                if (TK.Value > 2) S.Store(acc + 22 * lanes, a42);
                if (TK.Value > 3) S.Store(acc + 23 * lanes, a43);
                if (TK.Value > 4) S.Store(acc + 24 * lanes, a44);
            }
            if (TJ.Value > 5) {
                S.Store(acc + 25 * lanes, a50);
                if (TK.Value > 1) S.Store(acc + 26 * lanes, a51);
                if (TK.Value > 2) S.Store(acc + 27 * lanes, a52);
                if (TK.Value > 3) S.Store(acc + 28 * lanes, a53);
                if (TK.Value > 4) S.Store(acc + 29 * lanes, a54);
            }
            if (TJ.Value > 6) {
                S.Store(acc + 30 * lanes, a60);
                if (TK.Value > 1) S.Store(acc + 31 * lanes, a61);
                if (TK.Value > 2) S.Store(acc + 32 * lanes, a62);
                if (TK.Value > 3) S.Store(acc + 33 * lanes, a63);
                if (TK.Value > 4) S.Store(acc + 34 * lanes, a64);
            }
            if (TJ.Value > 7) {
                S.Store(acc + 35 * lanes, a70);
                if (TK.Value > 1) S.Store(acc + 36 * lanes, a71);
                if (TK.Value > 2) S.Store(acc + 37 * lanes, a72);
                if (TK.Value > 3) S.Store(acc + 38 * lanes, a73);
                if (TK.Value > 4) S.Store(acc + 39 * lanes, a74);
            }
        }
    }
}
