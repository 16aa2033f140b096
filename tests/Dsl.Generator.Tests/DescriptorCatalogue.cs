extern alias generator;

using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;

namespace Dsl.Generator.Tests;

/// <summary>The generator's descriptor catalogue, read by reflection (it is internal to the generator).</summary>
internal static class DescriptorCatalogue
{
    public static IReadOnlyList<DiagnosticDescriptor> All { get; } = typeof(generator::Dsl.Generator.DslGenerator).Assembly
        .GetType("Dsl.Generator.Diagnostics.DiagnosticDescriptors")!
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
        .Select(f => (DiagnosticDescriptor)f.GetValue(null)!)
        .ToList();
}
