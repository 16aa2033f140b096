namespace Dsl.Generator.Model;

/// <summary>The kinds of layer attribute.</summary>
internal enum LayerKind
{
    Dense,
    Flatten,
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
    public int InSize => Shapes.ShapeMath.Size(InShape);

    public int OutSize => Shapes.ShapeMath.Size(OutShape);

    public bool HasParameters => Kind == LayerKind.Dense;

    public int WeightCount => Kind == LayerKind.Dense ? InSize * OutSize : 0;

    public int BiasCount => Kind == LayerKind.Dense ? OutSize : 0;

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
