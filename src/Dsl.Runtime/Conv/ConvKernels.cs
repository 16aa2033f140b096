using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Dsl;

namespace Dsl.Runtime;

/// <summary>
/// Convolution forward and backward for one layer, compiled per layer: the layer's geometry and activation come in as
/// the type argument <c>TLayer</c> of each method (see <see cref="IConvLayer"/>), so every size is a
/// JIT-time constant.
/// </summary>
/// <remarks>
/// <para><b>Direct convolution on the input's grid.</b> With stride 1, output <c>(oy, ox)</c> of a valid convolution reads
/// input <c>(oy + ky, ox + kx)</c>; numbering positions along the input rows, <c>q = oy·W + ox</c>, every tap reads the
/// input at <c>q + ky·W + kx</c>. So the kernels run over <c>q</c> with vectors of 16 (AVX-512) or 8 (AVX2) floats:
/// each tap is one contiguous load, each weight a broadcast, and a block of 4 filters × 4 vectors keeps 16 accumulators
/// in registers. The positions whose <c>ox</c> falls past the output's width are computed and never stored (masked
/// stores write each output row into its place). Padding is handled by copying each sample into a zero-bordered map
/// first. The same kernel computes <c>dL/dx</c>: a valid convolution of the zero-bordered <c>dL/dz</c> with the
/// flipped kernel, on the same grid; and <c>dL/dW</c> is a sum over samples and positions of <c>dL/dz</c> times the input
/// shifted by each tap.</para>
/// <para><b>Threads and determinism.</b> The forward pass and <c>dL/dx</c> are split by samples (each sample's outputs are
/// computed by one part, in a fixed order); <c>dL/dW</c> and <c>dL/db</c> are split by output elements (blocks of up to 4
/// filters × one input channel × one kernel row), each summed over the samples and positions in order inside one
/// part; after a max pooling whose windows do not overlap, <c>dL/dW</c> is summed over the windows' winners instead,
/// each sample's share by its own part, then over the samples in order, one part per filter. No value depends on how
/// the parts are spread over threads, so results are bit-identical whatever <see cref="Workers.Degree"/> is.</para>
/// <para><b>Other shapes.</b> Stride 2 and more, maps too small for one vector, and machines without AVX2 take
/// <see cref="SpatialKernels"/>' per-sample im2col path, on one thread.</para>
/// </remarks>
public static class ConvKernels
{
    /// <summary>
    /// Workspace values a layer needs per sample: the zero-bordered copy of the input when the layer pads, and, when
    /// <paramref name="training"/>, <c>dL/dz</c> laid out on the input's grid plus one partial bias gradient per filter.
    /// The im2col path needs instead two patch matrices, shared by all samples (counted once in
    /// <see cref="WorkspaceLength{T, TLayer}"/>).
    /// </summary>
    public static int WorkspaceLength<T, TLayer>(int samples, bool training) where T : unmanaged, IFloatingPointIeee754<T> where TLayer : IConvLayer
    {
        ArgumentOutOfRangeException.ThrowIfNegative(samples);
        if (!UsesDirect<T, TLayer>()) return 2 * ConvGrid<TLayer>.PatchMatrixLength;
        // Training: 16 more values, so that dL/dz can start on a 64-byte boundary wherever the buffer lies.
        long length = samples * ((long)ConvGrid<TLayer>.PaddedLength + (training ? ConvGrid<TLayer>.GradientLength : 0)) + (training ? 16 : 0);
        if (length > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(samples), samples,
                $"The workspace of a [{TLayer.OutChannels} x {TLayer.InChannels} x {TLayer.Kernel} x {TLayer.Kernel}] convolution on a " +
                $"[{TLayer.InChannels}, {TLayer.InHeight}, {TLayer.InWidth}] map for {samples} samples would hold {length} values, " +
                $"more than an array can ({Array.MaxLength}).");
        return (int)length;
    }

    /// <summary>Whether this machine runs <typeparamref name="TLayer"/> with the direct SIMD kernels (else im2col).</summary>
    public static bool UsesDirect<T, TLayer>() where T : unmanaged, IFloatingPointIeee754<T> where TLayer : IConvLayer
        => UsesDirect512<T, TLayer>() || UsesDirect256<T, TLayer>();

    /// <summary>The direct kernels on 512-bit vectors: AVX-512, and a vector fits the layer's spans.</summary>
    private static bool UsesDirect512<T, TLayer>() where T : unmanaged, IFloatingPointIeee754<T> where TLayer : IConvLayer
        => ConvSimd512<T>.IsSupported && ConvGrid<TLayer>.Fits(Vector512<T>.Count);

    /// <summary>The direct kernels on 256-bit vectors: AVX2 without AVX-512, or a map too small for 512 bits.</summary>
    private static bool UsesDirect256<T, TLayer>() where T : unmanaged, IFloatingPointIeee754<T> where TLayer : IConvLayer
        => !UsesDirect512<T, TLayer>() && ConvSimd256<T>.IsSupported && ConvGrid<TLayer>.Fits(Vector256<T>.Count);

    /// <summary>
    /// Forward for <paramref name="n"/> samples: <c>y[s, f, oy, ox] = act(b[f] + Σ_{c,ky,kx} w[f, c, ky, kx] ·
    /// x[s, c, oy·stride + ky - padTop, ox·stride + kx - padLeft])</c>, zero outside the input.
    /// </summary>
    /// <param name="y">Output <c>[n, F, outH, outW]</c>.</param>
    /// <param name="x">Input <c>[n, C, H, W]</c>.</param>
    /// <param name="weight">Weight <c>[F, C, k, k]</c>.</param>
    /// <param name="bias">Bias <c>[F]</c>.</param>
    /// <param name="n">Number of samples.</param>
    /// <param name="workspace">At least <see cref="WorkspaceLength{T, TLayer}"/> values; the backward pass of the same
    /// samples reads what this call leaves there.</param>
    public static unsafe void Forward<T, TLayer>(Span<T> y, ReadOnlySpan<T> x, ReadOnlySpan<T> weight, ReadOnlySpan<T> bias, int n, Span<T> workspace)
        where T : unmanaged, IFloatingPointIeee754<T> where TLayer : IConvLayer
    {
        Check<T, TLayer>(y.Length, x.Length, weight.Length, bias.Length, n);
        RunForward<T, TLayer>(y, x, weight, bias, n, workspace, default, default, default);
    }

    /// <summary>
    /// Backward for <paramref name="n"/> samples, after <see cref="Forward{T, TLayer}"/> on the same samples: turns
    /// <paramref name="dy"/> = dL/dy into <c>dz</c> = dL/d(pre-activation), adds <c>dw[f, c, ky, kx] += Σ_{s,oy,ox}
    /// dz[s, f, oy, ox] · x[s, c, oy·stride + ky - padTop, ox·stride + kx - padLeft]</c> and <c>db[f] += Σ dz[s, f, ·, ·]</c>,
    /// and, unless <paramref name="dx"/> is empty, writes <c>dx[s, c, iy, ix] = Σ w[f, c, ky, kx] · dz[s, f, oy, ox]</c> over
    /// the outputs whose window covers <c>(iy, ix)</c>.
    /// </summary>
    /// <param name="dx">Input gradient <c>[n, C, H, W]</c>, or empty when no layer before needs it.</param>
    /// <param name="dWeight">Weight gradient <c>[F, C, k, k]</c>, added to.</param>
    /// <param name="dBias">Bias gradient <c>[F]</c>, added to.</param>
    /// <param name="dy">dL/dy <c>[n, F, outH, outW]</c>; overwritten (Softmax turns it into dL/dz in place).</param>
    /// <param name="x">The forward pass's input.</param>
    /// <param name="y">The forward pass's output.</param>
    /// <param name="weight">Weight <c>[F, C, k, k]</c>.</param>
    /// <param name="n">Number of samples.</param>
    /// <param name="workspace">The forward pass's workspace, <see cref="WorkspaceLength{T, TLayer}"/> values for training.</param>
    public static unsafe void Backward<T, TLayer>(Span<T> dx, Span<T> dWeight, Span<T> dBias, Span<T> dy, ReadOnlySpan<T> x, ReadOnlySpan<T> y,
        ReadOnlySpan<T> weight, int n, Span<T> workspace)
        where T : unmanaged, IFloatingPointIeee754<T> where TLayer : IConvLayer
    {
        CheckBackward<T, TLayer>(dx, dWeight, dBias, dy, x, y, weight, n);
        RunBackward<T, TLayer>(dx, dWeight, dBias, dy, x, y, weight, n, workspace, default, default, default);
    }

    /// <summary>
    /// <see cref="Forward{T, TLayer}"/> followed by <see cref="SpatialKernels.MaxPoolForward{T}"/> of its output, with
    /// the same results: on the direct path each sample is pooled by the part that computed it, while its output is
    /// still in the cache, and no second pass over the batch is needed.
    /// </summary>
    /// <param name="y">The convolution's output <c>[n, F, outH, outW]</c> (kept: the backward pass needs it).</param>
    /// <param name="pooled">The pooling's output <c>[n, F, pooledH, pooledW]</c>.</param>
    /// <param name="argmax">The input index (within the sample) of each pooled maximum, as <see cref="SpatialKernels.MaxPoolForward{T}"/>.</param>
    /// <param name="x">Input <c>[n, C, H, W]</c>.</param>
    /// <param name="weight">Weight <c>[F, C, k, k]</c>.</param>
    /// <param name="bias">Bias <c>[F]</c>.</param>
    /// <param name="n">Number of samples.</param>
    /// <param name="workspace">As for <see cref="Forward{T, TLayer}"/>.</param>
    /// <param name="pool">The pooling layer's geometry; its input must be the convolution's output.</param>
    public static unsafe void ForwardMaxPool<T, TLayer>(Span<T> y, Span<T> pooled, Span<int> argmax, ReadOnlySpan<T> x, ReadOnlySpan<T> weight,
        ReadOnlySpan<T> bias, int n, Span<T> workspace, in SpatialGeometry pool)
        where T : unmanaged, IFloatingPointIeee754<T> where TLayer : IConvLayer
    {
        Check<T, TLayer>(y.Length, x.Length, weight.Length, bias.Length, n);
        CheckPool<TLayer>(pooled.Length, argmax.Length, n, pool, nameof(pooled));
        RunForward<T, TLayer>(y, x, weight, bias, n, workspace, pooled, argmax, pool);
    }

    /// <summary>
    /// <see cref="SpatialKernels.MaxPoolBackward{T}"/> into <paramref name="dy"/> followed by <see cref="Backward{T, TLayer}"/>:
    /// on the direct path each sample's <paramref name="dy"/> is routed from <paramref name="dPooled"/> by the part that
    /// then uses it. <paramref name="dy"/>, <paramref name="dx"/> and <paramref name="dBias"/> are the same bits as the
    /// separate calls'. When the windows do not overlap and the activation is element-wise, <paramref name="dWeight"/> is
    /// summed over the windows' winners only (the other positions' <c>dz</c> is zero): the same products in another
    /// order, so equal to rounding, and the same bits at every <see cref="Workers.Degree"/>.
    /// </summary>
    /// <param name="dx">Input gradient <c>[n, C, H, W]</c>, or empty when no layer before needs it.</param>
    /// <param name="dWeight">Weight gradient <c>[F, C, k, k]</c>, added to.</param>
    /// <param name="dBias">Bias gradient <c>[F]</c>, added to.</param>
    /// <param name="dy">Scratch for dL/dy <c>[n, F, outH, outW]</c>; overwritten.</param>
    /// <param name="dPooled">dL/d(pooled output) <c>[n, F, pooledH, pooledW]</c>.</param>
    /// <param name="argmax">The indices <see cref="ForwardMaxPool{T, TLayer}"/> recorded.</param>
    /// <param name="x">The forward pass's input.</param>
    /// <param name="y">The forward pass's convolution output.</param>
    /// <param name="weight">Weight <c>[F, C, k, k]</c>.</param>
    /// <param name="n">Number of samples.</param>
    /// <param name="workspace">The forward pass's workspace.</param>
    /// <param name="pool">The pooling layer's geometry.</param>
    public static unsafe void BackwardMaxPool<T, TLayer>(Span<T> dx, Span<T> dWeight, Span<T> dBias, Span<T> dy, ReadOnlySpan<T> dPooled,
        ReadOnlySpan<int> argmax, ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> weight, int n, Span<T> workspace, in SpatialGeometry pool)
        where T : unmanaged, IFloatingPointIeee754<T> where TLayer : IConvLayer
    {
        CheckBackward<T, TLayer>(dx, dWeight, dBias, dy, x, y, weight, n);
        CheckPool<TLayer>(dPooled.Length, argmax.Length, n, pool, nameof(dPooled));
        RunBackward<T, TLayer>(dx, dWeight, dBias, dy, x, y, weight, n, workspace, dPooled, argmax, pool);
    }

    /// <summary>
    /// The forward pass on this machine's path for the layer, then, when <paramref name="pooled"/> is not empty, its max
    /// pooling (inside the direct kernels' parts; after the im2col pass otherwise). Arguments already checked.
    /// </summary>
    private static void RunForward<T, TLayer>(Span<T> y, ReadOnlySpan<T> x, ReadOnlySpan<T> weight, ReadOnlySpan<T> bias, int n, Span<T> workspace,
        Span<T> pooled, Span<int> argmax, in SpatialGeometry pool)
        where T : unmanaged, IFloatingPointIeee754<T> where TLayer : IConvLayer
    {
        if (n == 0) return;
        if (UsesDirect512<T, TLayer>())
            ConvDirect<T, Vector512<T>, ConvSimd512<T>, TLayer>.Forward(y, x, weight, bias, n, workspace, pooled, argmax, pool);
        else if (UsesDirect256<T, TLayer>())
            ConvDirect<T, Vector256<T>, ConvSimd256<T>, TLayer>.Forward(y, x, weight, bias, n, workspace, pooled, argmax, pool);
        else
        {
            ConvIm2Col.Forward<T, TLayer>(y, x, weight, bias, n, workspace);
            if (!pooled.IsEmpty) SpatialKernels.MaxPoolForward<T>(pooled, argmax, y, n, pool);
        }
    }

    /// <summary>
    /// The backward pass on this machine's path for the layer, first routing <paramref name="dPooled"/> into
    /// <paramref name="dy"/> when it is not empty (inside the direct kernels' parts; before the im2col pass otherwise).
    /// </summary>
    private static void RunBackward<T, TLayer>(Span<T> dx, Span<T> dWeight, Span<T> dBias, Span<T> dy, ReadOnlySpan<T> x, ReadOnlySpan<T> y,
        ReadOnlySpan<T> weight, int n, Span<T> workspace, ReadOnlySpan<T> dPooled, ReadOnlySpan<int> argmax, in SpatialGeometry pool)
        where T : unmanaged, IFloatingPointIeee754<T> where TLayer : IConvLayer
    {
        if (n == 0) return;
        if (UsesDirect512<T, TLayer>())
            ConvDirect<T, Vector512<T>, ConvSimd512<T>, TLayer>.Backward(dx, dWeight, dBias, dy, x, y, weight, n, workspace, dPooled, argmax, pool);
        else if (UsesDirect256<T, TLayer>())
            ConvDirect<T, Vector256<T>, ConvSimd256<T>, TLayer>.Backward(dx, dWeight, dBias, dy, x, y, weight, n, workspace, dPooled, argmax, pool);
        else
        {
            if (!dPooled.IsEmpty) SpatialKernels.MaxPoolBackward<T>(dy, dPooled, argmax, n, pool);
            ConvIm2Col.Backward<T, TLayer>(dx, dWeight, dBias, dy, x, y, weight, n, workspace);
        }
    }

    private static void CheckBackward<T, TLayer>(Span<T> dx, Span<T> dWeight, Span<T> dBias, Span<T> dy, ReadOnlySpan<T> x, ReadOnlySpan<T> y,
        ReadOnlySpan<T> weight, int n) where TLayer : IConvLayer
    {
        Check<T, TLayer>(dy.Length, x.Length, weight.Length, dBias.Length, n);
        if (y.Length < n * ConvGrid<TLayer>.OutSize) throw new ArgumentException($"y holds {y.Length} values, but {n} samples need {n * ConvGrid<TLayer>.OutSize}.", nameof(y));
        if (dWeight.Length != weight.Length) throw new ArgumentException($"dWeight holds {dWeight.Length} values, expected {weight.Length}.", nameof(dWeight));
        if (!dx.IsEmpty && dx.Length < n * ConvGrid<TLayer>.InSize) throw new ArgumentException($"dx holds {dx.Length} values, but {n} samples need {n * ConvGrid<TLayer>.InSize}.", nameof(dx));
    }

    /// <summary>The pooling that follows a convolution: it must read exactly the convolution's output.</summary>
    private static void CheckPool<TLayer>(int pooledLength, int argmaxLength, int n, in SpatialGeometry pool, string pooledName) where TLayer : IConvLayer
    {
        if (pool.InChannels != TLayer.OutChannels || pool.InHeight != TLayer.OutHeight || pool.InWidth != TLayer.OutWidth || pool.OutChannels != pool.InChannels)
            throw new ArgumentException($"the pooling reads [{pool.InChannels}, {pool.InHeight}, {pool.InWidth}] into {pool.OutChannels} channels, but the convolution " +
                                        $"writes [{TLayer.OutChannels}, {TLayer.OutHeight}, {TLayer.OutWidth}].", nameof(pool));
        if (pool.Kernel < 1 || pool.Stride < 1 || pool.PadTop != 0 || pool.PadLeft != 0
            || (pool.OutHeight - 1) * pool.Stride + pool.Kernel > pool.InHeight || (pool.OutWidth - 1) * pool.Stride + pool.Kernel > pool.InWidth)
            throw new ArgumentException($"the pooling's {pool.Kernel}x{pool.Kernel} windows with stride {pool.Stride} and padding ({pool.PadTop}, {pool.PadLeft}) " +
                                        $"do not give [{pool.OutHeight}, {pool.OutWidth}] inside the [{pool.InHeight}, {pool.InWidth}] map.", nameof(pool));
        if (pooledLength < n * pool.OutSize) throw new ArgumentException($"{pooledName} holds {pooledLength} values, but {n} samples need {n * pool.OutSize}.", pooledName);
        if (argmaxLength < n * pool.OutSize) throw new ArgumentException($"argmax holds {argmaxLength} values, but {n} samples need {n * pool.OutSize}.", "argmax");
    }

    private static void Check<T, TLayer>(int yLength, int xLength, int weightLength, int biasLength, int n) where TLayer : IConvLayer
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        int inSize = ConvGrid<TLayer>.InSize, outSize = ConvGrid<TLayer>.OutSize;
        if (xLength < n * inSize) throw new ArgumentException($"x holds {xLength} values, but {n} samples of {inSize} need {n * inSize}.", "x");
        if (yLength < n * outSize) throw new ArgumentException($"the output holds {yLength} values, but {n} samples of {outSize} need {n * outSize}.", "y");
        if (weightLength != ConvGrid<TLayer>.WeightLength) throw new ArgumentException($"weight holds {weightLength} values, expected {ConvGrid<TLayer>.WeightLength} ([{TLayer.OutChannels}, {TLayer.InChannels}, {TLayer.Kernel}, {TLayer.Kernel}]).", "weight");
        if (biasLength != TLayer.OutChannels) throw new ArgumentException($"bias holds {biasLength} values, expected {TLayer.OutChannels}.", "bias");
    }
}

/// <summary>The sizes of a layer's grids, all constants once the JIT knows <typeparamref name="TLayer"/>.</summary>
internal static class ConvGrid<TLayer> where TLayer : IConvLayer
{
    public static int InSize
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => TLayer.InChannels * TLayer.InHeight * TLayer.InWidth;
    }

    public static int OutSize
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => TLayer.OutChannels * TLayer.OutHeight * TLayer.OutWidth;
    }

    public static int WeightLength
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => TLayer.OutChannels * TLayer.InChannels * TLayer.Kernel * TLayer.Kernel;
    }

    /// <summary>Height of the zero-bordered input grid (stride 1): the rows the outputs read.</summary>
    public static int GridHeight
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => TLayer.OutHeight + TLayer.Kernel - 1;
    }

    /// <summary>Width of the zero-bordered input grid (stride 1).</summary>
    public static int GridWidth
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => TLayer.OutWidth + TLayer.Kernel - 1;
    }

    public static int GridSize
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => GridHeight * GridWidth;
    }

    /// <summary>Whether the input must be copied into a zero-bordered grid: padding, or rows and columns it never reads.</summary>
    public static bool Padded
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => TLayer.PadTop != 0 || TLayer.PadLeft != 0 || GridHeight != TLayer.InHeight || GridWidth != TLayer.InWidth;
    }

    /// <summary>Values of the zero-bordered input per sample (0 when the layer reads the input as it is).</summary>
    public static int PaddedLength
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Padded ? TLayer.InChannels * GridSize : 0;
    }

    /// <summary>Grid positions from the first output to the last: <c>(outH - 1)·gridW + outW</c>.</summary>
    public static int OutputSpan
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => (TLayer.OutHeight - 1) * GridWidth + TLayer.OutWidth;
    }

    /// <summary>Grid positions from the first input to the last (inside the border): <c>(H - 1)·gridW + W</c>.</summary>
    public static int InputSpan
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => (TLayer.InHeight - 1) * GridWidth + TLayer.InWidth;
    }

    /// <summary>
    /// Zeros before <c>dL/dz</c> on its grid, so the flipped kernel may read above and left of it: at least
    /// <c>(k - 1)·gridW + k - 1</c>, rounded up to 16 values so that each filter's grid starts on a 64-byte boundary.
    /// </summary>
    public static int Margin
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => ((TLayer.Kernel - 1) * GridWidth + TLayer.Kernel - 1 + 15) / 16 * 16;
    }

    /// <summary>Values per filter of <c>dL/dz</c> on the grid: margin, the grid, and at least one vector of zeros after it (a multiple of 16).</summary>
    public static int DzStride
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => (Margin + GridSize + 16 + 15) / 16 * 16;
    }

    /// <summary>Per sample: <c>dz</c> of every filter, then one partial bias gradient per filter (a multiple of 16).</summary>
    public static int GradientLength
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => TLayer.OutChannels * DzStride + (TLayer.OutChannels + 15) / 16 * 16;
    }

    /// <summary>Values of one im2col patch matrix (the fallback path).</summary>
    public static int PatchMatrixLength
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => TLayer.InChannels * TLayer.Kernel * TLayer.Kernel * TLayer.OutHeight * TLayer.OutWidth;
    }

    /// <summary>Whether the direct kernels with <paramref name="lanes"/> lanes apply: stride 1, and a vector fits in the spans.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Fits(int lanes) => TLayer.Stride == 1 && OutputSpan >= lanes && InputSpan >= lanes;

    public static SpatialGeometry Geometry
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new(TLayer.InChannels, TLayer.InHeight, TLayer.InWidth, TLayer.OutChannels, TLayer.Kernel, TLayer.Stride,
        TLayer.PadTop, TLayer.PadLeft, TLayer.OutHeight, TLayer.OutWidth);
    }
}

/// <summary>The fallback: <see cref="SpatialKernels"/>' im2col path on one thread, then the activation.</summary>
internal static class ConvIm2Col
{
    public static void Forward<T, TLayer>(Span<T> y, ReadOnlySpan<T> x, ReadOnlySpan<T> weight, ReadOnlySpan<T> bias, int n, Span<T> workspace)
        where T : unmanaged, IFloatingPointIeee754<T> where TLayer : IConvLayer
    {
        SpatialGeometry g = ConvGrid<TLayer>.Geometry;
        CheckWorkspace<TLayer>(workspace.Length);
        SpatialKernels.ConvForward(y, x, weight, bias, n, g, workspace);
        Span<T> outputs = y.Slice(0, n * g.OutSize);
        switch (TLayer.Activation)
        {
            case Act.Sigmoid: Activations.Sigmoid(outputs); break;
            case Act.Tanh: Activations.Tanh(outputs); break;
            case Act.ReLU: Activations.ReLU(outputs); break;
            case Act.Softplus: Activations.Softplus(outputs); break;
            case Act.Softmax: Activations.Softmax(outputs, g.OutSize); break;
        }
    }

    public static void Backward<T, TLayer>(Span<T> dx, Span<T> dWeight, Span<T> dBias, Span<T> dy, ReadOnlySpan<T> x, ReadOnlySpan<T> y,
        ReadOnlySpan<T> weight, int n, Span<T> workspace)
        where T : unmanaged, IFloatingPointIeee754<T> where TLayer : IConvLayer
    {
        SpatialGeometry g = ConvGrid<TLayer>.Geometry;
        CheckWorkspace<TLayer>(workspace.Length);
        Span<T> d = dy.Slice(0, n * g.OutSize);
        ReadOnlySpan<T> outputs = y.Slice(0, n * g.OutSize);
        switch (TLayer.Activation)
        {
            case Act.Sigmoid: Activations.SigmoidBackward(d, outputs); break;
            case Act.Tanh: Activations.TanhBackward(d, outputs); break;
            case Act.ReLU: Activations.ReLUBackward(d, outputs); break;
            case Act.Softplus: Activations.SoftplusBackward(d, outputs); break;
            case Act.Softmax: Activations.SoftmaxBackward(d, outputs, g.OutSize); break;
        }
        SpatialKernels.ConvBackward(dx, dWeight, dBias, dy, x, weight, n, g, workspace);
    }

    private static void CheckWorkspace<TLayer>(int length) where TLayer : IConvLayer
    {
        int needed = 2 * ConvGrid<TLayer>.PatchMatrixLength;
        if (length < needed) throw new ArgumentException($"workspace holds {length} values, but the im2col path needs {needed} (two patch matrices).", "workspace");
    }
}
