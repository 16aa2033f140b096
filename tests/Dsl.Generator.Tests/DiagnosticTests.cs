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
        foreach (DiagnosticDescriptor d in DescriptorCatalogue.All)
        {
            Assert.Contains($"{d.Id} | Dsl | {d.DefaultSeverity} | {d.Title}", unshipped);
            Assert.Contains($"<a id=\"{d.Id.ToLowerInvariant()}\"></a>", docs);
        }
    }
}
