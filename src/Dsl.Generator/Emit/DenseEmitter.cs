using System.Collections.Generic;
using System.Linq;
using Dsl.Generator.Model;

namespace Dsl.Generator.Emit;

/// <summary>
/// Writes a Dense layer's <c>Forward_Li</c> / <c>Backward_Li</c> pair. Small layers become straight-line scalar
/// statements, one per unit, that read like the math; larger ones call the runtime's SIMD kernels.
/// </summary>
internal static class DenseEmitter
{
    public static void EmitForward(CodeWriter w, EmitContext c, LayerSpec layer)
    {
        string T = c.T;
        int i = layer.Index, inSize = layer.InSize, outSize = layer.OutSize;
        bool logits = c.KeepsLogits(layer);
        w.Line($"/// <summary>Layer {i} forward, {layer.Display}: [{inSize}] -> [{outSize}]. <c>y = {Formula(layer.Activation)}</c> for each of <paramref name=\"n\"/> samples.</summary>");
        string signature = logits
            ? $"private void Forward_L{i}(Span<{T}> z, Span<{T}> y, ReadOnlySpan<{T}> x, int n)"
            : $"private void Forward_L{i}(Span<{T}> y, ReadOnlySpan<{T}> x, int n)";
        using (w.Block(signature))
        {
            if (!c.Unrolled(layer))
            {
                string weights = $"_parameters.AsSpan(L{i}_Weight, {layer.WeightCount}), _parameters.AsSpan(L{i}_Bias, {outSize})";
                if (logits)
                {
                    w.Line($"// z = W x + b for every sample: [n, {inSize}] x [{inSize}, {outSize}] by the runtime's blocked SIMD product, split across cores when large.");
                    w.Line($"Gemm.DenseForward<{T}>(z, x, {weights}, n, {inSize}, {outSize});");
                    w.Line($"// y = {ActName(layer.Activation)}(z), keeping z for the fused loss.");
                    w.Line($"z.Slice(0, n * {outSize}).CopyTo(y);");
                    w.Line(layer.Activation == Act.Softmax
                        ? $"Activations.Softmax<{T}>(y.Slice(0, n * {outSize}), {outSize});"
                        : $"Activations.{SpanActivation(layer.Activation)}<{T}>(y.Slice(0, n * {outSize}));");
                    return;
                }
                w.Line($"// y = {Formula(layer.Activation)} for every sample: [n, {inSize}] x [{inSize}, {outSize}] by the runtime's blocked SIMD product,");
                w.Line(layer.Activation == Act.Softmax
                    ? "// split across cores when large; the softmax of each row follows."
                    : layer.Activation == Act.Linear ? "// split across cores when large." : "// split across cores when large, each core applying the activation to the outputs it computed.");
                w.Line($"Gemm.DenseForward<{T}>(y, x, {weights}, n, {inSize}, {outSize}, global::Dsl.Act.{layer.Activation});");
                return;
            }

            w.Line($"ReadOnlySpan<{T}> w = _parameters.AsSpan(L{i}_Weight, {layer.WeightCount}); // [{outSize}, {inSize}]");
            w.Line($"ReadOnlySpan<{T}> b = _parameters.AsSpan(L{i}_Bias, {outSize});");
            using (w.Block("for (int s = 0; s < n; s++)"))
            {
                w.Line($"ReadOnlySpan<{T}> xs = x.Slice(s * {inSize}, {inSize});");
                if (logits) w.Line($"Span<{T}> zs = z.Slice(s * {outSize}, {outSize});");
                w.Line($"Span<{T}> ys = y.Slice(s * {outSize}, {outSize});");
                for (int o = 0; o < outSize; o++)
                {
                    string sum = $"b[{o}]" + string.Concat(Enumerable.Range(0, inSize).Select(k => $" + w[{o * inSize + k}] * xs[{k}]"));
                    if (logits)
                        w.Line($"zs[{o}] = {sum};");
                    else
                        w.Line($"ys[{o}] = {Apply(layer.Activation, sum, T)};");
                }
                if (logits && layer.Activation == Act.Sigmoid)
                    for (int o = 0; o < outSize; o++) w.Line($"ys[{o}] = Fn.Sigmoid(zs[{o}]);");
                else if (logits)
                {
                    w.Line("zs.CopyTo(ys);");
                    w.Line($"Activations.Softmax<{T}>(ys, {outSize});");
                }
                else if (layer.Activation == Act.Softmax)
                    w.Line($"Activations.Softmax<{T}>(ys, {outSize});");
            }
        }
    }

    public static void EmitBackward(CodeWriter w, EmitContext c, LayerSpec layer)
    {
        string T = c.T;
        int i = layer.Index, inSize = layer.InSize, outSize = layer.OutSize;
        bool fused = c.KeepsLogits(layer);
        bool dx = c.NeedsInputGradient(layer);
        w.Line($"/// <summary>");
        w.Line($"/// Layer {i} backward, {layer.Display}: turns <paramref name=\"dy\"/> = dL/dy into dL/dz in place, adds dL/dW = dz xᵀ and dL/db = dz");
        w.Line(dx ? $"/// to the gradients, and writes dL/dx = Wᵀ dz into <paramref name=\"dx\"/>." : "/// to the gradients. It is the first layer with parameters, so no gradient flows further back.");
        w.Line($"/// </summary>");
        string signature = dx
            ? $"private void Backward_L{i}(Span<{T}> dx, Span<{T}> dy, ReadOnlySpan<{T}> x, ReadOnlySpan<{T}> y, int n)"
            : $"private void Backward_L{i}(Span<{T}> dy, ReadOnlySpan<{T}> x, ReadOnlySpan<{T}> y, int n)";
        using (w.Block(signature))
        {
            if (!c.Unrolled(layer))
            {
                string length = $"n * {outSize}";
                if (fused)
                    w.Line("// dz = dy: the loss was computed together with this layer's activation and gave dL/dz directly.");
                else if (layer.Activation == Act.Softmax)
                {
                    w.Line("// dz = J_softmax dy per sample, J_softmax = diag(y) - y yᵀ; in place.");
                    w.Line($"Activations.SoftmaxBackward<{T}>(dy.Slice(0, {length}), y.Slice(0, {length}), {outSize});");
                }
                else if (layer.Activation != Act.Linear)
                {
                    w.Line($"// dz = dy * {ActName(layer.Activation)}'(z), written in terms of the output y: {DerivativeText(layer.Activation)}; in place.");
                    w.Line($"Activations.{SpanActivation(layer.Activation)}Backward<{T}>(dy.Slice(0, {length}), y.Slice(0, {length}));");
                }
                else
                    w.Line("// dz = dy: linear activation.");
                w.Line($"// dW += dzᵀ x, db += the column sums of dz: [{outSize}, {inSize}] += [{outSize}, n] x [n, {inSize}], samples in order.");
                string accumulate = "";
                if (c.FirstTileWritesGradients)
                {
                    w.Line("// A batch's first tile writes them instead of adding (the same bits as adding to zeros).");
                    accumulate = ", accumulate: _accumulateGradients";
                }
                w.Line($"Gemm.DenseWeightGradient<{T}>(_gradients.AsSpan(L{i}_Weight, {layer.WeightCount}), _gradients.AsSpan(L{i}_Bias, {outSize}), dy, x, n, {inSize}, {outSize}{accumulate});");
                if (dx)
                {
                    w.Line($"// dx = dz W: [n, {inSize}] = [n, {outSize}] x [{outSize}, {inSize}].");
                    w.Line($"Gemm.DenseInputGradient<{T}>(dx, dy, _parameters.AsSpan(L{i}_Weight, {layer.WeightCount}), n, {inSize}, {outSize});");
                }
                return;
            }

            if (dx) w.Line($"ReadOnlySpan<{T}> w = _parameters.AsSpan(L{i}_Weight, {layer.WeightCount}); // [{outSize}, {inSize}]");
            w.Line($"Span<{T}> dw = _gradients.AsSpan(L{i}_Weight, {layer.WeightCount});");
            w.Line($"Span<{T}> db = _gradients.AsSpan(L{i}_Bias, {outSize});");
            using (w.Block("for (int s = 0; s < n; s++)"))
            {
                w.Line($"ReadOnlySpan<{T}> xs = x.Slice(s * {inSize}, {inSize});");
                bool needY = !fused && layer.Activation != Act.Linear;
                if (needY) w.Line($"ReadOnlySpan<{T}> ys = y.Slice(s * {outSize}, {outSize});");
                w.Line($"Span<{T}> dys = dy.Slice(s * {outSize}, {outSize});");
                if (fused)
                    w.Line("// dz = dy: the loss was computed together with this layer's activation and gave dL/dz directly.");
                else if (layer.Activation == Act.Softmax)
                {
                    w.Line("// dz = J_softmax dy, J_softmax = diag(y) - y yᵀ.");
                    w.Line($"Activations.SoftmaxBackward<{T}>(dys, ys, {outSize});");
                }
                else if (layer.Activation != Act.Linear)
                    w.Line($"// dz = dy * {ActName(layer.Activation)}'(z), written in terms of the output y: {DerivativeText(layer.Activation)}.");
                else
                    w.Line("// dz = dy: linear activation.");
                for (int o = 0; o < outSize; o++)
                    w.Line($"{T} dz{o} = {Derivative(layer.Activation, fused, o)};");
                w.Line("// dW += dz xᵀ, db += dz.");
                for (int o = 0; o < outSize; o++)
                {
                    var terms = new List<string>();
                    for (int k = 0; k < inSize; k++) terms.Add($"dw[{o * inSize + k}] += dz{o} * xs[{k}];");
                    terms.Add($"db[{o}] += dz{o};");
                    w.Line(string.Join(" ", terms));
                }
                if (dx)
                {
                    w.Line("// dx = Wᵀ dz.");
                    w.Line($"Span<{T}> dxs = dx.Slice(s * {inSize}, {inSize});");
                    for (int k = 0; k < inSize; k++)
                        w.Line($"dxs[{k}] = " + string.Join(" + ", Enumerable.Range(0, outSize).Select(o => $"w[{o * inSize + k}] * dz{o}")) + ";");
                }
            }
        }
    }

    private static string Apply(Act act, string z, string T) => act switch
    {
        Act.Sigmoid => $"Fn.Sigmoid({z})",
        Act.Tanh => $"{T}.Tanh({z})",
        Act.ReLU => $"Fn.ReLU({z})",
        Act.Softplus => $"Fn.Softplus({z})",
        _ => z,
    };

    private static string Derivative(Act act, bool fused, int o)
    {
        if (fused) return $"dys[{o}]";
        return act switch
        {
            Act.Sigmoid => $"dys[{o}] * Fn.SigmoidDerivative(ys[{o}])",
            Act.Tanh => $"dys[{o}] * Fn.TanhDerivative(ys[{o}])",
            Act.ReLU => $"dys[{o}] * Fn.ReLUDerivative(ys[{o}])",
            Act.Softplus => $"dys[{o}] * Fn.SoftplusDerivative(ys[{o}])",
            _ => $"dys[{o}]",
        };
    }

    private static string DerivativeText(Act act) => act switch
    {
        Act.Sigmoid => "y (1 - y)",
        Act.Tanh => "1 - y²",
        Act.ReLU => "1 where y > 0, else 0",
        Act.Softplus => "sigmoid(z) = 1 - exp(-y)",
        _ => "1",
    };

    /// <summary>The runtime's span method for an activation, or null for Linear.</summary>
    internal static string? SpanActivation(Act act) => act switch
    {
        Act.Linear => null,
        Act.ReLU => "ReLU",
        _ => act.ToString(),
    };

    public static string Formula(Act act) => act == Act.Linear ? "W x + b" : $"{ActName(act)}(W x + b)";

    public static string ActName(Act act) => act switch
    {
        Act.Linear => "",
        Act.ReLU => "relu",
        _ => act.ToString().ToLowerInvariant(),
    };
}
