using System.Collections.Generic;
using System.Globalization;
using Dsl.Generator.Model;

namespace Dsl.Generator.Emit;

/// <summary>What every emitter needs to know about the model: its scalar type, tensor offsets and buffer names.</summary>
internal sealed class EmitContext
{
    /// <summary>
    /// Dense layers with at most this many multiply-adds per sample (inputs x units) are unrolled into scalar statements;
    /// larger ones call <c>Gemm</c>. Measured (docs/perf-dense.md): unrolled code wins at 8 x 8 (64) by about 20%, the
    /// kernels win from 16 x 8 (128) on, by 2.3x there and 5x at 16 x 16.
    /// </summary>
    public const int UnrollThreshold = 64;

    private readonly Dictionary<int, int> _weightOffsets = new();
    private readonly Dictionary<int, string> _outputs = new();
    private readonly Dictionary<int, string> _gradients = new();

    public EmitContext(ModelSpec model)
    {
        Model = model;
        T = model.Precision == Precision.Double ? "double" : "float";
        int offset = 0;
        string output = "x";
        string? gradient = null;
        foreach (LayerSpec layer in model.Layers)
        {
            if (layer.HasParameters)
            {
                _weightOffsets[layer.Index] = offset;
                offset += layer.ParameterCount;
            }
            if (layer.Kind == LayerKind.Flatten)
                _gradients[layer.Index] = gradient ?? $"_d{layer.Index}";
            else
            {
                output = $"_a{layer.Index}";
                _gradients[layer.Index] = $"_d{layer.Index}";
            }
            _outputs[layer.Index] = output;
            gradient = _gradients[layer.Index];
        }
        ParameterCount = offset;
    }

    public ModelSpec Model { get; }

    /// <summary>The scalar type: <c>float</c> or <c>double</c>.</summary>
    public string T { get; }

    public int ParameterCount { get; }

    /// <summary>Whether a layer owns its gradient buffer (rather than sharing the previous layer's, as Flatten does).</summary>
    public bool OwnsGradient(LayerSpec layer) => _gradients[layer.Index] == $"_d{layer.Index}";

    public int InputSize => Shapes.ShapeMath.Size(Model.InputShape);

    public int OutputSize => Model.Layers.Count == 0 ? InputSize : Model.Layers[Model.Layers.Count - 1].OutSize;

    public LayerSpec? Last => Model.Layers.Count == 0 ? null : Model.Layers[Model.Layers.Count - 1];

    /// <summary>Whether the loss is fused with the last layer's activation (softmax + CE, sigmoid + BCE), so that layer keeps its logits.</summary>
    public bool FusedLoss => Model.HasLoss && Last is { Kind: LayerKind.Dense } last
        && (Model.Loss == Loss.CrossEntropy && last.Activation == Act.Softmax || Model.Loss == Loss.BinaryCrossEntropy && last.Activation == Act.Sigmoid);

    public bool KeepsLogits(LayerSpec layer) => FusedLoss && layer == Last;

    public int WeightOffset(LayerSpec layer) => _weightOffsets[layer.Index];

    public int BiasOffset(LayerSpec layer) => _weightOffsets[layer.Index] + layer.WeightCount;

    /// <summary>The buffer holding layer <paramref name="index"/>'s output (0: the tile's input <c>x</c>).</summary>
    public string Output(int index) => index == 0 ? "x" : _outputs[index];

    /// <summary>The buffer holding the gradient with respect to layer <paramref name="index"/>'s output.</summary>
    public string Gradient(int index) => _gradients[index];

    /// <summary>Whether layer <paramref name="layer"/> must propagate a gradient to its input: some earlier layer has parameters.</summary>
    public bool NeedsInputGradient(LayerSpec layer)
    {
        foreach (LayerSpec other in Model.Layers)
        {
            if (other.Index >= layer.Index) break;
            if (other.HasParameters) return true;
        }
        return false;
    }

    /// <summary>
    /// Whether a gradient buffer is read or written: the loss writes the last layer's, each Dense reads its own and
    /// writes its input's. (A Flatten right after the input owns a name no one may use.)
    /// </summary>
    public bool GradientUsed(string buffer)
    {
        if (Last is not null && Gradient(Last.Index) == buffer) return true;
        foreach (LayerSpec layer in Model.Layers)
        {
            if (!HasBackward(layer)) continue;
            if (Gradient(layer.Index) == buffer) return true;
            if (NeedsInputGradient(layer) && Gradient(layer.Index - 1) == buffer) return true;
        }
        return false;
    }

    /// <summary>
    /// The max pooling that runs inside convolution <paramref name="layer"/>'s kernels (each sample pooled as soon as its
    /// convolution is done, and its gradient routed back just before it is used): the next layer, when it is a
    /// MaxPool that is not the model's output; else null.
    /// </summary>
    public LayerSpec? FusedPool(LayerSpec layer)
    {
        if (layer.Kind != LayerKind.Conv || layer.Index >= Model.Layers.Count) return null;
        LayerSpec next = Model.Layers[layer.Index];
        return next.Kind == LayerKind.MaxPool && next != Last ? next : null;
    }

    /// <summary>Whether <paramref name="layer"/> is a max pooling its convolution runs (see <see cref="FusedPool"/>).</summary>
    public bool IsFused(LayerSpec layer)
        => layer.Kind == LayerKind.MaxPool && layer.Index >= 2 && FusedPool(Model.Layers[layer.Index - 2]) == layer;

    /// <summary>Whether a layer's backward pass runs: it has parameters, or a gradient must flow through it to an earlier layer's.</summary>
    public bool HasBackward(LayerSpec layer) => layer.HasParameters || layer.Kind != LayerKind.Flatten && NeedsInputGradient(layer);

    public bool HasDropout
    {
        get
        {
            foreach (LayerSpec layer in Model.Layers)
                if (layer.Kind == LayerKind.Dropout) return true;
            return false;
        }
    }

    /// <summary>The <c>SpatialGeometry</c> constructor arguments of a convolution or pooling layer.</summary>
    public static string Geometry(LayerSpec layer)
        => $"new({layer.InShape[0]}, {layer.InShape[1]}, {layer.InShape[2]}, {layer.OutShape[0]}, {layer.Kernel}, {layer.Stride}, {layer.PadTop}, {layer.PadLeft}, {layer.OutShape[1]}, {layer.OutShape[2]})";

    public bool Unrolled(LayerSpec layer) => (long)layer.InSize * layer.OutSize <= UnrollThreshold;

    /// <summary>
    /// Whether a batch's first tile writes every parameter gradient rather than adding to it, so <c>TrainStep</c> need not
    /// clear the gradients first: true when every layer with parameters is a Dense layer on the runtime's products
    /// (<c>Gemm.DenseWeightGradient</c> with <c>accumulate: false</c>). Unrolled Dense layers and convolutions add.
    /// </summary>
    public bool FirstTileWritesGradients
    {
        get
        {
            bool any = false;
            foreach (LayerSpec layer in Model.Layers)
            {
                if (!layer.HasParameters) continue;
                if (layer.Kind != LayerKind.Dense || Unrolled(layer)) return false;
                any = true;
            }
            return any;
        }
    }

    /// <summary>The first <paramref name="length"/> values of a buffer: the tile input span <c>x</c> or a field array.</summary>
    public static string Slice(string buffer, string length) => buffer == "x" ? $"x.Slice(0, {length})" : $"{buffer}.AsSpan(0, {length})";

    /// <summary>A literal of the scalar type.</summary>
    public string Literal(double value)
        => value.ToString("R", CultureInfo.InvariantCulture) + (T == "float" ? "f" : "d");

    public static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);
}
