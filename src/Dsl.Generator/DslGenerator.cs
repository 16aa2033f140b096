using System;
using Dsl.Generator.Diagnostics;
using Dsl.Generator.Emit;
using Dsl.Generator.Model;
using Dsl.Generator.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Dsl.Generator;

/// <summary>
/// Turns a partial class carrying <c>[Input]</c> and layer attributes into a trainable network. The pipeline keeps
/// only equatable data; diagnostics and code are separate outputs, so a changed message never regenerates code.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class DslGenerator : IIncrementalGenerator
{
    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<ModelResult> results = context.SyntaxProvider
            .ForAttributeWithMetadataName(AttributeNames.Input,
                static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax,
                static (ctx, ct) => ModelParser.Parse(ctx, ct))
            .WithTrackingName(TrackingNames.Parse);

        context.RegisterSourceOutput(results.Select(static (r, _) => r.Diagnostics).WithTrackingName(TrackingNames.Diagnostics), Report);

        IncrementalValuesProvider<ModelSpec> models = results
            .Select(static (r, _) => r.Model)
            .Where(static m => m is not null)
            .Select(static (m, _) => m!)
            .WithTrackingName(TrackingNames.Model);
        context.RegisterSourceOutput(models, static (spc, model) => Generate(spc, model));

        foreach (string name in AttributeNames.NonInput)
        {
            string attributeName = name;
            IncrementalValuesProvider<DiagnosticInfo?> missing = context.SyntaxProvider
                .ForAttributeWithMetadataName(attributeName,
                    static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax,
                    (ctx, ct) => MissingInputCheck.Check(ctx, attributeName, ct))
                .WithTrackingName(TrackingNames.MissingInput);
            context.RegisterSourceOutput(missing, static (spc, d) =>
            {
                if (d is not null) spc.ReportDiagnostic(d.ToDiagnostic());
            });
        }
    }

    private static void Report(SourceProductionContext context, EquatableArray<DiagnosticInfo> diagnostics)
    {
        foreach (DiagnosticInfo diagnostic in diagnostics) context.ReportDiagnostic(diagnostic.ToDiagnostic());
    }

    private static void Generate(SourceProductionContext context, ModelSpec model)
    {
        try
        {
            string hint = (model.Namespace.Length > 0 ? model.Namespace + "." : "") + string.Concat(System.Linq.Enumerable.Select(model.ContainingTypes, t => t.Substring(t.LastIndexOf(' ') + 1) + ".")) + model.ClassName;
            context.AddSource(hint + ".g.cs", ModelEmitter.Emit(model));
        }
        catch (Exception ex)
        {
            context.ReportDiagnostic(ModelParser.InternalError(model.ClassName, null, ex).ToDiagnostic());
        }
    }
}

/// <summary>Names of the pipeline steps, for incrementality tests.</summary>
public static class TrackingNames
{
    /// <summary>Reading and checking a model declaration.</summary>
    public const string Parse = "Dsl.Parse";

    /// <summary>The diagnostics of a declaration.</summary>
    public const string Diagnostics = "Dsl.Diagnostics";

    /// <summary>The checked model that code is generated from.</summary>
    public const string Model = "Dsl.Model";

    /// <summary>The DSL002 check on declarations without [Input].</summary>
    public const string MissingInput = "Dsl.MissingInput";
}
