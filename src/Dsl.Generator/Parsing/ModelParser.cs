using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Dsl.Generator.Diagnostics;
using Dsl.Generator.Model;
using Dsl.Generator.Shapes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Dsl.Generator.Parsing;

/// <summary>
/// The transform step: reads a class carrying [Input] into plain data, checks it, and returns the model to
/// emit together with its diagnostics. No Roslyn symbol or syntax node leaves this class.
/// </summary>
internal static class ModelParser
{
    public static ModelResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        => Guard(context.TargetSymbol.Name, () => LocationInfo.From((context.TargetNode as TypeDeclarationSyntax)?.Identifier.GetLocation()),
            () => ParseCore(context, cancellationToken));

    /// <summary>Runs <paramref name="parse"/>; an exception (other than cancellation) becomes DSL900 on the class name instead of CS8785.</summary>
    internal static ModelResult Guard(string name, Func<LocationInfo?> location, Func<ModelResult> parse)
    {
        try
        {
            return parse();
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception ex)
        {
            return new ModelResult(null, new[] { InternalError(name, location(), ex) }.ToEquatableArray());
        }
    }

    /// <summary>DSL900 for an exception: its type and message, without a trailing full stop.</summary>
    internal static DiagnosticInfo InternalError(string name, LocationInfo? location, Exception ex)
        => DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, location, name, ex.GetType().Name + ": " + ex.Message.TrimEnd('.'));

    private static ModelResult ParseCore(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not INamedTypeSymbol symbol || context.TargetNode is not TypeDeclarationSyntax syntax)
            return new ModelResult(null, EquatableArray<DiagnosticInfo>.Empty);

        var diagnostics = new List<DiagnosticInfo>();
        LocationInfo? classLocation = LocationInfo.From(syntax.Identifier.GetLocation());

        // Structure of the class: partial all the way out, not generic.
        if (!IsPartial(symbol))
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NotPartial, classLocation, symbol.Name, ""));
        var containing = new List<string>();
        for (INamedTypeSymbol? outer = symbol.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            if (!IsPartial(outer))
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NotPartial, classLocation, outer.Name, $": '{symbol.Name}' is nested in it"));
            if (outer.TypeParameters.Length > 0)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.GenericModel, classLocation, $"Model class '{symbol.Name}' is nested in the generic type '{outer.Name}'"));
            containing.Insert(0, $"partial {TypeKeyword(outer)} {outer.Name}");
        }
        if (symbol.TypeParameters.Length > 0)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.GenericModel, classLocation, $"Model class '{symbol.Name}' is generic"));

        var attributes = new List<ParsedAttribute>();
        foreach (AttributeData data in symbol.GetAttributes())
        {
            cancellationToken.ThrowIfCancellationRequested();
            string? kind = KindOf(data.AttributeClass);
            if (kind is null) continue;
            // The compiler already reports attributes it cannot bind (wrong argument types and the like);
            // generating from a half-read declaration would only add follow-on errors.
            if (data.AttributeConstructor is null) return new ModelResult(null, diagnostics.ToEquatableArray());
            attributes.Add(Read(kind, data, cancellationToken));
        }

        string ns = symbol.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() : "";
        var parsed = new ParsedModel(ns, TypeKeyword(symbol), symbol.Name, classLocation, containing.ToEquatableArray(), attributes);
        ModelSpec? model = ShapeChecker.Check(parsed, diagnostics);
        bool hasErrors = diagnostics.Any(d => DiagnosticDescriptors.ById(d.Id).DefaultSeverity == DiagnosticSeverity.Error);
        return new ModelResult(hasErrors ? null : model, diagnostics.ToEquatableArray());
    }

    /// <summary>Which Dsl attribute this is, or null for any other attribute.</summary>
    public static string? KindOf(INamedTypeSymbol? attributeClass)
    {
        if (attributeClass is null) return null;
        string name = attributeClass.ToDisplayString();
        return name == AttributeNames.Input || Array.IndexOf(AttributeNames.NonInput, name) >= 0 ? name : null;
    }

    private static bool IsPartial(INamedTypeSymbol type)
        => type.DeclaringSyntaxReferences.Any(r => r.GetSyntax() is TypeDeclarationSyntax t && t.Modifiers.Any(SyntaxKind.PartialKeyword));

    public static string TypeKeyword(INamedTypeSymbol type) => type switch
    {
        { IsRecord: true, TypeKind: TypeKind.Struct } => "record struct",
        { IsRecord: true } => "record",
        { TypeKind: TypeKind.Struct } => "struct",
        { TypeKind: TypeKind.Interface } => "interface",
        _ => "class",
    };

    private static ParsedAttribute Read(string kind, AttributeData data, CancellationToken cancellationToken)
    {
        var syntax = data.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
        string display = syntax is null ? kind : Normalize(syntax.ToString());
        LocationInfo? whole = LocationInfo.From(syntax);
        var attribute = new ParsedAttribute(kind, display, whole);

        if (kind == AttributeNames.Input)
        {
            TypedConstant shape = data.ConstructorArguments.Length > 0 ? data.ConstructorArguments[0] : default;
            var positional = PositionalArguments(syntax);
            bool expanded = !(positional.Count == 1 && positional[0].Expression is ArrayCreationExpressionSyntax or ImplicitArrayCreationExpressionSyntax or CollectionExpressionSyntax);
            if (shape.Kind == TypedConstantKind.Array && !shape.IsNull)
            {
                for (int i = 0; i < shape.Values.Length; i++)
                {
                    attribute.Ints.Add(shape.Values[i].Value is int v ? v : 0);
                    attribute.IntLocations.Add(expanded && i < positional.Count ? LocationInfo.From(positional[i]) : whole);
                }
            }
        }
        else if (kind == AttributeNames.Dense || kind == AttributeNames.Conv)
        {
            bool conv = kind == AttributeNames.Conv;
            string[] names = conv ? ["filters", "kernel"] : ["units"];
            for (int i = 0; i < names.Length; i++)
            {
                attribute.Ints.Add(IntArgument(data, i));
                attribute.IntLocations.Add(ArgumentLocation(syntax, i, names[i]) ?? whole);
            }
            attribute.EnumValue = IntArgument(data, names.Length);
            attribute.EnumLocation = ArgumentLocation(syntax, names.Length, "act") ?? whole;
            foreach (var named in data.NamedArguments)
            {
                if (named.Key == nameof(ConvAttribute.Stride) && named.Value.Value is int stride)
                {
                    attribute.Stride = stride;
                    attribute.StrideSet = true;
                    attribute.StrideLocation = NamedLocation(syntax, named.Key) ?? whole;
                }
                else if (named.Key == nameof(ConvAttribute.Padding) && named.Value.Value is int padding)
                {
                    attribute.Padding = padding;
                    attribute.PaddingLocation = NamedLocation(syntax, named.Key) ?? whole;
                }
                if (named.Key == nameof(DenseAttribute.L2) && named.Value.Value is double l2)
                {
                    attribute.L2 = l2;
                    attribute.L2Location = NamedLocation(syntax, named.Key) ?? whole;
                }
                else if (named.Key == nameof(DenseAttribute.Init) && named.Value.Value is int init)
                {
                    attribute.Init = init;
                    attribute.InitLocation = NamedLocation(syntax, named.Key) ?? whole;
                }
            }
        }
        else if (kind == AttributeNames.MaxPool || kind == AttributeNames.AvgPool)
        {
            attribute.Ints.Add(IntArgument(data, 0));
            attribute.IntLocations.Add(ArgumentLocation(syntax, 0, "size") ?? whole);
            attribute.Stride = attribute.Ints[0];
            foreach (var named in data.NamedArguments)
            {
                if (named.Key == nameof(MaxPoolAttribute.Stride) && named.Value.Value is int stride)
                {
                    attribute.Stride = stride;
                    attribute.StrideSet = true;
                    attribute.StrideLocation = NamedLocation(syntax, named.Key) ?? whole;
                }
            }
        }
        else if (kind == AttributeNames.Dropout)
        {
            attribute.Rate = data.ConstructorArguments.Length > 0 && data.ConstructorArguments[0].Value is double rate ? rate : 0;
            attribute.RateLocation = ArgumentLocation(syntax, 0, "rate") ?? whole;
        }
        else if (kind == AttributeNames.Loss || kind == AttributeNames.Precision)
        {
            attribute.EnumValue = IntArgument(data, 0);
            attribute.EnumLocation = ArgumentLocation(syntax, 0, kind == AttributeNames.Loss ? "loss" : "precision") ?? whole;
        }
        return attribute;
    }

    private static int IntArgument(AttributeData data, int index)
        => index < data.ConstructorArguments.Length && data.ConstructorArguments[index].Value is int v ? v : 0;

    private static List<AttributeArgumentSyntax> PositionalArguments(AttributeSyntax? syntax)
        => syntax?.ArgumentList?.Arguments.Where(a => a.NameEquals is null && a.NameColon is null).ToList() ?? [];

    /// <summary>The syntax of constructor argument <paramref name="index"/>, written positionally or as <c>name: value</c>.</summary>
    private static LocationInfo? ArgumentLocation(AttributeSyntax? syntax, int index, string parameterName)
    {
        if (syntax?.ArgumentList is null) return null;
        var byName = syntax.ArgumentList.Arguments.FirstOrDefault(a => a.NameColon?.Name.Identifier.ValueText == parameterName);
        if (byName is not null) return LocationInfo.From(byName);
        var positional = PositionalArguments(syntax);
        return index < positional.Count ? LocationInfo.From(positional[index]) : null;
    }

    private static LocationInfo? NamedLocation(AttributeSyntax? syntax, string property)
        => LocationInfo.From(syntax?.ArgumentList?.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == property));

    private static string Normalize(string text) => string.Join(" ", text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}
