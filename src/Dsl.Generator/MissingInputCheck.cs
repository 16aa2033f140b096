using System.Linq;
using System.Threading;
using Dsl.Generator.Diagnostics;
using Dsl.Generator.Model;
using Dsl.Generator.Parsing;
using Microsoft.CodeAnalysis;

namespace Dsl.Generator;

/// <summary>
/// DSL002: a class with Dsl attributes but no [Input]. The main pipeline starts from [Input], so this check starts
/// from every other attribute; only the pipeline of the class's first Dsl attribute reports, so it is reported once.
/// </summary>
internal static class MissingInputCheck
{
    public static DiagnosticInfo? Check(GeneratorAttributeSyntaxContext context, string attributeName, CancellationToken cancellationToken)
    {
        var attributes = context.TargetSymbol.GetAttributes();
        if (attributes.Any(a => a.AttributeClass?.ToDisplayString() == AttributeNames.Input)) return null;
        AttributeData? first = attributes.FirstOrDefault(a => ModelParser.KindOf(a.AttributeClass) is not null);
        if (first?.AttributeClass?.ToDisplayString() != attributeName) return null;
        // A class declared in several parts is visited once per part carrying the attribute; report from the part holding it.
        SyntaxNode? syntax = first.ApplicationSyntaxReference?.GetSyntax(cancellationToken);
        if (syntax is null || !context.TargetNode.Span.Contains(syntax.Span) || syntax.SyntaxTree != context.TargetNode.SyntaxTree) return null;
        return DiagnosticInfo.Create(DiagnosticDescriptors.MissingInput, LocationInfo.From(syntax), context.TargetSymbol.Name);
    }
}
