extern alias generator;

using System;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using BenchmarkDotNet.Attributes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using DslGenerator = generator::Dsl.Generator.DslGenerator;
using TrackingNames = generator::Dsl.Generator.TrackingNames;

namespace Dsl.Benchmarks;

/// <summary>
/// What the source generator costs the compiler on a 20-layer model (input 64, twenty Dense layers, 26,206 parameters):
/// a cold run, a rerun after an edit elsewhere (everything cached), and a rerun after one layer's units changed.
/// The compilation is built in memory as <c>tests/Dsl.Generator.Tests/GeneratorHarness.cs</c> builds it.
/// </summary>
[MemoryDiagnoser, MinColumn, MedianColumn]
public class GeneratorBenchmarks
{
    /// <summary>
    /// Mixed sizes and activations: the 4 layers of at most 64 multiply-adds per sample (inputs x units: 8x8, 8x6,
    /// 6x4, 4x10) are unrolled, the 16 larger ones call kernels.
    /// </summary>
    public const string Model = """
        using Dsl;

        namespace Bench;

        [Input(64)]
        [Dense(32, Act.ReLU, Init = Init.HeUniform)]
        [Dense(16, Act.Tanh)]
        [Dense(8, Act.Sigmoid)]
        [Dense(8, Act.Softplus)]
        [Dense(16, Act.Tanh, L2 = 1e-4)]
        [Dense(32, Act.ReLU, Init = Init.HeNormal)]
        [Dense(64, Act.Tanh)]
        [Dense(128, Act.ReLU, L2 = 1e-4)]
        [Dense(64, Act.Tanh)]
        [Dense(32, Act.Linear)]
        [Dense(16, Act.Sigmoid)]
        [Dense(12, Act.Tanh)]
        [Dense(12, Act.ReLU)]
        [Dense(10, Act.Softplus)]
        [Dense(16, Act.Tanh, Init = Init.LeCunNormal)]
        [Dense(24, Act.ReLU)]
        [Dense(8, Act.Tanh)]
        [Dense(6, Act.Sigmoid)]
        [Dense(4, Act.Tanh)]
        [Dense(10, Act.Softmax)]
        [Loss(Loss.CrossEntropy)]
        public partial class Deep;
        """;

    /// <summary>The model with layer 8 narrowed from 128 to 96 units: its layer and both neighbours change.</summary>
    public static readonly string ChangedModel = Model.Replace("[Dense(128, Act.ReLU", "[Dense(96, Act.ReLU", StringComparison.Ordinal);

    private const string Other = "namespace Bench; public static class Helper { public static int Twice(int x) => 2 * x; }";
    private const string Unrelated = "namespace Bench; public static class More { public static int Thrice(int x) => 3 * x; }";

    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private CSharpCompilation _compilation = null!;
    private SyntaxTree _modelTree = null!;
    private SyntaxTree _unrelatedTree = null!;
    private SyntaxTree _changedModelTree = null!;
    private GeneratorDriver _warmDriver = null!;

    [GlobalSetup]
    public void Setup()
    {
        string[] platform = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        ImmutableArray<MetadataReference> references = platform
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll")
            .Append(typeof(InputAttribute).Assembly.Location)
            .Append(typeof(Runtime.IModel<>).Assembly.Location)
            .Distinct()
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToImmutableArray();

        _modelTree = CSharpSyntaxTree.ParseText(Model, ParseOptions, path: "Deep.cs");
        _changedModelTree = CSharpSyntaxTree.ParseText(ChangedModel, ParseOptions, path: "Deep.cs");
        _unrelatedTree = CSharpSyntaxTree.ParseText(Unrelated, ParseOptions, path: "More.cs");
        _compilation = CSharpCompilation.Create("Models",
            new[] { _modelTree, CSharpSyntaxTree.ParseText(Other, ParseOptions, path: "Helper.cs") },
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

        Validate();
        _warmDriver = CreateDriver(trackSteps: false).RunGenerators(_compilation.Clone());
    }

    private static GeneratorDriver CreateDriver(bool trackSteps)
        => CSharpGeneratorDriver.Create(
            new[] { new DslGenerator().AsSourceGenerator() },
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: trackSteps));

    /// <summary>
    /// A cold run: a new driver on a fresh copy of the compilation (same parsed trees and bound references, no
    /// semantic caches), so parsing the attributes, binding them, checking shapes, emitting and parsing the
    /// generated file are all measured.
    /// </summary>
    [Benchmark]
    public Compilation ColdRun()
    {
        CreateDriver(trackSteps: false).RunGeneratorsAndUpdateCompilation(_compilation.Clone(), out Compilation output, out _);
        return output;
    }

    /// <summary>The warm driver rerun after a new, unrelated file was added: every step of the model is cached.</summary>
    [Benchmark]
    public Compilation RerunAfterUnrelatedEdit()
    {
        _warmDriver.RunGeneratorsAndUpdateCompilation(_compilation.AddSyntaxTrees(_unrelatedTree), out Compilation output, out _);
        return output;
    }

    /// <summary>The warm driver rerun after layer 8's units changed: the model is re-read and its code regenerated.</summary>
    [Benchmark]
    public Compilation RerunAfterLayerChange()
    {
        _warmDriver.RunGeneratorsAndUpdateCompilation(_compilation.ReplaceSyntaxTree(_modelTree, _changedModelTree), out Compilation output, out _);
        return output;
    }

    /// <summary>
    /// Checks once, outside the measurements, that each benchmark does what its name says: the cold run generates one
    /// file that compiles without errors and uses both emission paths; the unrelated edit leaves the model cached;
    /// the layer change modifies it.
    /// </summary>
    private void Validate()
    {
        GeneratorDriver driver = CreateDriver(trackSteps: true).RunGeneratorsAndUpdateCompilation(_compilation.Clone(), out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
        GeneratorRunResult cold = driver.GetRunResult().Results.Single();
        Require(generatorDiagnostics.IsEmpty, "the generator reported " + string.Join("; ", generatorDiagnostics));
        Require(cold.GeneratedSources.Length == 1, $"expected one generated file, got {cold.GeneratedSources.Length}");
        string code = cold.GeneratedSources[0].SourceText.ToString();
        Require(code.Contains("public const int ParameterCount = 26206;", StringComparison.Ordinal), "unexpected parameter count");
        Require(code.Contains("Gemm.DenseForward", StringComparison.Ordinal), "no layer took the kernel path");
        Require(code.Contains("ys[0] = ", StringComparison.Ordinal), "no layer was unrolled");
        Diagnostic[] errors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
        Require(errors.Length == 0, "the generated code does not compile: " + string.Join("; ", errors.Take(5)));

        GeneratorRunResult unrelated = driver.RunGenerators(_compilation.AddSyntaxTrees(_unrelatedTree)).GetRunResult().Results.Single();
        Require(Reasons(unrelated).All(r => r == IncrementalStepRunReason.Cached), "the unrelated edit did not leave the model cached: " + string.Join(", ", Reasons(unrelated)));

        GeneratorRunResult changed = driver.RunGenerators(_compilation.ReplaceSyntaxTree(_modelTree, _changedModelTree)).GetRunResult().Results.Single();
        Require(Reasons(changed).SequenceEqual(new[] { IncrementalStepRunReason.Modified }), "the layer change did not regenerate the model: " + string.Join(", ", Reasons(changed)));
    }

    private static IncrementalStepRunReason[] Reasons(GeneratorRunResult result)
        => result.TrackedSteps[TrackingNames.Model].SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();

    private static void Require(bool condition, string message)
    {
        if (!condition) throw new InvalidOperationException("GeneratorBenchmarks setup: " + message);
    }
}
