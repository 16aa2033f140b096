using System.Collections.Generic;
using Dsl.Generator.Model;

namespace Dsl.Generator.Parsing;

/// <summary>
/// One attribute as read from the declaration, with the locations its diagnostics point at. Lives only inside
/// the transform step; the pipeline carries <see cref="ModelSpec"/> and <see cref="DiagnosticInfo"/> instead.
/// </summary>
internal sealed class ParsedAttribute
{
    public ParsedAttribute(string kind, string display, LocationInfo? location)
    {
        Kind = kind;
        Display = display;
        Location = location;
    }

    /// <summary>Attribute metadata name, one of <see cref="AttributeNames"/>.</summary>
    public string Kind { get; }

    /// <summary>The attribute as written, for example <c>Dense(3, Act.Tanh)</c>.</summary>
    public string Display { get; }

    /// <summary>The whole attribute.</summary>
    public LocationInfo? Location { get; }

    /// <summary>Integer arguments: Input's dimensions, Dense's units.</summary>
    public List<int> Ints { get; } = [];

    /// <summary>Locations of <see cref="Ints"/>, one each (the attribute's, where an argument has no syntax of its own).</summary>
    public List<LocationInfo?> IntLocations { get; } = [];

    /// <summary>Enum argument (activation, loss, precision) as its underlying value.</summary>
    public int EnumValue { get; set; }

    public LocationInfo? EnumLocation { get; set; }

    /// <summary>Stride (Conv, pools) and whether it was written; a pool's default is its size.</summary>
    public int Stride { get; set; } = 1;

    public bool StrideSet { get; set; }

    public LocationInfo? StrideLocation { get; set; }

    /// <summary>Padding (Conv) as its underlying value.</summary>
    public int Padding { get; set; }

    public LocationInfo? PaddingLocation { get; set; }

    /// <summary>Dropout rate.</summary>
    public double Rate { get; set; }

    public LocationInfo? RateLocation { get; set; }

    public double L2 { get; set; }

    public LocationInfo? L2Location { get; set; }

    public int Init { get; set; }

    public LocationInfo? InitLocation { get; set; }
}

/// <summary>The declaration as read: the class and its Dsl attributes in order.</summary>
internal sealed class ParsedModel
{
    public ParsedModel(string ns, string keyword, string className, LocationInfo? classLocation, EquatableArray<string> containingTypes, List<ParsedAttribute> attributes)
    {
        Namespace = ns;
        Keyword = keyword;
        ClassName = className;
        ClassLocation = classLocation;
        ContainingTypes = containingTypes;
        Attributes = attributes;
    }

    public string Namespace { get; }

    /// <summary><c>class</c> or <c>record</c>.</summary>
    public string Keyword { get; }

    public string ClassName { get; }

    public LocationInfo? ClassLocation { get; }

    public EquatableArray<string> ContainingTypes { get; }

    public List<ParsedAttribute> Attributes { get; }
}
