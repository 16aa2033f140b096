using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace Dsl.Generator.Diagnostics;

/// <summary>
/// The one catalogue of Dsl's diagnostics. Ids are stable and never reused; each is tracked in
/// AnalyzerReleases.Unshipped.md and documented in docs/diagnostics.md, which its help link points to.
/// Messages name the layer by position and attribute, what it received and what it needs.
/// </summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "Dsl";
    private const string HelpBase = "docs/diagnostics.md#";

    public static readonly DiagnosticDescriptor NotPartial = Error("DSL001", "Model class must be partial",
        "'{0}' must be declared partial so that Dsl can generate the model's members into it{1}");

    public static readonly DiagnosticDescriptor MissingInput = Error("DSL002", "Model has no [Input]",
        "Model '{0}' has Dsl attributes but no [Input]; add [Input(...)] with the shape of one sample before the first layer");

    public static readonly DiagnosticDescriptor NonPositiveSize = Error("DSL003", "A size must be positive",
        "{0} of {1} must be positive, found {2}");

    public static readonly DiagnosticDescriptor LossMismatch = Error("DSL004", "Loss does not fit the output layer",
        "[Loss(Loss.{0})] needs a {1} output layer, but the last layer, {2}, {3}; {4}");

    public static readonly DiagnosticDescriptor InputRank = Error("DSL005", "Input rank must be 1 or 3",
        "[Input] needs 1 dimension (features) or 3 (channels, height, width), found {0}");

    public static readonly DiagnosticDescriptor UnflattenedDense = Error("DSL006", "Dense needs flat input",
        "{0} receives a feature map of shape {1} but needs flat data; insert [Flatten] before it");

    public static readonly DiagnosticDescriptor InputNotFirst = Error("DSL007", "[Input] must come first",
        "[Input] must come before the layers, but {0} comes before it; move [Input] to the top");

    public static readonly DiagnosticDescriptor NoLayers = Error("DSL008", "Model has no layers",
        "Model '{0}' declares [Input] but no layers; add at least one layer such as [Dense(units)]");

    public static readonly DiagnosticDescriptor InvalidL2 = Error("DSL009", "L2 penalty must be finite and non-negative",
        "L2 of {0} must be a finite, non-negative number, found {1}");

    public static readonly DiagnosticDescriptor UnknownEnumValue = Error("DSL010", "Unknown enum value",
        "{0} of {1} is not a known value of {2}: found {3}");

    public static readonly DiagnosticDescriptor SoftmaxNotLast = Warning("DSL011", "Softmax before the last layer",
        "{0} applies Softmax but is not the last layer; Softmax normalises the whole layer and belongs on the output, use another activation here");

    public static readonly DiagnosticDescriptor TooLarge = Error("DSL012", "Model too large",
        "{0} makes the model's {1} exceed {2}, the largest size the runtime supports");

    public static readonly DiagnosticDescriptor GenericModel = Error("DSL013", "Model class cannot be generic",
        "{0}; declare the model on a non-generic class that is not nested in a generic type");

    public static readonly DiagnosticDescriptor WindowTooLarge = Error("DSL014", "Window larger than its input",
        "{0} needs a {1}x{1} window but receives a map of shape {2}, only {3}x{4}; {5}");

    public static readonly DiagnosticDescriptor SpatialOnFlat = Error("DSL015", "Spatial layer on flat data",
        "{0} needs a (channels, height, width) feature map but receives flat data of shape {1}; put spatial layers before [Flatten] and [Dense], with [Input(channels, height, width)]");

    public static readonly DiagnosticDescriptor DropoutRate = Error("DSL016", "Dropout rate outside [0, 1)",
        "Rate of {0} must be in [0, 1), found {1}");

    public static readonly DiagnosticDescriptor UnusedInput = Warning("DSL017", "Window leaves input unused",
        "{0} on a map of shape {1} with window {2} and stride {3} never reads {4}; they are dropped, as in PyTorch and Keras");

    public static readonly DiagnosticDescriptor StrideLargerThanWindow = Warning("DSL018", "Stride larger than the window",
        "{0} has stride {1}, larger than its window of {2}, so some inputs are never read");

    public static readonly DiagnosticDescriptor ProbabilityLossOnSigmoid = Warning("DSL019", "Probability loss on Sigmoid outputs",
        "[Loss(Loss.{0})] on the Sigmoid outputs of the last layer, {1}, only ever pushes outputs up, since nothing makes independent sigmoids sum to 1; use Act.Softmax for one distribution over the outputs, or Loss.BinaryCrossEntropy for independent probabilities");

    public static readonly DiagnosticDescriptor InternalError = Error("DSL900", "Internal generator error",
        "Dsl's generator failed on '{0}' ({1}); please report this with the model declaration");

    private static readonly Dictionary<string, DiagnosticDescriptor> All = new[]
    {
        NotPartial, MissingInput, NonPositiveSize, LossMismatch, InputRank, UnflattenedDense, InputNotFirst,
        NoLayers, InvalidL2, UnknownEnumValue, SoftmaxNotLast, TooLarge, GenericModel, WindowTooLarge, SpatialOnFlat,
        DropoutRate, UnusedInput, StrideLargerThanWindow, ProbabilityLossOnSigmoid, InternalError,
    }.ToDictionary(d => d.Id);

    public static DiagnosticDescriptor ById(string id) => All[id];

    public static IEnumerable<DiagnosticDescriptor> Catalogue => All.Values;

    private static DiagnosticDescriptor Error(string id, string title, string message)
        => new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpBase + id.ToLowerInvariant());

    private static DiagnosticDescriptor Warning(string id, string title, string message)
        => new(id, title, message, Category, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpBase + id.ToLowerInvariant());
}
