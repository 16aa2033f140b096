using System;
using System.Collections.Generic;
using System.Linq;
using Dsl.Generator.Diagnostics;
using Dsl.Generator.Model;
using Dsl.Generator.Parsing;

namespace Dsl.Generator.Shapes;

/// <summary>
/// Checks a parsed declaration and infers every layer's output shape. Every problem becomes a diagnostic on the
/// attribute or argument at fault; inference stops at the first layer whose input shape is unknown, so one
/// mistake does not cascade into a list of follow-on errors.
/// </summary>
internal static class ShapeChecker
{
    public static ModelSpec? Check(ParsedModel model, List<DiagnosticInfo> diagnostics)
    {
        ParsedAttribute? input = model.Attributes.FirstOrDefault(a => a.Kind == AttributeNames.Input);
        if (input is null) return null;
        ParsedAttribute? loss = model.Attributes.FirstOrDefault(a => a.Kind == AttributeNames.Loss);
        ParsedAttribute? precision = model.Attributes.FirstOrDefault(a => a.Kind == AttributeNames.Precision);
        List<ParsedAttribute> layers = model.Attributes.Where(IsLayer).ToList();

        int inputPosition = model.Attributes.IndexOf(input);
        ParsedAttribute? early = model.Attributes.Take(inputPosition).FirstOrDefault(IsLayer);
        if (early is not null)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InputNotFirst, input.Location, $"layer 1 [{early.Display}]"));

        // Input: rank 1 or 3, every dimension positive.
        EquatableArray<int>? shape = CheckInput(input, diagnostics);
        EquatableArray<int> inputShape = shape ?? EquatableArray<int>.Empty;

        Precision prec = Precision.Single;
        if (precision is not null)
        {
            if (Enum.IsDefined(typeof(Precision), precision.EnumValue)) prec = (Precision)precision.EnumValue;
            else diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnknownEnumValue, precision.EnumLocation, "Precision", $"[{precision.Display}]", "Dsl.Precision", precision.EnumValue));
        }

        if (layers.Count == 0)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NoLayers, input.Location, model.ClassName));

        var specs = new List<LayerSpec>();
        long parameters = 0;
        bool tooLarge = false;
        for (int i = 0; i < layers.Count; i++)
        {
            ParsedAttribute layer = layers[i];
            string name = $"layer {i + 1} [{layer.Display}]";
            bool isLast = i == layers.Count - 1;
            LayerSpec? spec = layer.Kind == AttributeNames.Dense
                ? CheckDense(layer, i + 1, name, shape, isLast, diagnostics)
                : Flatten(layer, i + 1, shape);
            shape = spec?.OutShape;
            if (spec is null) continue;
            specs.Add(spec);

            parameters += (long)spec.WeightCount + spec.BiasCount;
            if (!tooLarge && parameters > int.MaxValue)
            {
                tooLarge = true;
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TooLarge, layer.Location, name, "parameter count", int.MaxValue));
            }
        }

        Loss lossKind = Loss.MeanSquaredError;
        if (loss is not null)
        {
            if (!Enum.IsDefined(typeof(Loss), loss.EnumValue))
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnknownEnumValue, loss.EnumLocation, "Loss", $"[{loss.Display}]", "Dsl.Loss", loss.EnumValue));
            else
            {
                lossKind = (Loss)loss.EnumValue;
                CheckLossFits(loss, lossKind, layers, specs, diagnostics);
            }
        }

        if (shape is null || specs.Count != layers.Count) return null;
        return new ModelSpec(model.Namespace, model.Keyword, model.ClassName, model.ContainingTypes, prec, inputShape, specs.ToEquatableArray(), loss is not null, lossKind);
    }

    private static bool IsLayer(ParsedAttribute a) => a.Kind == AttributeNames.Dense || a.Kind == AttributeNames.Flatten;

    private static EquatableArray<int>? CheckInput(ParsedAttribute input, List<DiagnosticInfo> diagnostics)
    {
        bool ok = true;
        if (input.Ints.Count != 1 && input.Ints.Count != 3)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InputRank, input.Location,
                input.Ints.Count == 0 ? "none" : $"{input.Ints.Count} ({ShapeMath.Format(input.Ints.ToEquatableArray())})"));
            ok = false;
        }
        for (int d = 0; d < input.Ints.Count; d++)
        {
            if (input.Ints[d] > 0) continue;
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonPositiveSize, input.IntLocations[d],
                $"Dimension {d + 1}", $"[{input.Display}]", input.Ints[d]));
            ok = false;
        }
        if (ok && input.Ints.Aggregate(1L, (p, d) => p * d) * ShapeMath.TileSize > int.MaxValue)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TooLarge, input.Location, $"[{input.Display}]", "activation buffer (input size x 64 samples per tile)", int.MaxValue));
            ok = false;
        }
        return ok ? input.Ints.ToEquatableArray() : null;
    }

    private static LayerSpec? CheckDense(ParsedAttribute layer, int index, string name, EquatableArray<int>? inShape, bool isLast, List<DiagnosticInfo> diagnostics)
    {
        bool ok = true;
        int units = layer.Ints[0];
        if (units <= 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonPositiveSize, layer.IntLocations[0], "Units", name, units));
            ok = false;
        }
        Act act = Act.Linear;
        if (Enum.IsDefined(typeof(Act), layer.EnumValue)) act = (Act)layer.EnumValue;
        else
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnknownEnumValue, layer.EnumLocation, "Activation", name, "Dsl.Act", layer.EnumValue));
            ok = false;
        }
        if (!Enum.IsDefined(typeof(Init), layer.Init))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnknownEnumValue, layer.InitLocation, "Init", name, "Dsl.Init", layer.Init));
            ok = false;
        }
        if (!(layer.L2 >= 0) || double.IsInfinity(layer.L2))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidL2, layer.L2Location, name, layer.L2.ToString("R", System.Globalization.CultureInfo.InvariantCulture)));
            ok = false;
        }
        if (act == Act.Softmax && !isLast)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SoftmaxNotLast, layer.EnumLocation, name));

        if (inShape is not { } shape) return null;
        if (shape.Count != 1)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnflattenedDense, layer.Location, name, ShapeMath.Format(shape)));
            return null;
        }
        if (!ok) return null;
        if ((long)units * shape[0] > int.MaxValue)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TooLarge, layer.IntLocations[0], name, $"weight count (units x inputs = {units} x {shape[0]})", int.MaxValue));
            return null;
        }
        if ((long)units * ShapeMath.TileSize > int.MaxValue)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TooLarge, layer.IntLocations[0], name, $"activation buffer (units x {ShapeMath.TileSize} samples per tile)", int.MaxValue));
            return null;
        }
        return new LayerSpec(index, LayerKind.Dense, layer.Display, shape, new[] { units }.ToEquatableArray(), act, layer.L2, (Init)layer.Init);
    }

    private static LayerSpec? Flatten(ParsedAttribute layer, int index, EquatableArray<int>? inShape)
        => inShape is { } shape
            ? new LayerSpec(index, LayerKind.Flatten, layer.Display, shape, new[] { ShapeMath.Size(shape) }.ToEquatableArray(), Act.Linear, 0, Init.GlorotUniform)
            : null;

    private static void CheckLossFits(ParsedAttribute loss, Loss kind, List<ParsedAttribute> layers, List<LayerSpec> specs, List<DiagnosticInfo> diagnostics)
    {
        Act? needed = kind switch
        {
            Loss.CrossEntropy => Act.Softmax,
            Loss.BinaryCrossEntropy => Act.Sigmoid,
            _ => null,
        };
        if (needed is null || layers.Count == 0) return;
        ParsedAttribute last = layers[layers.Count - 1];
        string has;
        if (last.Kind != AttributeNames.Dense) has = "has no activation";
        else if (!Enum.IsDefined(typeof(Act), last.EnumValue)) return; // already DSL010
        else if ((Act)last.EnumValue == needed) return;
        else has = $"has activation {(Act)last.EnumValue}";
        string fix = kind == Loss.CrossEntropy
            ? "use Act.Softmax on the last layer, or Loss.BinaryCrossEntropy with Act.Sigmoid for independent outputs"
            : "use Act.Sigmoid on the last layer, or Loss.CrossEntropy with Act.Softmax for exclusive classes";
        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LossMismatch, loss.Location, kind, needed, $"layer {layers.Count} [{last.Display}]", has, fix));
    }
}
