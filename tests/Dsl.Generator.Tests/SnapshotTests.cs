using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Dsl.Generator.Tests;

/// <summary>The generated code of the samples' models, approved line by line (see <see cref="Verifier"/>).</summary>
public class SnapshotTests
{
    private static GeneratorDriver RunClean(params string[] sources) => RunClean(sources, []);

    private static GeneratorDriver RunClean(string[] sources, string[] expectedWarnings)
    {
        var compilation = GeneratorHarness.Compile(sources);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out _);
        Assert.Equal(expectedWarnings, driver.GetRunResult().Diagnostics.Select(d => d.Id));
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

    /// <summary>Seed 000's convolutional network (DESIGN section 1). The second pooling drops the last row and column of its 9x9 input.</summary>
    [Fact]
    public void FashionCnn() => Verifier.Verify(RunClean(["""
        using Dsl;

        namespace Demo;

        [Input(1, 28, 28)]
        [Conv(4, 5, Act.Tanh)]
        [Conv(8, 3, Act.Tanh)]
        [MaxPool(2)]
        [Conv(16, 3, Act.ReLU)]
        [MaxPool(2)]
        [Flatten]
        [Dense(128, Act.Tanh)]
        [Dense(10, Act.Softmax)]
        [Loss(Loss.CrossEntropy)]
        public partial class FashionCnn;
        """], ["DSL017"]), "Demo.FashionCnn.g.cs");

    /// <summary>Same padding with stride 2, average pooling, dropout.</summary>
    [Fact]
    public void SpatialVariety() => Verifier.Verify(RunClean("""
        using Dsl;

        namespace Demo;

        [Input(3, 8, 8)]
        [Conv(6, 3, Act.ReLU, Stride = 2, Padding = Padding.Same)]
        [AvgPool(2)]
        [Dropout(0.25)]
        [Flatten]
        [Dense(4, Act.Sigmoid)]
        [Loss(Loss.BinaryCrossEntropy)]
        public partial class SpatialVariety;
        """), "Demo.SpatialVariety.g.cs");

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
