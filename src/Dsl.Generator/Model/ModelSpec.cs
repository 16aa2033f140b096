namespace Dsl.Generator.Model;

/// <summary>The kinds of layer attribute.</summary>
internal enum LayerKind
{
    Dense,
    Flatten,
    Conv,
    MaxPool,
    AvgPool,
    Dropout,
}

/// <summary>
/// One layer, checked and with its shapes inferred: everything the emitter needs and nothing else
/// (no locations, so moving an attribute does not regenerate code).
/// </summary>
/// <param name="Index">1-based position among the layers; layer i's tensors are named <c>Li.weight</c>, <c>Li.bias</c>.</param>
/// <param name="Kind">What the layer does.</param>
/// <param name="Display">The attribute as written, for comments: <c>Dense(3, Act.Tanh)</c>.</param>
/// <param name="InShape">Shape of one input sample.</param>
/// <param name="OutShape">Shape of one output sample.</param>
/// <param name="Activation">Activation (Dense); Linear otherwise.</param>
/// <param name="L2">L2 penalty λ (Dense).</param>
/// <param name="Init">Weight initialiser (Dense).</param>
internal sealed record LayerSpec(
    int Index,
    LayerKind Kind,
    string Display,
    EquatableArray<int> InShape,
    EquatableArray<int> OutShape,
    Act Activation,
    double L2,
    Init Init)
{
    /// <summary>Window side (Conv, pools).</summary>
    public int Kernel { get; init; }

    /// <summary>Window step (Conv, pools).</summary>
    public int Stride { get; init; }

    /// <summary>Zero rows above / columns left of the input (Conv with Same padding).</summary>
    public int PadTop { get; init; }

    public int PadLeft { get; init; }

    /// <summary>Dropout rate.</summary>
    public double Rate { get; init; }

    public int InSize => Shapes.ShapeMath.Size(InShape);

    public int OutSize => Shapes.ShapeMath.Size(OutShape);

    public bool HasParameters => Kind is LayerKind.Dense or LayerKind.Conv;

    public bool IsSpatial => Kind is LayerKind.Conv or LayerKind.MaxPool or LayerKind.AvgPool;

    public int WeightCount => Kind switch
    {
        LayerKind.Dense => InSize * OutSize,
        LayerKind.Conv => OutShape[0] * InShape[0] * Kernel * Kernel,
        _ => 0,
    };

    public int BiasCount => Kind switch
    {
        LayerKind.Dense => OutSize,
        LayerKind.Conv => OutShape[0],
        _ => 0,
    };

    /// <summary>Fans for the initialisers: inputs and outputs per weight, times the window area for a convolution.</summary>
    public int FanIn => Kind == LayerKind.Conv ? InShape[0] * Kernel * Kernel : InSize;

    public int FanOut => Kind == LayerKind.Conv ? OutShape[0] * Kernel * Kernel : OutSize;

    /// <summary>The weight's shape: <c>[out, in]</c> or <c>[filters, channels, k, k]</c>.</summary>
    public int[] WeightShape => Kind == LayerKind.Conv ? [OutShape[0], InShape[0], Kernel, Kernel] : [OutSize, InSize];

    public int ParameterCount => WeightCount + BiasCount;
}

/// <summary>A whole model, ready to emit.</summary>
/// <param name="Namespace">Namespace of the class, empty for the global namespace.</param>
/// <param name="Keyword"><c>class</c> or <c>record</c>, as the model is declared.</param>
/// <param name="ClassName">Name of the model class.</param>
/// <param name="ContainingTypes">Declarations of enclosing types, outermost first, for example <c>partial class Outer</c>.</param>
/// <param name="Precision">Float or double.</param>
/// <param name="InputShape">Shape of one input sample.</param>
/// <param name="Layers">The layers in declaration order.</param>
/// <param name="HasLoss">Whether a <c>[Loss]</c> was declared (and so TrainStep is generated).</param>
/// <param name="Loss">The loss, when <paramref name="HasLoss"/>.</param>
internal sealed record ModelSpec(
    string Namespace,
    string Keyword,
    string ClassName,
    EquatableArray<string> ContainingTypes,
    Precision Precision,
    EquatableArray<int> InputShape,
    EquatableArray<LayerSpec> Layers,
    bool HasLoss,
    Loss Loss);

/// <summary>The result of the transform step: a model to emit (null when there are errors) and the diagnostics to report.</summary>
internal sealed record ModelResult(ModelSpec? Model, EquatableArray<DiagnosticInfo> Diagnostics);
