using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Dsl.CodeFixes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace Dsl.Generator.Tests;

/// <summary>
/// The code fixes of Dsl.CodeFixes, driven as the IDE drives them: the generator's real diagnostic on a workspace
/// document, the provider's code action, its operations applied to the workspace. Each test checks the exact fixed
/// text, then that the fixed text has no generator diagnostic and compiles without errors or warnings.
/// </summary>
public class CodeFixTests
{
    private const string FilePath = "/models/Model0.cs";

    // DSL001: Make 'X' partial.

    [Fact]
    public Task DSL001_PublicClass() => ExpectFix(new MakePartialCodeFixProvider(), """
        using Dsl;

        [Input(2)]
        [Dense(1)]
        public class Net { }
        """, "Make 'Net' partial", """
        using Dsl;

        [Input(2)]
        [Dense(1)]
        public partial class Net { }
        """);

    [Fact]
    public Task DSL001_ClassWithoutModifiers() => ExpectFix(new MakePartialCodeFixProvider(), """
        using Dsl;

        [Input(2)] [Dense(1)]
        class Net { }
        """, "Make 'Net' partial", """
        using Dsl;

        [Input(2)] [Dense(1)]
        partial class Net { }
        """);

    [Fact]
    public Task DSL001_ClassOnTheAttributesLine() => ExpectFix(new MakePartialCodeFixProvider(), """
        using Dsl;

        [Input(2)] [Dense(1)] class Net { }
        """, "Make 'Net' partial", """
        using Dsl;

        [Input(2)] [Dense(1)] partial class Net { }
        """);

    [Fact]
    public Task DSL001_RecordWithSeveralModifiers() => ExpectFix(new MakePartialCodeFixProvider(), """
        using Dsl;

        [Input(2)] [Dense(1)]
        internal sealed record Net;
        """, "Make 'Net' partial", """
        using Dsl;

        [Input(2)] [Dense(1)]
        internal sealed partial record Net;
        """);

    [Fact]
    public Task DSL001_ContainingClassNotPartial() => ExpectFix(new MakePartialCodeFixProvider(), """
        using Dsl;

        public class Outer
        {
            [Input(2)]
            [Dense(1)]
            public partial class Net;
        }
        """, "Make 'Outer' partial", """
        using Dsl;

        public partial class Outer
        {
            [Input(2)]
            [Dense(1)]
            public partial class Net;
        }
        """);

    [Fact]
    public async Task DSL001_ModelAndContainingClassNotPartial_OneFixEach()
    {
        const string source = """
            using Dsl;

            namespace Models
            {
                static class Outer
                {
                    [Input(2)] [Dense(1)]
                    public class Net;
                }
            }
            """;
        // Two DSL001s on the same identifier; each offers the fix for the type its message names.
        Assert.Equal(new[] { "Make 'Net' partial", "Make 'Outer' partial" }, (await Titles(new MakePartialCodeFixProvider(), source)).OrderBy(t => t, System.StringComparer.Ordinal));

        string netFixed = await ApplyFix(new MakePartialCodeFixProvider(), source, "Make 'Net' partial");
        Assert.Equal(source.Replace("public class Net", "public partial class Net"), netFixed);
        // The other diagnostic is still there, and its fix completes the job.
        await ExpectFix(new MakePartialCodeFixProvider(), netFixed, "Make 'Outer' partial", """
            using Dsl;

            namespace Models
            {
                static partial class Outer
                {
                    [Input(2)] [Dense(1)]
                    public partial class Net;
                }
            }
            """);
    }

    [Fact]
    public Task DSL001_EveryDeclarationOfTheClass() => ExpectFix(new MakePartialCodeFixProvider(), """
        using Dsl;

        [Input(2)] [Dense(1)]
        public class Net { }

        public class Net { public int Extra; }
        """, "Make 'Net' partial", """
        using Dsl;

        [Input(2)] [Dense(1)]
        public partial class Net { }

        public partial class Net { public int Extra; }
        """);

    // DSL006: Insert [Flatten] before this layer.

    [Fact]
    public Task DSL006_OwnAttributeList_OwnLine() => ExpectFix(new InsertFlattenCodeFixProvider(), """
        using Dsl;

        [Input(1, 28, 28)]
        [Dense(10, Act.Softmax)]
        public partial class Net;
        """, "Insert [Flatten] before this layer", """
        using Dsl;

        [Input(1, 28, 28)]
        [Flatten]
        [Dense(10, Act.Softmax)]
        public partial class Net;
        """);

    [Fact]
    public Task DSL006_CombinedAttributeList() => ExpectFix(new InsertFlattenCodeFixProvider(), """
        using Dsl;

        [Input(1, 28, 28), Dense(10)]
        public partial class Net;
        """, "Insert [Flatten] before this layer", """
        using Dsl;

        [Input(1, 28, 28), Flatten, Dense(10)]
        public partial class Net;
        """);

    [Fact]
    public Task DSL006_ListsOnOneLine() => ExpectFix(new InsertFlattenCodeFixProvider(), """
        using Dsl;

        [Input(1, 28, 28)] [Dense(10, Act.Softmax)]
        public partial class Net;
        """, "Insert [Flatten] before this layer", """
        using Dsl;

        [Input(1, 28, 28)] [Flatten] [Dense(10, Act.Softmax)]
        public partial class Net;
        """);

    [Fact]
    public Task DSL006_KeepsIndentationAndLineBreaks() => ExpectFix(new InsertFlattenCodeFixProvider(), """
        using Dsl;

        namespace Models
        {
            public partial class Outer
            {
                [Input(3, 8, 8)]
                [Dense(16, Act.ReLU)] // hidden
                [Dense(2, Act.Softmax)]
                [Loss(Loss.CrossEntropy)]
                public partial class Net;
            }
        }
        """.Replace("\n", "\r\n"), "Insert [Flatten] before this layer", """
        using Dsl;

        namespace Models
        {
            public partial class Outer
            {
                [Input(3, 8, 8)]
                [Flatten]
                [Dense(16, Act.ReLU)] // hidden
                [Dense(2, Act.Softmax)]
                [Loss(Loss.CrossEntropy)]
                public partial class Net;
            }
        }
        """.Replace("\n", "\r\n"));

    [Fact]
    public Task DSL006_QualifiedName() => ExpectFix(new InsertFlattenCodeFixProvider(), """
        [Dsl.Input(1, 28, 28)]
        [Dsl.DenseAttribute(10)]
        public partial class Net;
        """, "Insert [Flatten] before this layer", """
        [Dsl.Input(1, 28, 28)]
        [Dsl.FlattenAttribute]
        [Dsl.DenseAttribute(10)]
        public partial class Net;
        """);

    // Fix All: the batch fixer merges the fixes of every diagnostic of the document.

    [Fact]
    public async Task FixAllInDocument()
    {
        const string source = """
            using Dsl;

            public class Outer
            {
                [Input(1, 28, 28)]
                [Dense(10, Act.Softmax)]
                public partial class A;

                [Input(1, 4, 4), Dense(2)]
                public class B;
            }
            """;
        string partial = await ApplyFixAll(new MakePartialCodeFixProvider(), source, MakePartialCodeFixProvider.EquivalenceKey);
        string flat = await ApplyFixAll(new InsertFlattenCodeFixProvider(), partial, InsertFlattenCodeFixProvider.EquivalenceKey);
        Assert.Equal("""
            using Dsl;

            public partial class Outer
            {
                [Input(1, 28, 28)]
                [Flatten]
                [Dense(10, Act.Softmax)]
                public partial class A;

                [Input(1, 4, 4), Flatten, Dense(2)]
                public partial class B;
            }
            """, flat);
        AssertClean(flat);
    }

    // The harness.

    /// <summary>Applies the fix titled <paramref name="title"/>, checks the exact result, and that it is clean.</summary>
    private static async Task ExpectFix(CodeFixProvider provider, string source, string title, string expected)
    {
        string actual = await ApplyFix(provider, source, title);
        Assert.Equal(expected, actual);
        AssertClean(actual);
    }

    /// <summary>The fixed source generates without diagnostics and compiles without errors or warnings.</summary>
    private static void AssertClean(string source)
    {
        var (result, compilation) = GeneratorHarness.Run(source);
        Assert.Empty(result.Diagnostics);
        Assert.NotEmpty(result.GeneratedTrees);
        Assert.Empty(compilation.Where(d => d.Severity >= DiagnosticSeverity.Warning));
    }

    private static async Task<string> ApplyFix(CodeFixProvider provider, string source, string title)
    {
        using var workspace = new AdhocWorkspace();
        Document document = CreateDocument(workspace, source);
        IReadOnlyList<CodeAction> actions = await RegisteredActions(provider, document);
        CodeAction action = Assert.Single(actions, a => a.Title == title);
        Assert.Equal(provider is MakePartialCodeFixProvider ? MakePartialCodeFixProvider.EquivalenceKey : InsertFlattenCodeFixProvider.EquivalenceKey, action.EquivalenceKey);
        return await Apply(workspace, document.Id, action);
    }

    private static async Task<IEnumerable<string>> Titles(CodeFixProvider provider, string source)
    {
        using var workspace = new AdhocWorkspace();
        return (await RegisteredActions(provider, CreateDocument(workspace, source))).Select(a => a.Title).ToList();
    }

    private static async Task<string> ApplyFixAll(CodeFixProvider provider, string source, string equivalenceKey)
    {
        using var workspace = new AdhocWorkspace();
        Document document = CreateDocument(workspace, source);
        ImmutableArray<Diagnostic> diagnostics = await DiagnosticsFor(provider, document);
        Assert.True(diagnostics.Length > 1, "Fix All needs several diagnostics");
        var context = new FixAllContext(document, provider, FixAllScope.Document, equivalenceKey, provider.FixableDiagnosticIds,
            new FixedDiagnostics(diagnostics), CancellationToken.None);
        CodeAction? action = await provider.GetFixAllProvider()!.GetFixAsync(context);
        Assert.NotNull(action);
        return await Apply(workspace, document.Id, action!);
    }

    private static Document CreateDocument(AdhocWorkspace workspace, string source)
    {
        var projectId = ProjectId.CreateNewId();
        Solution solution = workspace.CurrentSolution
            .AddProject(ProjectInfo.Create(projectId, VersionStamp.Default, "Models", "Models", LanguageNames.CSharp,
                compilationOptions: GeneratorHarness.CompilationOptions, parseOptions: GeneratorHarness.ParseOptions,
                metadataReferences: GeneratorHarness.MetadataReferences))
            .AddDocument(DocumentId.CreateNewId(projectId), "Model0.cs", SourceText.From(source), filePath: FilePath);
        Assert.True(workspace.TryApplyChanges(solution));
        return workspace.CurrentSolution.Projects.Single().Documents.Single();
    }

    /// <summary>Asks the provider for its fixes, once for each span that has diagnostics, as the IDE's lightbulb does.</summary>
    private static async Task<IReadOnlyList<CodeAction>> RegisteredActions(CodeFixProvider provider, Document document)
    {
        ImmutableArray<Diagnostic> diagnostics = await DiagnosticsFor(provider, document);
        Assert.NotEmpty(diagnostics);
        var actions = new List<CodeAction>();
        foreach (IGrouping<TextSpan, Diagnostic> atSpan in diagnostics.GroupBy(d => d.Location.SourceSpan))
        {
            var context = new CodeFixContext(document, atSpan.Key, atSpan.ToImmutableArray(), (action, _) => actions.Add(action), CancellationToken.None);
            await provider.RegisterCodeFixesAsync(context);
        }
        return actions;
    }

    /// <summary>
    /// The generator's diagnostics of the ids the provider fixes, from a run on the document's own compilation.
    /// The generator creates its locations from plain data (path, span, line span), so they point at the file but
    /// not at a syntax tree; as the IDE does, they are mapped onto the document's tree by span, and the diagnostic
    /// is rebuilt around the new location with its id, message and severity.
    /// </summary>
    private static async Task<ImmutableArray<Diagnostic>> DiagnosticsFor(CodeFixProvider provider, Document document)
    {
        Compilation compilation = (await document.Project.GetCompilationAsync())!;
        SyntaxTree tree = (await document.GetSyntaxTreeAsync())!;
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        var mapped = ImmutableArray.CreateBuilder<Diagnostic>();
        foreach (Diagnostic d in driver.GetRunResult().Diagnostics.Where(d => provider.FixableDiagnosticIds.Contains(d.Id)))
        {
            Assert.Equal(FilePath, d.Location.GetLineSpan().Path);
            mapped.Add(Diagnostic.Create(d.Id, d.Descriptor.Category, d.GetMessage(System.Globalization.CultureInfo.InvariantCulture),
                d.Severity, d.DefaultSeverity, d.Descriptor.IsEnabledByDefault, d.WarningLevel,
                d.Descriptor.Title, d.Descriptor.Description, d.Descriptor.HelpLinkUri,
                Location.Create(tree, d.Location.SourceSpan)));
        }
        return mapped.ToImmutable();
    }

    /// <summary>Applies the action's operations to the workspace, as the IDE does, and returns the document's new text.</summary>
    private static async Task<string> Apply(Workspace workspace, DocumentId documentId, CodeAction action)
    {
        ImmutableArray<CodeActionOperation> operations = await action.GetOperationsAsync(CancellationToken.None);
        Assert.NotEmpty(operations);
        foreach (CodeActionOperation operation in operations)
            operation.Apply(workspace, CancellationToken.None);
        return (await workspace.CurrentSolution.GetDocument(documentId)!.GetTextAsync()).ToString();
    }

    /// <summary>Fix All's source of diagnostics: the generator's, mapped onto the document.</summary>
    private sealed class FixedDiagnostics(ImmutableArray<Diagnostic> diagnostics) : FixAllContext.DiagnosticProvider
    {
        public override Task<IEnumerable<Diagnostic>> GetDocumentDiagnosticsAsync(Document document, CancellationToken cancellationToken)
            => Task.FromResult<IEnumerable<Diagnostic>>(diagnostics);

        public override Task<IEnumerable<Diagnostic>> GetProjectDiagnosticsAsync(Project project, CancellationToken cancellationToken)
            => Task.FromResult(Enumerable.Empty<Diagnostic>());

        public override Task<IEnumerable<Diagnostic>> GetAllDiagnosticsAsync(Project project, CancellationToken cancellationToken)
            => Task.FromResult<IEnumerable<Diagnostic>>(diagnostics);
    }
}
