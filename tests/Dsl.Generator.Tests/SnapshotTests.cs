using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Dsl.Generator.Tests;

/// <summary>The generated code of the samples' models, approved line by line (see <see cref="Verifier"/>).</summary>
public class SnapshotTests
{
    private static GeneratorDriver RunClean(params string[] sources)
    {
        var compilation = GeneratorHarness.Compile(sources);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out _);
        Assert.Empty(driver.GetRunResult().Diagnostics);
        // The user's code together with the generated code must compile without a single error or warning.
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
        return driver;
    }

    [Fact]
    public void XorNet() => Verifier.Verify(RunClean(RepoFiles.SampleSources("Xor")), "Samples.Xor.XorNet.g.cs");

    [Fact]
    public void MoonsNet() => Verifier.Verify(RunClean(RepoFiles.SampleSources("Moons")), "Samples.Moons.MoonsNet.g.cs");

    /// <summary>Layers above the unroll threshold call the runtime's kernels; Flatten costs nothing.</summary>
    [Fact]
    public void ImageMlp() => Verifier.Verify(RunClean("""
        using Dsl;

        namespace Demo;

        [Input(1, 28, 28)]
        [Flatten]
        [Dense(128, Act.ReLU, Init = Init.HeNormal)]
        [Dense(10, Act.Softmax)]
        [Loss(Loss.CrossEntropy)]
        public partial class ImageMlp;
        """), "Demo.ImageMlp.g.cs");

    /// <summary>Double precision, a regularised layer, an inference-only model nested in a partial type.</summary>
    [Fact]
    public void NestedDoubleRegression() => Verifier.Verify(RunClean("""
        using Dsl;

        public static partial class Models
        {
            [Precision(Precision.Double)]
            [Input(3)]
            [Dense(2, Act.Softplus, L2 = 0.001)]
            [Dense(1)]
            public partial class Regression;
        }
        """), "Models.Regression.g.cs");
}
