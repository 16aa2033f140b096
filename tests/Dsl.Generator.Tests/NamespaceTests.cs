using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Dsl.Generator.Tests;

/// <summary>Generated code must compile whatever the user's namespaces and types are called.</summary>
public class NamespaceTests
{
    // Each model sits in a namespace whose parts carry the names of runtime classes or of System and Dsl (Activations,
    // Math, Dsl ...), which would hide those from code that named them plainly. (Types or namespaces of those names declared
    // inside the model's own namespace still hide them: docs/diagnostics.md, "Names the generated code uses".)
    [Theory]
    [InlineData("Samples.Activations", "")]
    [InlineData("Company.Dsl.Models", "")]
    [InlineData("Demo.Math.Gemm", "")]
    [InlineData("Demo.Initializers.System", "")]
    public void ModelsCompileInNamespacesThatShadowRuntimeNames(string ns, string siblings)
    {
        string source = $$"""
            using Dsl;

            namespace {{ns}}
            {
                {{siblings}}

                [Input(2)] [Dense(3, Act.Tanh)] [Dense(2, Act.Softmax)] [Loss(Loss.CrossEntropy)]
                public partial class Tiny;

                [Input(1, 12, 12)] [Conv(2, 3, Act.Sigmoid)] [MaxPool(2)] [Flatten] [Dense(40, Act.Sigmoid, Init = Init.Normal)] [Dense(3, Act.Softmax)] [Loss(Loss.CrossEntropy)]
                public partial class Larger;
            }
            """;
        var (result, diagnostics) = GeneratorHarness.Run(source);
        Assert.Empty(result.Diagnostics);
        Assert.Equal(2, result.GeneratedTrees.Length);
        Assert.Equal("", string.Join("\n", diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).Take(3).Select(d => d.GetMessage() + " @ " + d.Location.GetLineSpan().StartLinePosition + " " + d.Location.SourceTree?.GetText().Lines[d.Location.GetLineSpan().StartLinePosition.Line].ToString().Trim())));
    }
}
