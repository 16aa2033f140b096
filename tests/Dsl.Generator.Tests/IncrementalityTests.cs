extern alias generator;

using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;
using TrackingNames = generator::Dsl.Generator.TrackingNames;

namespace Dsl.Generator.Tests;

/// <summary>The pipeline keeps only equatable data: unrelated edits hit the cache, a changed layer regenerates.</summary>
public class IncrementalityTests
{
    private const string Model = """
        using Dsl;

        namespace Demo;

        [Input(784)]
        [Dense(128, Act.Tanh)]
        [Dense(10, Act.Softmax)]
        [Loss(Loss.CrossEntropy)]
        public partial class Net;
        """;

    private const string Other = "namespace Demo; public static class Helper { public static int Twice(int x) => 2 * x; }";

    private static (GeneratorDriver Driver, CSharpCompilation Compilation) FirstRun()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Model, Other);
        GeneratorDriver driver = GeneratorHarness.CreateDriver(trackSteps: true).RunGenerators(compilation);
        Assert.Single(driver.GetRunResult().GeneratedTrees);
        return (driver, compilation);
    }

    private static GeneratorRunResult Rerun(GeneratorDriver driver, CSharpCompilation compilation, int treeIndex, string newText)
    {
        SyntaxTree old = compilation.SyntaxTrees.ElementAt(treeIndex);
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(newText, GeneratorHarness.ParseOptions, old.FilePath));
        return driver.RunGenerators(edited).GetRunResult().Results.Single();
    }

    private static IncrementalStepRunReason[] Reasons(GeneratorRunResult result, string step)
        => result.TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();

    private static void AssertOutputsReused(GeneratorRunResult result)
        => Assert.All(result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs),
            o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"output step was {o.Reason}"));

    [Fact]
    public void UnrelatedEditLeavesEverythingCached()
    {
        var (driver, compilation) = FirstRun();
        GeneratorRunResult result = Rerun(driver, compilation, 1, Other + "\n// an unrelated comment\npublic static class More { }");

        Assert.All(Reasons(result, TrackingNames.Model), r => Assert.Equal(IncrementalStepRunReason.Cached, r));
        AssertOutputsReused(result);
    }

    [Fact]
    public void CommentInTheModelFileLeavesTheModelUnchanged()
    {
        var (driver, compilation) = FirstRun();
        GeneratorRunResult result = Rerun(driver, compilation, 0, Model.Replace("namespace Demo;", "namespace Demo;\n// a new comment above the model"));

        // The declaration was re-read (its text moved), but the model it yields is equal, so no code is regenerated.
        Assert.All(Reasons(result, TrackingNames.Model), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"model step was {r}"));
        AssertOutputsReused(result);
    }

    [Fact]
    public void ChangingALayerRegenerates()
    {
        var (driver, compilation) = FirstRun();
        GeneratorRunResult result = Rerun(driver, compilation, 0, Model.Replace("Dense(128", "Dense(64"));

        Assert.Equal(new[] { IncrementalStepRunReason.Modified }, Reasons(result, TrackingNames.Model));
        Assert.Contains("public const int ParameterCount = 50890;", result.GeneratedSources.Single().SourceText.ToString());
    }
}
