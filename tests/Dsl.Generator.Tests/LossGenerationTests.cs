using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Dsl.Generator.Tests;

/// <summary>
/// What the generator writes for each loss that reads the model's outputs: the call into <c>LossFunctions</c>, the formula
/// in <c>TrainStep</c>'s documentation, the loss line of <c>Summary</c>; each model compiles with the user's code without a
/// warning. One model with a loss back-propagated through a softmax is approved as a snapshot.
/// </summary>
public class LossGenerationTests
{
    private static string Generate(string source)
    {
        var compilation = GeneratorHarness.Compile(source);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out _);
        Assert.Empty(driver.GetRunResult().Diagnostics);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
        return driver.GetRunResult().GeneratedTrees.Single().ToString();
    }

    [Theory]
    [InlineData("HalfSumSquaredError", "Act.Sigmoid", "per sample 0.5 Σ (y - t)²")]
    [InlineData("KLDivergence", "Act.Softmax", "per sample Σ t' log(t' / p'), t' and p' clipped to [1e-7, 1]")]
    [InlineData("Huber", "Act.Linear", "per sample (1/K) Σ h(y - t), h(e) = 0.5 e² for |e| ≤ 1, else |e| - 0.5")]
    [InlineData("Hinge", "Act.Tanh", "per sample (1/K) Σ max(0, 1 - t y), a target of 0 read as -1")]
    [InlineData("NegativeLogLikelihood", "Act.Softmax", "per sample -Σ t log max(p, 1e-7)")]
    public void EachLossCallsItsRuntimeFunction(string loss, string act, string formula)
    {
        string code = Generate($"using Dsl;\n[Input(2)] [Dense(4, Act.Tanh)] [Dense(3, {act})] [Loss(Loss.{loss})] public partial class Net;");
        Assert.Contains($"    // Loss: {loss}, {formula}; writes dL/dy of the batch mean.\n", code);
        Assert.Contains($"    float loss = LossFunctions.{loss}<float>(_a2.AsSpan(0, n * 3), t, _d2.AsSpan(0, n * 3), 3, scale);\n", code);
        Assert.Contains($"/// Forward, loss and backward on a batch: returns the batch-mean loss ({formula})\n", code);
        Assert.Contains($"    \"Loss: {loss}\\n\";\n", code);
        Assert.DoesNotContain("_z2", code); // not fused: the output layer keeps no logits
    }

    /// <summary>Negative log-likelihood on a softmax: dL/dp from the loss, then through the softmax's Jacobian.</summary>
    [Fact]
    public void NllClassifier() => Verifier.Verify(GeneratorHarness.CreateDriver().RunGenerators(GeneratorHarness.Compile("""
        using Dsl;

        namespace Demo;

        [Input(4)]
        [Dense(5, Act.Tanh)]
        [Dense(3, Act.Softmax)]
        [Loss(Loss.NegativeLogLikelihood)]
        public partial class NllClassifier;
        """)), "Demo.NllClassifier.g.cs");
}
