using System;
using System.Numerics;
using System.Runtime.CompilerServices;
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

    public static void Forward(Span<T> y, ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> b, int n, Span<T> workspace)
    {
        int padded = ConvGrid<L>.PaddedLength;
        if (workspace.Length < n * padded)
            throw new ArgumentException($"workspace holds {workspace.Length} values, but {n} samples need {n * padded}.", nameof(workspace));
        fixed (T* py = y, px = x, pw = w, pb = b, pws = workspace)
        {
            var job = new ForwardJob { Y = py, X = px, W = pw, B = pb, Padded = pws };
            Workers.Run(ref job, n);
        }
    }

    public static void Backward(Span<T> dx, Span<T> dw, Span<T> db, Span<T> dy, ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> w, int n,
        Span<T> workspace)
    {
        int padded = ConvGrid<L>.PaddedLength, gradient = ConvGrid<L>.GradientLength;
        if (workspace.Length < n * (padded + gradient))
            throw new ArgumentException($"workspace holds {workspace.Length} values, but {n} samples need {n * (padded + gradient)} for training.", nameof(workspace));
        // The bordered inputs come first, for as many samples as the workspace holds, then dL/dz: its margins and extra
        // columns are never written, so they stay zero from one call to the next.
        int capacity = workspace.Length / (padded + gradient);
        fixed (T* pdx = dx, pdw = dw, pdb = db, pdy = dy, px = x, py = y, pw = w, pws = workspace)
        {
            T* dz = pws + capacity * padded;
            var prepare = new PrepareJob { Dx = pdx, Dy = pdy, Y = py, W = pw, Gradient = dz };
            Workers.Run(ref prepare, n);
            var weights = new WeightJob { Dw = pdw, Db = pdb, X = px, Padded = pws, Gradient = dz, Samples = n };
            Workers.Run(ref weights, WeightJob.Tasks);
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
    /// <paramref name="channels"/>, in blocks of 4 channels × 4 vectors.
    /// </summary>
    private static void Run<TAct>(in Pass p, int channels) where TAct : IActivationChoice
    {
        int lanes = S.Count;
        int vectors = (p.QLength + lanes - 1) / lanes;
        int last = p.QStart + p.QLength - lanes;
        T* acc = stackalloc T[16 * lanes];
        for (int j0 = 0; j0 < channels; j0 += 4)
        {
            int jb = Math.Min(4, channels - j0);
            for (int v = 0; v < vectors; v += 4)
            {
                // Vector starts; those past the end are moved back to end exactly at the last position (the overlap is
                // computed twice with the same arithmetic and stored twice with the same value).
                int q0 = Math.Min(p.QStart + v * lanes, last), q1 = Math.Min(q0 + lanes, last);
                int q2 = Math.Min(q1 + lanes, last), q3 = Math.Min(q2 + lanes, last);
                if (jb == 4)
                {
                    Accumulate<Count4>(p, j0, q0, q1, q2, q3, acc);
                    StoreColumn<Count4, TAct>(p, j0, q0, acc, 0);
                    StoreColumn<Count4, TAct>(p, j0, q1, acc, 1);
                    StoreColumn<Count4, TAct>(p, j0, q2, acc, 2);
                    StoreColumn<Count4, TAct>(p, j0, q3, acc, 3);
                }
                else
                    for (int j = j0; j < channels; j++)
                    {
                        Accumulate<Count1>(p, j, q0, q1, q2, q3, acc);
                        StoreColumn<Count1, TAct>(p, j, q0, acc, 0);
                        StoreColumn<Count1, TAct>(p, j, q1, acc, 1);
                        StoreColumn<Count1, TAct>(p, j, q2, acc, 2);
                        StoreColumn<Count1, TAct>(p, j, q3, acc, 3);
                    }
            }
        }
    }

    // The accumulation loop lives in its own method, generic over the block size so that the JIT compiles it with the
    // size a constant: the 16 accumulators stay in registers (with the stores and the activation in the same method,
    // or with the size a variable, the JIT spills them every iteration).
    /// <summary>The sums of output channels <c>j0 .. j0 + jb - 1</c> at the 4 vectors starting at q0..q3, into <paramref name="acc"/> ([j, v] vectors).</summary>
    private static void Accumulate<TJ>(in Pass p, int j0, nint q0, nint q1, nint q2, nint q3, T* acc) where TJ : IConvCount
    {
        TV a00, a01, a02, a03, a10 = default, a11 = default, a12 = default, a13 = default;
        TV a20 = default, a21 = default, a22 = default, a23 = default, a30 = default, a31 = default, a32 = default, a33 = default;
        T* bias = p.Bias;
        a00 = a01 = a02 = a03 = bias == null ? S.Zero : S.Broadcast(bias[j0]);
        if (TJ.Value > 1) a10 = a11 = a12 = a13 = bias == null ? S.Zero : S.Broadcast(bias[j0 + 1]);
        if (TJ.Value > 2) a20 = a21 = a22 = a23 = bias == null ? S.Zero : S.Broadcast(bias[j0 + 2]);
        if (TJ.Value > 3) a30 = a31 = a32 = a33 = bias == null ? S.Zero : S.Broadcast(bias[j0 + 3]);
        nint wj = p.WJ, wiStride = p.WI, inStride = p.InStride;
        int taps = p.TapCount, channels = p.InChannels;
        int* off = p.Taps;
        T* input = p.In;
        T* wi = p.W + j0 * wj;
        for (int i = 0; i < channels; i++, input += inStride, wi += wiStride)
        {
            for (int t = 0; t < taps; t++)
            {
                T* at = input + off[t];
                TV x0 = S.Load(at + q0), x1 = S.Load(at + q1), x2 = S.Load(at + q2), x3 = S.Load(at + q3);
                T* wt = wi + t;
                TV w = S.Broadcast(*wt);
                a00 = S.Fma(x0, w, a00); a01 = S.Fma(x1, w, a01); a02 = S.Fma(x2, w, a02); a03 = S.Fma(x3, w, a03);
                if (TJ.Value > 1)
                {
                    w = S.Broadcast(wt[wj]);
                    a10 = S.Fma(x0, w, a10); a11 = S.Fma(x1, w, a11); a12 = S.Fma(x2, w, a12); a13 = S.Fma(x3, w, a13);
                }
                if (TJ.Value > 2)
                {
                    w = S.Broadcast(wt[2 * wj]);
                    a20 = S.Fma(x0, w, a20); a21 = S.Fma(x1, w, a21); a22 = S.Fma(x2, w, a22); a23 = S.Fma(x3, w, a23);
                }
                if (TJ.Value > 3)
                {
                    w = S.Broadcast(wt[3 * wj]);
                    a30 = S.Fma(x0, w, a30); a31 = S.Fma(x1, w, a31); a32 = S.Fma(x2, w, a32); a33 = S.Fma(x3, w, a33);
                }
            }
        }
        int l = S.Count;
        S.Store(acc, a00); S.Store(acc + l, a01); S.Store(acc + 2 * l, a02); S.Store(acc + 3 * l, a03);
        if (TJ.Value > 1) { S.Store(acc + 4 * l, a10); S.Store(acc + 5 * l, a11); S.Store(acc + 6 * l, a12); S.Store(acc + 7 * l, a13); }
        if (TJ.Value > 2) { S.Store(acc + 8 * l, a20); S.Store(acc + 9 * l, a21); S.Store(acc + 10 * l, a22); S.Store(acc + 11 * l, a23); }
        if (TJ.Value > 3) { S.Store(acc + 12 * l, a30); S.Store(acc + 13 * l, a31); S.Store(acc + 14 * l, a32); S.Store(acc + 15 * l, a33); }
    }

    /// <summary>
    /// Applies the activation to the sums of vector <paramref name="v"/> (starting at grid position <paramref name="q"/>)
    /// of channels <c>j0 .. j0 + jb - 1</c> and stores each lane into its output row.
    /// </summary>
    private static void StoreColumn<TJ, TAct>(in Pass p, int j0, int q, T* acc, int v) where TJ : IConvCount where TAct : IActivationChoice
    {
        Act act = TAct.Activation;
        int lanes = S.Count;
        TV a0 = ConvActivation.Apply<TV, T, S>(act, S.Load(acc + v * lanes)), a1 = default, a2 = default, a3 = default;
        if (TJ.Value > 1) a1 = ConvActivation.Apply<TV, T, S>(act, S.Load(acc + (4 + v) * lanes));
        if (TJ.Value > 2) a2 = ConvActivation.Apply<TV, T, S>(act, S.Load(acc + (8 + v) * lanes));
        if (TJ.Value > 3) a3 = ConvActivation.Apply<TV, T, S>(act, S.Load(acc + (12 + v) * lanes));
        int gw = Gw, stride = p.OutStride;
        int first = Math.Max(q / gw, p.Row0), lastRow = Math.Min((q + lanes - 1) / gw, p.Row0 + p.Rows - 1);
        for (int r = first; r <= lastRow; r++)
        {
            int col = q - r * gw - p.Col0; // output column of lane 0 (negative: lane 0 lies before this row's outputs)
            T* o = p.Out + j0 * stride + (r - p.Row0) * p.Cols + col;
            if (col >= 0 && col + lanes <= p.Cols)
            {
                S.Store(o, a0);
                if (TJ.Value > 1) S.Store(o + stride, a1);
                if (TJ.Value > 2) S.Store(o + 2 * stride, a2);
                if (TJ.Value > 3) S.Store(o + 3 * stride, a3);
            }
            else if (col < p.Cols && col + lanes > 0)
            {
                TV c = S.Add(S.Indices, S.Broadcast(T.CreateTruncating(col)));
                TV mask = S.And(S.GreaterThanOrEqual(c, S.Zero), S.LessThan(c, S.Broadcast(T.CreateTruncating(p.Cols))));
                S.MaskStore(o, mask, a0);
                if (TJ.Value > 1) S.MaskStore(o + stride, mask, a1);
                if (TJ.Value > 2) S.MaskStore(o + 2 * stride, mask, a2);
                if (TJ.Value > 3) S.MaskStore(o + 3 * stride, mask, a3);
            }
        }
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

    /// <summary>Forward, one part per sample: border the input if the layer pads, then the direct convolution.</summary>
    private struct ForwardJob : IParallelPart
    {
        public T* Y, X, W, B, Padded;

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
    /// Backward, one part per sample: dL/dz from dL/dy and the saved output, written on the grid (zero margin, zero
    /// columns past the output's width), its sum per filter (the sample's share of dL/db), and dL/dx.
    /// </summary>
    private struct PrepareJob : IParallelPart
    {
        public T* Dx, Dy, Y, W, Gradient;

        public readonly void Execute(int s)
        {
            int lanes = S.Count, oh = L.OutHeight, ow = L.OutWidth, outSize = ConvGrid<L>.OutSize;
            int margin = ConvGrid<L>.Margin, dzStride = ConvGrid<L>.DzStride;
            T* dy = Dy + s * outSize, y = Y + s * outSize;
            T* dz = Gradient + s * ConvGrid<L>.GradientLength;
            if (!ConvActivation.IsElementwise(L.Activation))
                ConvActivation.BackwardWhole(L.Activation, new Span<T>(dy, outSize), new ReadOnlySpan<T>(y, outSize));
            TV tailMask = S.LessThan(S.Indices, S.Broadcast(T.CreateTruncating(ow % lanes)));
            for (int f = 0; f < F; f++)
            {
                T* row = dz + f * dzStride + margin;
                for (int oy = 0; oy < oh; oy++, dy += ow, y += ow, row += Gw)
                {
                    int ox = 0;
                    for (; ox + lanes <= ow; ox += lanes)
                        S.Store(row + ox, ConvActivation.Backward<TV, T, S>(L.Activation, S.Load(dy + ox), S.Load(y + ox)));
                    if (ox < ow)
                        S.MaskStore(row + ox, tailMask,
                            ConvActivation.Backward<TV, T, S>(L.Activation, S.MaskLoad(dy + ox, tailMask), S.MaskLoad(y + ox, tailMask)));
                }
                // The sample's dL/db share: the filter's dz summed over the grid (the margin and the extra columns are zeros).
                T* start = dz + f * dzStride + margin;
                TV sum = S.Zero;
                for (int q = 0; q < oh * Gw; q += lanes) sum = S.Add(sum, S.Load(start + q));
                dz[F * dzStride + f] = S.Sum(sum);
            }
            if (Dx == null) return;
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

    /// <summary>
    /// dL/dW and dL/db, one part per block of up to 4 filters × one input channel × one kernel row (× up to 5 kernel
    /// columns): each weight's gradient is summed over the samples in order, and over the positions in vectors, inside
    /// one part.
    /// </summary>
    private struct WeightJob : IParallelPart
    {
        public T* Dw, Db, X, Padded, Gradient;
        public int Samples;

        private static int FilterBlocks => (F + 3) / 4;
        private static int ColumnBlocks => (K + 4) / 5;
        public static int Tasks => FilterBlocks * C * K * ColumnBlocks;

        public readonly void Execute(int task)
        {
            int kc = task % ColumnBlocks, rest = task / ColumnBlocks;
            int ky = rest % K;
            rest /= K;
            int c = rest % C, f0 = rest / C * 4;
            int kx0 = kc * 5;
            if (F - f0 >= 4) Columns<Count4>(f0, c, ky, kx0);
            else
                for (int f = f0; f < F; f++) Columns<Count1>(f, c, ky, kx0);
            if (c == 0 && ky == 0 && kx0 == 0)
                for (int f = f0; f < Math.Min(F, f0 + 4); f++)
                {
                    T sum = T.Zero;
                    for (int s = 0; s < Samples; s++) sum += Gradient[s * ConvGrid<L>.GradientLength + F * ConvGrid<L>.DzStride + f];
                    Db[f] += sum;
                }
        }

        /// <summary>Kernel columns <c>kx0 .. kx0 + 4</c> (or to the kernel's edge), the count a type for the JIT.</summary>
        private readonly void Columns<TJ>(int f0, int c, int ky, int kx0) where TJ : IConvCount
        {
            switch (Math.Min(5, K - kx0))
            {
                case 5: Accumulate<TJ, Count5>(f0, c, ky, kx0); break;
                case 4: Accumulate<TJ, Count4>(f0, c, ky, kx0); break;
                case 3: Accumulate<TJ, Count3>(f0, c, ky, kx0); break;
                case 2: Accumulate<TJ, Count2>(f0, c, ky, kx0); break;
                default: Accumulate<TJ, Count1>(f0, c, ky, kx0); break;
            }
        }

        /// <summary>
        /// <c>dW[f0 + j, c, ky, kx0 + k] += Σ_s Σ_q dz[s, f0 + j, q] · x[s, c, q + ky·gridW + kx0 + k]</c> for j below
        /// <typeparamref name="TJ"/> and k below <typeparamref name="TK"/>, one vector accumulator each.
        /// </summary>
        private readonly void Accumulate<TJ, TK>(int f0, int c, int ky, int kx0) where TJ : IConvCount where TK : IConvCount
        {
            int lanes = S.Count, span = ConvGrid<L>.OutputSpan;
            nint dzStride = ConvGrid<L>.DzStride;
            int full = span / lanes;
            bool tail = span % lanes != 0;
            // The last vector ends at the last position; its lanes already covered by the full vectors are masked out of dz.
            TV tailMask = S.GreaterThanOrEqual(S.Indices, S.Broadcast(T.CreateTruncating(full * lanes - (span - lanes))));
            TV ones = S.EqualsTo(S.Zero, S.Zero);
            TV a00 = S.Zero, a01 = S.Zero, a02 = S.Zero, a03 = S.Zero, a04 = S.Zero;
            TV a10 = S.Zero, a11 = S.Zero, a12 = S.Zero, a13 = S.Zero, a14 = S.Zero;
            TV a20 = S.Zero, a21 = S.Zero, a22 = S.Zero, a23 = S.Zero, a24 = S.Zero;
            TV a30 = S.Zero, a31 = S.Zero, a32 = S.Zero, a33 = S.Zero, a34 = S.Zero;
            for (int s = 0; s < Samples; s++)
            {
                T* dz = Gradient + s * ConvGrid<L>.GradientLength + f0 * dzStride + ConvGrid<L>.Margin;
                T* x = (ConvGrid<L>.Padded ? Padded + s * ConvGrid<L>.PaddedLength : X + s * ConvGrid<L>.InSize)
                    + c * ConvGrid<L>.GridSize + ky * Gw + kx0;
                for (int v = 0; v <= full; v++)
                {
                    nint q;
                    TV m;
                    if (v < full) { q = v * lanes; m = ones; }
                    else if (tail) { q = span - lanes; m = tailMask; }
                    else break;
                    TV d0 = S.And(S.Load(dz + q), m), d1 = default, d2 = default, d3 = default;
                    if (TJ.Value > 1) d1 = S.And(S.Load(dz + dzStride + q), m);
                    if (TJ.Value > 2) d2 = S.And(S.Load(dz + 2 * dzStride + q), m);
                    if (TJ.Value > 3) d3 = S.And(S.Load(dz + 3 * dzStride + q), m);
                    T* xq = x + q;
                    TV xv = S.Load(xq);
                    a00 = S.Fma(d0, xv, a00);
                    if (TJ.Value > 1) a10 = S.Fma(d1, xv, a10);
                    if (TJ.Value > 2) a20 = S.Fma(d2, xv, a20);
                    if (TJ.Value > 3) a30 = S.Fma(d3, xv, a30);
                    if (TK.Value > 1)
                    {
                        xv = S.Load(xq + 1);
                        a01 = S.Fma(d0, xv, a01);
                        if (TJ.Value > 1) a11 = S.Fma(d1, xv, a11);
                        if (TJ.Value > 2) a21 = S.Fma(d2, xv, a21);
                        if (TJ.Value > 3) a31 = S.Fma(d3, xv, a31);
                    }
                    if (TK.Value > 2)
                    {
                        xv = S.Load(xq + 2);
                        a02 = S.Fma(d0, xv, a02);
                        if (TJ.Value > 1) a12 = S.Fma(d1, xv, a12);
                        if (TJ.Value > 2) a22 = S.Fma(d2, xv, a22);
                        if (TJ.Value > 3) a32 = S.Fma(d3, xv, a32);
                    }
                    if (TK.Value > 3)
                    {
                        xv = S.Load(xq + 3);
                        a03 = S.Fma(d0, xv, a03);
                        if (TJ.Value > 1) a13 = S.Fma(d1, xv, a13);
                        if (TJ.Value > 2) a23 = S.Fma(d2, xv, a23);
                        if (TJ.Value > 3) a33 = S.Fma(d3, xv, a33);
                    }
                    if (TK.Value > 4)
                    {
                        xv = S.Load(xq + 4);
                        a04 = S.Fma(d0, xv, a04);
                        if (TJ.Value > 1) a14 = S.Fma(d1, xv, a14);
                        if (TJ.Value > 2) a24 = S.Fma(d2, xv, a24);
                        if (TJ.Value > 3) a34 = S.Fma(d3, xv, a34);
                    }
                }
            }
            int filter = C * K * K;
            T* dw = Dw + f0 * filter + c * K * K + ky * K + kx0;
            Add<TK>(dw, a00, a01, a02, a03, a04);
            if (TJ.Value > 1) Add<TK>(dw + filter, a10, a11, a12, a13, a14);
            if (TJ.Value > 2) Add<TK>(dw + 2 * filter, a20, a21, a22, a23, a24);
            if (TJ.Value > 3) Add<TK>(dw + 3 * filter, a30, a31, a32, a33, a34);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Add<TK>(T* dw, TV a0, TV a1, TV a2, TV a3, TV a4) where TK : IConvCount
        {
            dw[0] += S.Sum(a0);
            if (TK.Value > 1) dw[1] += S.Sum(a1);
            if (TK.Value > 2) dw[2] += S.Sum(a2);
            if (TK.Value > 3) dw[3] += S.Sum(a3);
            if (TK.Value > 4) dw[4] += S.Sum(a4);
        }
    }
}
