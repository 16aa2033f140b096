using Dsl.Generator.Model;
using Dsl.Generator.Shapes;

namespace Dsl.Generator.Emit;

/// <summary>
/// Writes what a convolution layer needs: a struct holding its geometry and activation as constants (the type argument
/// that compiles the runtime's kernels for exactly this layer), its workspace, and its <c>Forward_Li</c> /
/// <c>Backward_Li</c> pair.
/// </summary>
internal static class SpatialEmitter
{
    /// <summary>The <c>Li_Conv</c> struct: the layer as compile-time constants for <c>ConvKernels</c>.</summary>
    public static void EmitLayerType(CodeWriter w, LayerSpec layer)
    {
        int i = layer.Index;
        w.Line($"/// <summary>L{i} {layer.Display}: {ShapeMath.Format(layer.InShape)} -> {ShapeMath.Format(layer.OutShape)} as constants, so the runtime's convolution kernels are compiled for exactly this layer.</summary>");
        using (w.Block($"private readonly struct L{i}_Conv : IConvLayer"))
        {
            w.Line($"public static int InChannels => {layer.InShape[0]}; public static int InHeight => {layer.InShape[1]}; public static int InWidth => {layer.InShape[2]};");
            w.Line($"public static int OutChannels => {layer.OutShape[0]}; public static int OutHeight => {layer.OutShape[1]}; public static int OutWidth => {layer.OutShape[2]};");
            w.Line($"public static int Kernel => {layer.Kernel}; public static int Stride => {layer.Stride}; public static int PadTop => {layer.PadTop}; public static int PadLeft => {layer.PadLeft};");
            w.Line($"public static global::Dsl.Act Activation => global::Dsl.Act.{layer.Activation};");
        }
    }

    /// <summary>The layer's workspace field (zero-bordered inputs and, for training, dL/dz on the input's grid).</summary>
    public static void EmitStorage(CodeWriter w, EmitContext c, LayerSpec layer)
    {
        int i = layer.Index;
        string training = c.Model.HasLoss ? "true" : "false";
        string what = c.Model.HasLoss ? "bordered inputs and dL/dz" : "bordered inputs";
        w.Line($"private readonly {c.T}[] _w{i} = new {c.T}[ConvKernels.WorkspaceLength<{c.T}, L{i}_Conv>(TileSize, training: {training})]; // L{i} workspace ({what}; its size depends on the CPU)");
    }

    public static void EmitConvForward(CodeWriter w, EmitContext c, LayerSpec layer)
    {
        string T = c.T;
        int i = layer.Index;
        int window = layer.InShape[0] * layer.Kernel * layer.Kernel;
        string act = DenseEmitter.ActName(layer.Activation);
        w.Line($"/// <summary>Layer {i} forward, {layer.Display}: {ShapeMath.Format(layer.InShape)} -> {ShapeMath.Format(layer.OutShape)}, {Describe(layer)}.</summary>");
        using (w.Block($"private void Forward_L{i}(Span<{T}> y, ReadOnlySpan<{T}> x, int n)"))
        {
            string sum = $"b[f] + Σ_(c,ky,kx) W[f, c, ky, kx] · x[c, {Tap(layer, "oy", "ky", layer.PadTop)}, {Tap(layer, "ox", "kx", layer.PadLeft)}]";
            w.Line($"// y[f, oy, ox] = {(act.Length == 0 ? sum : $"{act}({sum})")}{(Padded(layer) ? " (x is zero outside the map)" : "")}:");
            w.Line($"// {window} multiply-adds per output; bias and activation are applied as each value is stored. ConvKernels picks the algorithm for this shape.");
            string weights = $"_parameters.AsSpan(L{i}_Weight, {layer.WeightCount}), _parameters.AsSpan(L{i}_Bias, {layer.BiasCount})";
            if (c.FusedPool(layer) is LayerSpec pool)
            {
                int p = pool.Index;
                w.Line($"// Then L{p} {pool.Display}: each sample's output is pooled into _a{p} (the index of each maximum into _i{p}) while it is still in the cache.");
                w.Line($"ConvKernels.ForwardMaxPool<{T}, L{i}_Conv>(y, _a{p}, _i{p}, x, {weights}, n, _w{i}, L{p}_Geometry);");
            }
            else
                w.Line($"ConvKernels.Forward<{T}, L{i}_Conv>(y, x, {weights}, n, _w{i});");
        }
    }

    public static void EmitConvBackward(CodeWriter w, EmitContext c, LayerSpec layer)
    {
        string T = c.T;
        int i = layer.Index;
        bool dx = c.NeedsInputGradient(layer);
        w.Line("/// <summary>");
        string dz = layer.Activation == Act.Linear ? "dL/dz = dy" : $"dL/dz = dy ⊙ {Derivative(layer.Activation)}";
        string row = Tap(layer, "oy", "ky", layer.PadTop), column = Tap(layer, "ox", "kx", layer.PadLeft);
        w.Line($"/// Layer {i} backward, {layer.Display}: {dz}; dL/dW[f, c, ky, kx] += Σ_(s,oy,ox) dz[s, f, oy, ox] · x[s, c, {row}, {column}]");
        w.Line(dx
            ? $"/// and dL/db[f] += Σ dz[s, f, ·, ·]; and dL/dx: each input gets Σ W[f, c, ky, kx] · dz[f, oy, ox] over the outputs whose window covers it."
            : "/// and dL/db[f] += Σ dz[s, f, ·, ·]; and stops: no layer with parameters comes before it, so dL/dx is never needed.");
        w.Line("/// </summary>");
        string signature = dx
            ? $"private void Backward_L{i}(Span<{T}> dx, Span<{T}> dy, ReadOnlySpan<{T}> x, ReadOnlySpan<{T}> y, int n)"
            : $"private void Backward_L{i}(Span<{T}> dy, ReadOnlySpan<{T}> x, ReadOnlySpan<{T}> y, int n)";
        using (w.Block(signature))
        {
            w.Line("// dz and dx are computed per sample, dW and db per filter, every sum in a fixed order: the same bits on any number of cores.");
            string gradients = $"{(dx ? "dx" : "default")}, _gradients.AsSpan(L{i}_Weight, {layer.WeightCount}), _gradients.AsSpan(L{i}_Bias, {layer.BiasCount})";
            if (c.FusedPool(layer) is LayerSpec pool)
            {
                int p = pool.Index;
                w.Line($"// First L{p} {pool.Display} backward: each sample's dy is written from _d{p}, each gradient to its window's maximum (recorded in _i{p}), zero elsewhere.");
                w.Line($"ConvKernels.BackwardMaxPool<{T}, L{i}_Conv>({gradients},");
                w.Line($"    dy, _d{p}, _i{p}, x, y, _parameters.AsSpan(L{i}_Weight, {layer.WeightCount}), n, _w{i}, L{p}_Geometry);");
            }
            else
            {
                w.Line($"ConvKernels.Backward<{T}, L{i}_Conv>({gradients},");
                w.Line($"    dy, x, y, _parameters.AsSpan(L{i}_Weight, {layer.WeightCount}), n, _w{i});");
            }
        }
    }

    /// <summary>The activation's derivative in terms of the saved output y.</summary>
    private static string Derivative(Act act) => act switch
    {
        Act.Sigmoid => "y(1 - y)",
        Act.Tanh => "(1 - y²)",
        Act.ReLU => "(y > 0 ? 1 : 0)",
        Act.Softplus => "(1 - exp(-y))",
        Act.Softmax => "softmax' (the Jacobian of the sample's softmax, applied in place)",
        _ => "",
    };

    /// <summary>The input row (or column) a tap reads: <c>oy + ky</c>, <c>2oy + ky - 1</c>, ...</summary>
    private static string Tap(LayerSpec layer, string output, string tap, int pad)
        => $"{(layer.Stride == 1 ? "" : layer.Stride.ToString(System.Globalization.CultureInfo.InvariantCulture))}{output} + {tap}{(pad > 0 ? $" - {pad}" : "")}";

    private static bool Padded(LayerSpec layer)
        => layer.PadTop > 0 || layer.PadLeft > 0 || (layer.OutShape[1] - 1) * layer.Stride + layer.Kernel > layer.InShape[1]
           || (layer.OutShape[2] - 1) * layer.Stride + layer.Kernel > layer.InShape[2];

    private static string Describe(LayerSpec layer)
    {
        string padding = Padded(layer) ? $"zero padding {layer.PadTop} top, {layer.PadLeft} left (the rest bottom and right)" : "no padding";
        return $"{layer.Kernel}x{layer.Kernel} kernel, stride {layer.Stride}, {padding}";
    }
}
