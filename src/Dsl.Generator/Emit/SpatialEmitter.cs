using Dsl.Generator.Model;
using Dsl.Generator.Shapes;

namespace Dsl.Generator.Emit;

/// <summary>Writes a convolution's <c>Forward_Li</c> / <c>Backward_Li</c> pair: constant geometry, the runtime's im2col kernels, the activation.</summary>
internal static class SpatialEmitter
{
    public static void EmitConvForward(CodeWriter w, EmitContext c, LayerSpec layer)
    {
        string T = c.T;
        int i = layer.Index, outSize = layer.OutSize;
        w.Line($"/// <summary>Layer {i} forward, {layer.Display}: {ShapeMath.Format(layer.InShape)} -> {ShapeMath.Format(layer.OutShape)}, {Describe(layer)}.</summary>");
        using (w.Block($"private void Forward_L{i}(Span<{T}> y, ReadOnlySpan<{T}> x, int n)"))
        {
            w.Line($"// z[f, p] = b[f] + Σ_r W[f, r] · patch[r, p] over the {layer.InShape[0] * layer.Kernel * layer.Kernel} values r of each {layer.Kernel}x{layer.Kernel} window p.");
            w.Line($"SpatialKernels.ConvForward<{T}>(y, x, _parameters.AsSpan(L{i}_Weight, {layer.WeightCount}), _parameters.AsSpan(L{i}_Bias, {layer.BiasCount}), n, L{i}_Geometry, _scratch);");
            if (DenseEmitter.SpanActivation(layer.Activation) is { } act)
                w.Line(layer.Activation == Act.Softmax
                    ? $"Activations.Softmax<{T}>(y.Slice(0, n * {outSize}), {outSize});"
                    : $"Activations.{act}<{T}>(y.Slice(0, n * {outSize}));");
        }
    }

    public static void EmitConvBackward(CodeWriter w, EmitContext c, LayerSpec layer)
    {
        string T = c.T;
        int i = layer.Index, outSize = layer.OutSize;
        bool dx = c.NeedsInputGradient(layer);
        w.Line("/// <summary>");
        w.Line($"/// Layer {i} backward, {layer.Display}: turns <paramref name=\"dy\"/> into dL/dz in place, adds dL/dW = dz · patchesᵀ and dL/db = Σ dz,");
        w.Line(dx ? "/// and writes dL/dx, the patches' gradients Wᵀ dz added back onto the map (col2im)." : "/// and stops: no layer with parameters comes before it.");
        w.Line("/// </summary>");
        string signature = dx
            ? $"private void Backward_L{i}(Span<{T}> dx, Span<{T}> dy, ReadOnlySpan<{T}> x, ReadOnlySpan<{T}> y, int n)"
            : $"private void Backward_L{i}(Span<{T}> dy, ReadOnlySpan<{T}> x, ReadOnlySpan<{T}> y, int n)";
        using (w.Block(signature))
        {
            if (DenseEmitter.SpanActivation(layer.Activation) is { } act)
                w.Line(layer.Activation == Act.Softmax
                    ? $"Activations.SoftmaxBackward<{T}>(dy.Slice(0, n * {outSize}), y.Slice(0, n * {outSize}), {outSize});"
                    : $"Activations.{act}Backward<{T}>(dy.Slice(0, n * {outSize}), y.Slice(0, n * {outSize}));");
            w.Line($"SpatialKernels.ConvBackward<{T}>({(dx ? "dx" : "default")}, _gradients.AsSpan(L{i}_Weight, {layer.WeightCount}), _gradients.AsSpan(L{i}_Bias, {layer.BiasCount}),");
            w.Line($"    dy, x, _parameters.AsSpan(L{i}_Weight, {layer.WeightCount}), n, L{i}_Geometry, _scratch);");
        }
    }

    private static string Describe(LayerSpec layer)
    {
        string padding = layer.PadTop > 0 || layer.PadLeft > 0 || (layer.OutShape[1] - 1) * layer.Stride + layer.Kernel > layer.InShape[1]
            ? $"zero padding {layer.PadTop} top, {layer.PadLeft} left (the rest bottom and right)"
            : "no padding";
        return $"{layer.Kernel}x{layer.Kernel} kernel, stride {layer.Stride}, {padding}";
    }
}
