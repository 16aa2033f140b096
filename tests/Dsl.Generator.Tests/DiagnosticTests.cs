extern alias generator;

using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Dsl.Generator.Tests;

/// <summary>Every diagnostic id: its id, the exact text it squiggles, and its message.</summary>
public class DiagnosticTests
{
    private static Diagnostic Single(string source)
    {
        var diagnostics = GeneratorHarness.GeneratorDiagnostics(Prefix + source);
        Assert.True(diagnostics.Count == 1, "Expected one diagnostic, got: " + string.Join(" | ", diagnostics.Select(d => d.ToString())));
        return diagnostics[0];
    }

    private const string Prefix = "using Dsl;\n";

    private static string Squiggled(Diagnostic d, string source) => GeneratorHarness.Squiggled(d, Prefix + source);

    private static void Expect(string source, string id, string squiggled, string message)
    {
        Diagnostic d = Single(source);
        Assert.Equal(id, d.Id);
        Assert.Equal(squiggled, Squiggled(d, source));
        Assert.Equal(message, d.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("docs/diagnostics.md#" + id.ToLowerInvariant(), d.Descriptor.HelpLinkUri);
    }

    [Fact]
    public void DSL001_ClassNotPartial() => Expect(
        "[Input(2)] [Dense(1)] public class Net { }",
        "DSL001", "Net", "'Net' must be declared partial so that Dsl can generate the model's members into it");

    [Fact]
    public void DSL001_ContainingTypeNotPartial() => Expect(
        "public class Outer { [Input(2)] [Dense(1)] public partial class Net; }",
        "DSL001", "Net", "'Outer' must be declared partial so that Dsl can generate the model's members into it: 'Net' is nested in it");

    [Fact]
    public void DSL002_NoInput() => Expect(
        "[Dense(3, Act.Tanh)] [Dense(2, Act.Softmax)] [Loss(Loss.CrossEntropy)] public partial class Net;",
        "DSL002", "Dense(3, Act.Tanh)", "Model 'Net' has Dsl attributes but no [Input]; add [Input(...)] with the shape of one sample before the first layer");

    [Fact]
    public void DSL002_NoInput_OnlyLoss() => Expect(
        "[Loss(Loss.MeanSquaredError)] public partial class Net;",
        "DSL002", "Loss(Loss.MeanSquaredError)", "Model 'Net' has Dsl attributes but no [Input]; add [Input(...)] with the shape of one sample before the first layer");

    [Fact]
    public void DSL003_NonPositiveUnits() => Expect(
        "[Input(2)] [Dense(0, Act.Tanh)] [Dense(2)] public partial class Net;",
        "DSL003", "0", "Units of layer 1 [Dense(0, Act.Tanh)] must be positive, found 0");

    [Fact]
    public void DSL003_NonPositiveUnitsByName() => Expect(
        "[Input(2)] [Dense(act: Act.Tanh, units: -4)] public partial class Net;",
        "DSL003", "units: -4", "Units of layer 1 [Dense(act: Act.Tanh, units: -4)] must be positive, found -4");

    [Fact]
    public void DSL003_NonPositiveInputDimension() => Expect(
        "[Input(1, 0, 28)] [Flatten] [Dense(2)] public partial class Net;",
        "DSL003", "0", "Dimension 2 of [Input(1, 0, 28)] must be positive, found 0");

    [Fact]
    public void DSL004_CrossEntropyWithoutSoftmax() => Expect(
        "[Input(2)] [Dense(3, Act.Tanh)] [Dense(2, Act.Sigmoid)] [Loss(Loss.CrossEntropy)] public partial class Net;",
        "DSL004", "Loss(Loss.CrossEntropy)",
        "[Loss(Loss.CrossEntropy)] needs a Softmax output layer, but the last layer, layer 2 [Dense(2, Act.Sigmoid)], has activation Sigmoid; use Act.Softmax on the last layer, or Loss.BinaryCrossEntropy with Act.Sigmoid for independent outputs");

    [Fact]
    public void DSL004_BinaryCrossEntropyWithoutSigmoid() => Expect(
        "[Input(2)] [Dense(1)] [Loss(Loss.BinaryCrossEntropy)] public partial class Net;",
        "DSL004", "Loss(Loss.BinaryCrossEntropy)",
        "[Loss(Loss.BinaryCrossEntropy)] needs a Sigmoid output layer, but the last layer, layer 1 [Dense(1)], has activation Linear; use Act.Sigmoid on the last layer, or Loss.CrossEntropy with Act.Softmax for exclusive classes");

    [Fact]
    public void DSL005_InputRank() => Expect(
        "[Input(28, 28)] [Dense(2)] public partial class Net;",
        "DSL005", "Input(28, 28)", "[Input] needs 1 dimension (features) or 3 (channels, height, width), found 2 ([28, 28])");

    [Fact]
    public void DSL005_InputWithoutDimensions() => Expect(
        "[Input] [Dense(2)] public partial class Net;",
        "DSL005", "Input", "[Input] needs 1 dimension (features) or 3 (channels, height, width), found none");

    [Fact]
    public void DSL006_DenseOnUnflattenedMap() => Expect(
        "[Input(1, 28, 28)] [Dense(10, Act.Softmax)] public partial class Net;",
        "DSL006", "Dense(10, Act.Softmax)", "layer 1 [Dense(10, Act.Softmax)] receives a feature map of shape [1, 28, 28] but needs flat data; insert [Flatten] before it");

    [Fact]
    public void DSL007_InputNotFirst() => Expect(
        "[Dense(3)] [Input(2)] public partial class Net;",
        "DSL007", "Input(2)", "[Input] must come before the layers, but layer 1 [Dense(3)] comes before it; move [Input] to the top");

    [Fact]
    public void DSL008_NoLayers() => Expect(
        "[Input(2)] [Loss(Loss.MeanSquaredError)] public partial class Net;",
        "DSL008", "Input(2)", "Model 'Net' declares [Input] but no layers; add at least one layer such as [Dense(units)]");

    [Fact]
    public void DSL009_NegativeL2() => Expect(
        "[Input(2)] [Dense(3, L2 = -0.5)] public partial class Net;",
        "DSL009", "L2 = -0.5", "L2 of layer 1 [Dense(3, L2 = -0.5)] must be a finite, non-negative number, found -0.5");

    [Fact]
    public void DSL010_UnknownActivation() => Expect(
        "[Input(2)] [Dense(3, (Act)42)] public partial class Net;",
        "DSL010", "(Act)42", "Activation of layer 1 [Dense(3, (Act)42)] is not a known value of Dsl.Act: found 42");

    [Fact]
    public void DSL011_SoftmaxBeforeLastLayer()
    {
        const string source = "[Input(2)] [Dense(3, Act.Softmax)] [Dense(2)] public partial class Net;";
        Diagnostic d = Single(source);
        Assert.Equal("DSL011", d.Id);
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
        Assert.Equal("Act.Softmax", Squiggled(d, source));
        Assert.Equal("layer 1 [Dense(3, Act.Softmax)] applies Softmax but is not the last layer; Softmax normalises the whole layer and belongs on the output, use another activation here", d.GetMessage());
    }

    [Fact]
    public void DSL012_TooManyParameters() => Expect(
        "[Input(50000)] [Dense(50000)] public partial class Net;",
        "DSL012", "50000", "layer 1 [Dense(50000)] makes the model's weight count (units x inputs = 50000 x 50000) exceed 2147483647, the largest size the runtime supports");

    [Fact]
    public void DSL013_GenericModel() => Expect(
        "[Input(2)] [Dense(1)] public partial class Net<T>;",
        "DSL013", "Net", "Model class 'Net' is generic; declare the model on a non-generic class that is not nested in a generic type");

    [Fact]
    public void DSL003_NonPositiveStride() => Expect(
        "[Input(1, 8, 8)] [Conv(4, 3, Stride = 0)] [Flatten] [Dense(2)] public partial class Net;",
        "DSL003", "Stride = 0", "Stride of layer 1 [Conv(4, 3, Stride = 0)] must be positive, found 0");

    [Fact]
    public void DSL003_NonPositiveFilters() => Expect(
        "[Input(1, 8, 8)] [Conv(0, 3)] [Flatten] [Dense(2)] public partial class Net;",
        "DSL003", "0", "Filters of layer 1 [Conv(0, 3)] must be positive, found 0");

    [Fact]
    public void DSL003_NonPositivePoolSize() => Expect(
        "[Input(1, 8, 8)] [MaxPool(-2)] [Flatten] [Dense(2)] public partial class Net;",
        "DSL003", "-2", "Size of layer 1 [MaxPool(-2)] must be positive, found -2");

    [Fact]
    public void DSL014_KernelLargerThanItsInput() => Expect(
        "[Input(1, 28, 28)] [Conv(4, 5)] [MaxPool(2)] [MaxPool(2)] [MaxPool(2)] [Conv(8, 5)] [Flatten] [Dense(2)] public partial class Net;",
        "DSL014", "Conv(8, 5)",
        "layer 5 [Conv(8, 5)] needs a 5x5 window but receives a map of shape [4, 3, 3], only 3x3; use a smaller kernel, Padding = Padding.Same, or fewer pooling layers before it");

    [Fact]
    public void DSL014_PoolLargerThanItsInput() => Expect(
        "[Input(2, 3, 4)] [AvgPool(4)] [Flatten] [Dense(2)] public partial class Net;",
        "DSL014", "AvgPool(4)",
        "layer 1 [AvgPool(4)] needs a 4x4 window but receives a map of shape [2, 3, 4], only 3x4; use a smaller size or fewer pooling layers before it");

    [Fact]
    public void DSL015_SpatialLayerOnFlatData() => Expect(
        "[Input(1, 8, 8)] [Flatten] [MaxPool(2)] [Dense(2)] public partial class Net;",
        "DSL015", "MaxPool(2)",
        "layer 2 [MaxPool(2)] needs a (channels, height, width) feature map but receives flat data of shape [64]; put spatial layers before [Flatten] and [Dense], with [Input(channels, height, width)]");

    [Fact]
    public void DSL016_DropoutRateOutOfRange() => Expect(
        "[Input(4)] [Dense(8)] [Dropout(1.0)] [Dense(2)] public partial class Net;",
        "DSL016", "1.0", "Rate of layer 2 [Dropout(1.0)] must be in [0, 1), found 1");

    [Fact]
    public void DSL017_WindowLeavesRowsUnused()
    {
        const string source = "[Input(16, 9, 9)] [MaxPool(2)] [Flatten] [Dense(2)] public partial class Net;";
        Diagnostic d = Single(source);
        Assert.Equal(("DSL017", DiagnosticSeverity.Warning), (d.Id, d.Severity));
        Assert.Equal("MaxPool(2)", Squiggled(d, source));
        Assert.Equal("layer 1 [MaxPool(2)] on a map of shape [16, 9, 9] with window 2 and stride 2 never reads the last 1 row and 1 column; they are dropped, as in PyTorch and Keras", d.GetMessage());
    }

    [Fact]
    public void DSL018_StrideLargerThanWindow()
    {
        const string source = "[Input(1, 10, 10)] [Conv(2, 2, Stride = 3, Padding = Padding.Same)] [Flatten] [Dense(2)] public partial class Net;";
        Diagnostic d = Single(source);
        Assert.Equal(("DSL018", DiagnosticSeverity.Warning), (d.Id, d.Severity));
        Assert.Equal("Stride = 3", Squiggled(d, source));
        Assert.Equal("layer 1 [Conv(2, 2, Stride = 3, Padding = Padding.Same)] has stride 3, larger than its window of 2, so some inputs are never read", d.GetMessage());
    }

    [Fact]
    public void DSL004_ConvolutionAsOutputLayer() => Expect(
        "[Input(1, 4, 4)] [Conv(2, 3, Act.Softmax)] [Loss(Loss.CrossEntropy)] public partial class Net;",
        "DSL004", "Loss(Loss.CrossEntropy)",
        "[Loss(Loss.CrossEntropy)] needs a Softmax output layer, but the last layer, layer 1 [Conv(2, 3, Act.Softmax)], is a convolution; add [Flatten] and a Dense output layer; use Act.Softmax on the last layer, or Loss.BinaryCrossEntropy with Act.Sigmoid for independent outputs");

    [Fact]
    public void DSL004_KLDivergenceWithoutProbabilities() => Expect(
        "[Input(2)] [Dense(3, Act.Tanh)] [Dense(3)] [Loss(Loss.KLDivergence)] public partial class Net;",
        "DSL004", "Loss(Loss.KLDivergence)",
        "[Loss(Loss.KLDivergence)] needs a Softmax output layer, but the last layer, layer 2 [Dense(3)], has activation Linear; the divergence compares probability distributions: use Act.Softmax on the last layer");

    [Fact]
    public void DSL004_NegativeLogLikelihoodWithoutProbabilities() => Expect(
        "[Input(2)] [Dense(3, Act.ReLU)] [Loss(Loss.NegativeLogLikelihood)] public partial class Net;",
        "DSL004", "Loss(Loss.NegativeLogLikelihood)",
        "[Loss(Loss.NegativeLogLikelihood)] needs a Softmax output layer, but the last layer, layer 1 [Dense(3, Act.ReLU)], has activation ReLU; the loss takes the log of probabilities: use Act.Softmax on the last layer (Loss.CrossEntropy computes the same loss from its logits)");

    [Fact]
    public void DSL004_NegativeLogLikelihoodAfterFlatten() => Expect(
        "[Input(1, 2, 2)] [Flatten] [Loss(Loss.NegativeLogLikelihood)] public partial class Net;",
        "DSL004", "Loss(Loss.NegativeLogLikelihood)",
        "[Loss(Loss.NegativeLogLikelihood)] needs a Softmax output layer, but the last layer, layer 1 [Flatten], has no activation; the loss takes the log of probabilities: use Act.Softmax on the last layer (Loss.CrossEntropy computes the same loss from its logits)");

    [Fact]
    public void DSL004_HingeOnSigmoid() => Expect(
        "[Input(2)] [Dense(4, Act.Tanh)] [Dense(1, Act.Sigmoid)] [Loss(loss: Loss.Hinge)] public partial class Net;",
        "DSL004", "Loss(loss: Loss.Hinge)",
        "[Loss(Loss.Hinge)] needs a Linear or Tanh output layer, but the last layer, layer 2 [Dense(1, Act.Sigmoid)], has activation Sigmoid; hinge scores must reach -1 and 1 (targets 0/1 are read as -1/1): use Act.Linear or Act.Tanh on the last layer");

    [Fact]
    public void DSL004_HingeOnSoftmaxConvolution() => Expect(
        "[Input(1, 4, 4)] [Conv(2, 3, Act.Softmax)] [Loss(Loss.Hinge)] public partial class Net;",
        "DSL004", "Loss(Loss.Hinge)",
        "[Loss(Loss.Hinge)] needs a Linear or Tanh output layer, but the last layer, layer 1 [Conv(2, 3, Act.Softmax)], has activation Softmax; hinge scores must reach -1 and 1 (targets 0/1 are read as -1/1): use Act.Linear or Act.Tanh on the last layer");

    [Fact]
    public void DSL019_NegativeLogLikelihoodOnSigmoid()
    {
        const string source = "[Input(2)] [Dense(3, Act.Tanh)] [Dense(3, Act.Sigmoid)] [Loss(Loss.NegativeLogLikelihood)] public partial class Net;";
        Expect(source, "DSL019", "Loss(Loss.NegativeLogLikelihood)",
            "[Loss(Loss.NegativeLogLikelihood)] on the Sigmoid outputs of the last layer, layer 2 [Dense(3, Act.Sigmoid)], only ever pushes outputs up, since nothing makes independent sigmoids sum to 1; use Act.Softmax for one distribution over the outputs, or Loss.BinaryCrossEntropy for independent probabilities");
        // A warning: the model is still generated.
        Diagnostic d = Single(source);
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
        Assert.Single(GeneratorHarness.Run(Prefix + source).Result.GeneratedTrees);
    }

    [Fact]
    public void DSL019_KLDivergenceOnSigmoid() => Expect(
        "[Input(2)] [Dense(2, Act.Sigmoid)] [Loss(Loss.KLDivergence)] public partial class Net;",
        "DSL019", "Loss(Loss.KLDivergence)",
        "[Loss(Loss.KLDivergence)] on the Sigmoid outputs of the last layer, layer 1 [Dense(2, Act.Sigmoid)], only ever pushes outputs up, since nothing makes independent sigmoids sum to 1; use Act.Softmax for one distribution over the outputs, or Loss.BinaryCrossEntropy for independent probabilities");

    [Theory]
    [InlineData("[Dense(3, Act.Softmax)]", "KLDivergence")]
    [InlineData("[Dense(3, Act.Softmax)]", "NegativeLogLikelihood")]
    [InlineData("[Dense(3, Act.Tanh)] [Dense(3, Act.Softmax)] [Dropout(0.2)] [Dense(3, Act.Softmax)]", "NegativeLogLikelihood")]
    [InlineData("[Dense(3)]", "Hinge")]
    [InlineData("[Dense(3, Act.Tanh)]", "Hinge")]
    [InlineData("[Dense(3, Act.ReLU)] [Dropout(0.5)]", "Hinge")]
    [InlineData("[Dense(3, Act.Sigmoid)]", "Huber")]
    [InlineData("[Dense(3, Act.Softmax)]", "Huber")]
    [InlineData("[Dense(3, Act.ReLU)]", "HalfSumSquaredError")]
    [InlineData("[Dense(3, Act.Softmax)]", "HalfSumSquaredError")]
    public void LossesAcceptTheirOutputs(string layers, string loss)
    {
        // DSL011 is the only thing the Softmax in a hidden layer may bring; the loss itself is accepted.
        var diagnostics = GeneratorHarness.GeneratorDiagnostics($"{Prefix}[Input(2)] {layers} [Loss(Loss.{loss})] public partial class Net;");
        Assert.All(diagnostics, d => Assert.Equal("DSL011", d.Id));
    }

    [Fact]
    public void ProbabilityLossesAcceptASoftmaxConvolution()
    {
        foreach (string loss in new[] { "KLDivergence", "NegativeLogLikelihood" })
            Assert.Empty(GeneratorHarness.GeneratorDiagnostics($"{Prefix}[Input(1, 4, 4)] [Conv(3, 4, Act.Softmax)] [Loss(Loss.{loss})] public partial class Net;"));
    }

    [Fact]
    public void DSL900_AnExceptionBecomesADiagnostic()
    {
        // No declaration is known to crash the generator (the randomized test looks for one); this drives the guard that
        // every transform runs inside with a failing step, as a crash would.
        var location = new generator::Dsl.Generator.Model.LocationInfo("Model0.cs", new Microsoft.CodeAnalysis.Text.TextSpan(30, 3),
            new Microsoft.CodeAnalysis.Text.LinePositionSpan(new(1, 20), new(1, 23)));
        var result = generator::Dsl.Generator.Parsing.ModelParser.Guard("Net", () => location,
            () => throw new System.InvalidOperationException("Sequence contains no elements."));
        Assert.Null(result.Model);
        Diagnostic d = Assert.Single(result.Diagnostics).ToDiagnostic();
        Assert.Equal("DSL900", d.Id);
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.Equal(new Microsoft.CodeAnalysis.Text.TextSpan(30, 3), d.Location.SourceSpan);
        Assert.Equal("Dsl's generator failed on 'Net' (InvalidOperationException: Sequence contains no elements); please report this with the model declaration", d.GetMessage());
        Assert.Throws<System.OperationCanceledException>(() => generator::Dsl.Generator.Parsing.ModelParser.Guard("Net", () => location,
            () => throw new System.OperationCanceledException()));
    }

    [Fact]
    public void ErrorsGenerateNoCodeAndNoFollowOnErrors()
    {
        var (result, compilation) = GeneratorHarness.Run("using Dsl;\n[Input(2)] [Dense(0)] [Dense(2, Act.Softmax)] [Loss(Loss.CrossEntropy)] public partial class Net;\n" +
            "static class User { static void Use() { var n = new Net(); } }");
        Assert.Empty(result.GeneratedTrees);
        Assert.Equal(new[] { "DSL003" }, result.Diagnostics.Select(d => d.Id));
        // Only the user's own code is checked by the compiler; nothing generated adds errors.
        Assert.Empty(compilation.Where(d => d.Severity == DiagnosticSeverity.Error));
    }

    [Fact]
    public void EveryDescriptorIsTrackedAndDocumented()
    {
        string root = RepoFiles.Root();
        string unshipped = System.IO.File.ReadAllText(System.IO.Path.Combine(root, "src", "Dsl.Generator", "AnalyzerReleases.Unshipped.md"));
        string docs = System.IO.File.ReadAllText(System.IO.Path.Combine(root, "docs", "diagnostics.md"));
        foreach (DiagnosticDescriptor d in generator::Dsl.Generator.Diagnostics.DiagnosticDescriptors.Catalogue)
        {
            Assert.Contains($"{d.Id} | Dsl | {d.DefaultSeverity} | {d.Title}", unshipped);
            Assert.Contains($"<a id=\"{d.Id.ToLowerInvariant()}\"></a>", docs);
        }
    }
}
