using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace Dsl.CodeFixes;

/// <summary>
/// The code fix for DSL001 ("'X' must be declared partial so that Dsl can generate the model's members into it"):
/// "Make 'X' partial" adds the <c>partial</c> modifier to the type the message names, which is the model class
/// itself or one of the types it is nested in, in every declaration of that type that lacks it.
/// </summary>
/// <remarks>
/// The generator reports DSL001 on the model class's identifier, once per type that is not partial, so a model
/// nested in a non-partial class can carry two DSL001s at the same place; the first quoted name of the message
/// tells them apart. <c>partial</c> is inserted as text right before the <c>class</c>, <c>struct</c> or
/// <c>record</c> keyword, so it comes last among the modifiers and every other character stays as written.
/// </remarks>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MakePartialCodeFixProvider)), Shared]
public sealed class MakePartialCodeFixProvider : CodeFixProvider
{
    /// <summary>The diagnostic fixed: the generator's "Model class must be partial".</summary>
    public const string DiagnosticId = "DSL001";

    /// <summary>The equivalence key of the fix, the same for every DSL001, so that Fix All applies them together.</summary>
    public const string EquivalenceKey = "Dsl.DSL001.MakePartial";

    private const string NestedSuffix = " is nested in it";

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
            if (root.FindToken(span.Start).Parent is not TypeDeclarationSyntax model || model.Identifier.Span != span) continue;

            List<TypeDeclarationSyntax> targets = Targets(model, diagnostic.GetMessage(CultureInfo.InvariantCulture));
            if (targets.Count == 0) continue;

            string title = "Make " + string.Join(" and ", targets.Select(t => "'" + t.Identifier.ValueText + "'")) + " partial";
            Document document = context.Document;
            context.RegisterCodeFix(
                CodeAction.Create(title, ct => MakePartialAsync(document, targets, ct), EquivalenceKey),
                diagnostic);
        }
    }

    /// <summary>
    /// The declarations to make partial: the one the message names (the model class, or the containing type named
    /// first when the message says the model is nested in it), or, for a message that cannot be read, the model
    /// class and every containing type that lacks <c>partial</c>.
    /// </summary>
    private static List<TypeDeclarationSyntax> Targets(TypeDeclarationSyntax model, string message)
    {
        if (message.Length > 1 && message[0] == '\'')
        {
            int end = message.IndexOf('\'', 1);
            if (end > 1)
            {
                string name = message.Substring(1, end - 1);
                IEnumerable<SyntaxNode> candidates = message.EndsWith(NestedSuffix, StringComparison.Ordinal) ? model.Ancestors() : new[] { model };
                TypeDeclarationSyntax? named = candidates.OfType<TypeDeclarationSyntax>()
                    .FirstOrDefault(t => t.Identifier.ValueText == name && !IsPartial(t));
                return named is null ? new List<TypeDeclarationSyntax>() : new List<TypeDeclarationSyntax> { named };
            }
        }
        return model.AncestorsAndSelf().OfType<TypeDeclarationSyntax>().Where(t => !IsPartial(t)).ToList();
    }

    /// <summary>Adds <c>partial</c> to the targets and to every other declaration of the same types that lacks it.</summary>
    private static async Task<Solution> MakePartialAsync(Document document, IReadOnlyList<TypeDeclarationSyntax> targets, CancellationToken cancellationToken)
    {
        SemanticModel? semanticModel = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        var declarations = new List<TypeDeclarationSyntax>();
        foreach (TypeDeclarationSyntax target in targets)
        {
            INamedTypeSymbol? symbol = semanticModel?.GetDeclaredSymbol(target, cancellationToken);
            if (symbol is null)
            {
                declarations.Add(target);
                continue;
            }
            foreach (SyntaxReference reference in symbol.DeclaringSyntaxReferences)
            {
                if (await reference.GetSyntaxAsync(cancellationToken).ConfigureAwait(false) is TypeDeclarationSyntax declaration && !IsPartial(declaration))
                    declarations.Add(declaration);
            }
        }

        Solution solution = document.Project.Solution;
        foreach (IGrouping<SyntaxTree, TypeDeclarationSyntax> inTree in declarations.Distinct().GroupBy(d => d.SyntaxTree))
        {
            Document? target = solution.GetDocument(inTree.Key);
            if (target is null) continue;
            SourceText text = await target.GetTextAsync(cancellationToken).ConfigureAwait(false);
            IEnumerable<TextChange> changes = inTree
                .Select(d => new TextChange(new TextSpan(d.Keyword.SpanStart, 0), "partial "))
                .OrderBy(c => c.Span.Start);
            solution = solution.WithDocumentText(target.Id, text.WithChanges(changes));
        }
        return solution;
    }

    private static bool IsPartial(TypeDeclarationSyntax declaration) => declaration.Modifiers.Any(SyntaxKind.PartialKeyword);
}
