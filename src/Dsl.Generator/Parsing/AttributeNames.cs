namespace Dsl.Generator.Parsing;

/// <summary>Metadata names of the attributes, taken from the attribute classes themselves so they cannot drift.</summary>
internal static class AttributeNames
{
    public static readonly string Input = typeof(InputAttribute).FullName!;
    public static readonly string Dense = typeof(DenseAttribute).FullName!;
    public static readonly string Flatten = typeof(FlattenAttribute).FullName!;
    public static readonly string Conv = typeof(ConvAttribute).FullName!;
    public static readonly string MaxPool = typeof(MaxPoolAttribute).FullName!;
    public static readonly string AvgPool = typeof(AvgPoolAttribute).FullName!;
    public static readonly string Dropout = typeof(DropoutAttribute).FullName!;
    public static readonly string Loss = typeof(LossAttribute).FullName!;
    public static readonly string Precision = typeof(PrecisionAttribute).FullName!;

    /// <summary>Attributes that can start a model declaration without [Input]; each triggers the DSL002 check.</summary>
    public static readonly string[] NonInput = [Dense, Flatten, Conv, MaxPool, AvgPool, Dropout, Loss, Precision];

    /// <summary>Attributes that declare a layer.</summary>
    public static readonly string[] Layers = [Dense, Flatten, Conv, MaxPool, AvgPool, Dropout];
}
