using System.Collections.Immutable;
using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace Dsl.CodeFixes;

/// <summary>
/// The code fix for DSL006 ("layer N [Dense(...)] receives a feature map of shape [...] but needs flat data; insert
/// [Flatten] before it"): "Insert [Flatten] before this layer" puts a <c>Flatten</c> attribute immediately before
/// the <c>Dense</c> attribute the diagnostic is on.
/// </summary>
/// <remarks>
/// A <c>[Dense(...)]</c> in an attribute list of its own gets a new list <c>[Flatten]</c>: on a line of its own with
/// the same indentation when the <c>[Dense(...)]</c> starts its line, otherwise on the same line followed by a space.
/// A <c>Dense(...)</c> inside a list with other attributes gets <c>Flatten, </c> inserted in front of it in that list.
/// The name is written the way the <c>Dense</c> attribute's is: <c>Dsl.Dense</c> gives <c>Dsl.Flatten</c>,
/// <c>DenseAttribute</c> gives <c>FlattenAttribute</c>.
/// </remarks>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(InsertFlattenCodeFixProvider)), Shared]
public sealed class InsertFlattenCodeFixProvider : CodeFixProvider
{
    /// <summary>The diagnostic fixed: the generator's "Dense needs flat input".</summary>
    public const string DiagnosticId = "DSL006";

    /// <summary>The equivalence key of the fix, the same for every DSL006, so that Fix All applies them together.</summary>
    public const string EquivalenceKey = "Dsl.DSL006.InsertFlatten";

    /// <summary>The title the IDE shows.</summary>
    public const string Title = "Insert [Flatten] before this layer";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(DiagnosticId);

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null) return;

        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (diagnostic.Id != DiagnosticId) continue;
            TextSpan span = diagnostic.Location.SourceSpan;
            if (span.End > root.FullSpan.End) continue;
            if (root.FindNode(span, getInnermostNodeForTie: true).FirstAncestorOrSelf<AttributeSyntax>() is not { Parent: AttributeListSyntax } dense) continue;

            Document document = context.Document;
            context.RegisterCodeFix(
                CodeAction.Create(Title, ct => InsertFlattenAsync(document, dense, ct), EquivalenceKey),
                diagnostic);
        }
    }

    private static async Task<Document> InsertFlattenAsync(Document document, AttributeSyntax dense, CancellationToken cancellationToken)
    {
        SourceText text = await document.GetTextAsync(cancellationToken).ConfigureAwait(false);
        var list = (AttributeListSyntax)dense.Parent!;
        string flatten = FlattenName(dense.Name, text);

        TextChange change;
        if (list.Attributes.Count > 1)
        {
            change = new TextChange(new TextSpan(dense.SpanStart, 0), flatten + ", ");
        }
        else
        {
            int start = list.SpanStart;
            TextLine line = text.Lines.GetLineFromPosition(start);
            string indentation = text.ToString(TextSpan.FromBounds(line.Start, start));
            change = IsWhiteSpace(indentation)
                ? new TextChange(new TextSpan(start, 0), "[" + flatten + "]" + LineBreak(text, line) + indentation)
                : new TextChange(new TextSpan(start, 0), "[" + flatten + "] ");
        }
        return document.WithText(text.WithChanges(change));
    }

    /// <summary><c>Flatten</c>, qualified and suffixed as <paramref name="denseName"/> is.</summary>
    private static string FlattenName(NameSyntax denseName, SourceText text)
    {
        SimpleNameSyntax? last = denseName switch
        {
            QualifiedNameSyntax qualified => qualified.Right,
            AliasQualifiedNameSyntax aliased => aliased.Name,
            SimpleNameSyntax simple => simple,
            _ => null,
        };
        if (last is null) return "Flatten";
        string prefix = text.ToString(TextSpan.FromBounds(denseName.SpanStart, last.SpanStart));
        return prefix + (last.Identifier.ValueText.EndsWith("Attribute", System.StringComparison.Ordinal) ? "FlattenAttribute" : "Flatten");
    }

    private static bool IsWhiteSpace(string s)
    {
        foreach (char c in s)
        {
            if (!char.IsWhiteSpace(c)) return false;
        }
        return true;
    }

    /// <summary>The file's own line break: the one ending <paramref name="line"/>, else the first in the file, else "\n".</summary>
    private static string LineBreak(SourceText text, TextLine line)
    {
        if (line.EndIncludingLineBreak > line.End) return text.ToString(TextSpan.FromBounds(line.End, line.EndIncludingLineBreak));
        foreach (TextLine other in text.Lines)
        {
            if (other.EndIncludingLineBreak > other.End) return text.ToString(TextSpan.FromBounds(other.End, other.EndIncludingLineBreak));
        }
        return "\n";
    }
}
