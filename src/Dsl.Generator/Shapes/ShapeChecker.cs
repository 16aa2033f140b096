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
            LayerSpec? spec = layer.Kind == AttributeNames.Dense ? CheckDense(layer, i + 1, name, shape, isLast, diagnostics)
                : layer.Kind == AttributeNames.Conv ? CheckConv(layer, i + 1, name, shape, isLast, diagnostics)
                : layer.Kind == AttributeNames.MaxPool || layer.Kind == AttributeNames.AvgPool ? CheckPool(layer, i + 1, name, shape, diagnostics)
                : layer.Kind == AttributeNames.Dropout ? CheckDropout(layer, i + 1, name, shape, diagnostics)
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
                CheckLossFits(loss, lossKind, layers, diagnostics);
            }
        }

        if (shape is null || specs.Count != layers.Count) return null;
        return new ModelSpec(model.Namespace, model.Keyword, model.ClassName, model.ContainingTypes, prec, inputShape, specs.ToEquatableArray(), loss is not null, lossKind);
    }

    private static bool IsLayer(ParsedAttribute a) => Array.IndexOf(AttributeNames.Layers, a.Kind) >= 0;

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
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TooLarge, input.Location, $"[{input.Display}]", $"activation buffer (input size x {ShapeMath.TileSize} samples per tile)", int.MaxValue));
            ok = false;
        }
        return ok ? input.Ints.ToEquatableArray() : null;
    }

    /// <summary>Activation, initialiser, L2 and the Softmax placement of a layer with weights; false when one is invalid.</summary>
    private static bool CheckWeighted(ParsedAttribute layer, string name, bool isLast, List<DiagnosticInfo> diagnostics, out Act act)
    {
        bool ok = true;
        act = Act.Linear;
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
        return ok;
    }

    /// <summary>DSL003 for a size argument that is not positive.</summary>
    private static bool Positive(int value, string what, LocationInfo? location, string name, List<DiagnosticInfo> diagnostics)
    {
        if (value > 0) return true;
        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonPositiveSize, location, what, name, value));
        return false;
    }

    private static bool FitsTile(long size, LocationInfo? location, string name, List<DiagnosticInfo> diagnostics)
    {
        if (size * ShapeMath.TileSize <= int.MaxValue) return true;
        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TooLarge, location, name, $"activation buffer (output size {size} x {ShapeMath.TileSize} samples per tile)", int.MaxValue));
        return false;
    }

    private static LayerSpec? CheckDense(ParsedAttribute layer, int index, string name, EquatableArray<int>? inShape, bool isLast, List<DiagnosticInfo> diagnostics)
    {
        int units = layer.Ints[0];
        bool ok = Positive(units, "Units", layer.IntLocations[0], name, diagnostics);
        ok &= CheckWeighted(layer, name, isLast, diagnostics, out Act act);

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
        if (!FitsTile(units, layer.IntLocations[0], name, diagnostics)) return null;
        return new LayerSpec(index, LayerKind.Dense, layer.Display, shape, new[] { units }.ToEquatableArray(), act, layer.L2, (Init)layer.Init);
    }

    private static LayerSpec? CheckConv(ParsedAttribute layer, int index, string name, EquatableArray<int>? inShape, bool isLast, List<DiagnosticInfo> diagnostics)
    {
        int filters = layer.Ints[0], kernel = layer.Ints[1];
        bool ok = Positive(filters, "Filters", layer.IntLocations[0], name, diagnostics);
        ok &= Positive(kernel, "Kernel", layer.IntLocations[1], name, diagnostics);
        ok &= Positive(layer.Stride, "Stride", layer.StrideLocation ?? layer.Location, name, diagnostics);
        ok &= CheckWeighted(layer, name, isLast, diagnostics, out Act act);
        if (!Enum.IsDefined(typeof(Padding), layer.Padding))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnknownEnumValue, layer.PaddingLocation, "Padding", name, "Dsl.Padding", layer.Padding));
            ok = false;
        }
        if (inShape is not { } shape || !SpatialInput(layer, name, shape, diagnostics) || !ok) return null;

        int channels = shape[0], height = shape[1], width = shape[2], stride = layer.Stride;
        int outH, outW, padTop = 0, padLeft = 0;
        if ((Padding)layer.Padding == Padding.Same)
        {
            outH = (height + stride - 1) / stride;
            outW = (width + stride - 1) / stride;
            padTop = Math.Max((outH - 1) * stride + kernel - height, 0) / 2;
            padLeft = Math.Max((outW - 1) * stride + kernel - width, 0) / 2;
        }
        else
        {
            if (!WindowFits(layer, name, shape, kernel, "use a smaller kernel, Padding = Padding.Same, or fewer pooling layers before it", diagnostics)) return null;
            outH = (height - kernel) / stride + 1;
            outW = (width - kernel) / stride + 1;
            WarnUnused(layer, name, shape, kernel, stride, diagnostics);
        }
        WarnStride(layer, name, kernel, stride, diagnostics);
        if ((long)filters * channels * kernel * kernel > int.MaxValue || (long)channels * kernel * kernel * outH * outW * 2 > int.MaxValue)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TooLarge, layer.Location, name, "weight count or patch matrix", int.MaxValue));
            return null;
        }
        if (!FitsTile((long)filters * outH * outW, layer.Location, name, diagnostics)) return null;
        return new LayerSpec(index, LayerKind.Conv, layer.Display, shape, new[] { filters, outH, outW }.ToEquatableArray(), act, layer.L2, (Init)layer.Init)
        {
            Kernel = kernel, Stride = stride, PadTop = padTop, PadLeft = padLeft,
        };
    }

    private static LayerSpec? CheckPool(ParsedAttribute layer, int index, string name, EquatableArray<int>? inShape, List<DiagnosticInfo> diagnostics)
    {
        int size = layer.Ints[0];
        bool ok = Positive(size, "Size", layer.IntLocations[0], name, diagnostics);
        if (layer.StrideSet) ok &= Positive(layer.Stride, "Stride", layer.StrideLocation, name, diagnostics);
        if (inShape is not { } shape || !SpatialInput(layer, name, shape, diagnostics) || !ok) return null;
        int stride = layer.Stride;
        if (!WindowFits(layer, name, shape, size, "use a smaller size or fewer pooling layers before it", diagnostics)) return null;
        WarnUnused(layer, name, shape, size, stride, diagnostics);
        WarnStride(layer, name, size, stride, diagnostics);
        int outH = (shape[1] - size) / stride + 1, outW = (shape[2] - size) / stride + 1;
        LayerKind kind = layer.Kind == AttributeNames.MaxPool ? LayerKind.MaxPool : LayerKind.AvgPool;
        return new LayerSpec(index, kind, layer.Display, shape, new[] { shape[0], outH, outW }.ToEquatableArray(), Act.Linear, 0, Init.GlorotUniform)
        {
            Kernel = size, Stride = stride,
        };
    }

    private static LayerSpec? CheckDropout(ParsedAttribute layer, int index, string name, EquatableArray<int>? inShape, List<DiagnosticInfo> diagnostics)
    {
        if (!(layer.Rate >= 0 && layer.Rate < 1))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DropoutRate, layer.RateLocation, name, layer.Rate.ToString("R", System.Globalization.CultureInfo.InvariantCulture)));
            return null;
        }
        return inShape is { } shape
            ? new LayerSpec(index, LayerKind.Dropout, layer.Display, shape, shape, Act.Linear, 0, Init.GlorotUniform) { Rate = layer.Rate }
            : null;
    }

    /// <summary>DSL015: a spatial layer needs a (channels, height, width) map.</summary>
    private static bool SpatialInput(ParsedAttribute layer, string name, EquatableArray<int> shape, List<DiagnosticInfo> diagnostics)
    {
        if (shape.Count == 3) return true;
        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SpatialOnFlat, layer.Location, name, ShapeMath.Format(shape)));
        return false;
    }

    /// <summary>DSL014: the window must fit inside the (unpadded) map.</summary>
    private static bool WindowFits(ParsedAttribute layer, string name, EquatableArray<int> shape, int window, string fix, List<DiagnosticInfo> diagnostics)
    {
        if (window <= shape[1] && window <= shape[2]) return true;
        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.WindowTooLarge, layer.Location, name, window, ShapeMath.Format(shape), shape[1], shape[2], fix));
        return false;
    }

    /// <summary>DSL017: rows or columns that no window reaches are dropped (floor), as PyTorch and Keras do.</summary>
    private static void WarnUnused(ParsedAttribute layer, string name, EquatableArray<int> shape, int window, int stride, List<DiagnosticInfo> diagnostics)
    {
        int rows = (shape[1] - window) % stride, cols = (shape[2] - window) % stride;
        if (rows == 0 && cols == 0) return;
        string Count(int n, string what) => $"{n} {what}{(n == 1 ? "" : "s")}";
        string unused = rows > 0 && cols > 0 ? $"the last {Count(rows, "row")} and {Count(cols, "column")}" : rows > 0 ? $"the last {Count(rows, "row")}" : $"the last {Count(cols, "column")}";
        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnusedInput, layer.Location, name, ShapeMath.Format(shape), window, stride, unused));
    }

    /// <summary>DSL018: a stride larger than the window skips inputs.</summary>
    private static void WarnStride(ParsedAttribute layer, string name, int window, int stride, List<DiagnosticInfo> diagnostics)
    {
        if (stride > window)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.StrideLargerThanWindow, layer.StrideLocation ?? layer.Location, name, stride, window));
    }

    private static LayerSpec? Flatten(ParsedAttribute layer, int index, EquatableArray<int>? inShape)
        => inShape is { } shape
            ? new LayerSpec(index, LayerKind.Flatten, layer.Display, shape, new[] { ShapeMath.Size(shape) }.ToEquatableArray(), Act.Linear, 0, Init.GlorotUniform)
            : null;

    /// <summary>
    /// DSL004 when the loss does not accept the last layer's activation, DSL019 for a probability loss on Sigmoid outputs.
    /// CrossEntropy and BinaryCrossEntropy are fused with a Dense layer's Softmax / Sigmoid; KLDivergence and
    /// NegativeLogLikelihood take the log of probabilities (Softmax; Sigmoid with a warning); Hinge needs scores that reach
    /// -1 and 1 (Linear or Tanh, or a last layer without activation); the squared errors and Huber accept any output.
    /// </summary>
    private static void CheckLossFits(ParsedAttribute loss, Loss kind, List<ParsedAttribute> layers, List<DiagnosticInfo> diagnostics)
    {
        if (layers.Count == 0) return;
        ParsedAttribute last = layers[layers.Count - 1];
        string lastName = $"layer {layers.Count} [{last.Display}]";
        bool weighted = last.Kind == AttributeNames.Dense || last.Kind == AttributeNames.Conv;
        bool known = Enum.IsDefined(typeof(Act), last.EnumValue);
        Act? act = weighted && known ? (Act)last.EnumValue : null;
        string has = act is { } a ? $"has activation {a}" : "has no activation";

        void Mismatch(string needed, string fix)
            => diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LossMismatch, loss.Location, kind, needed, lastName, has, fix));

        switch (kind)
        {
            case Loss.CrossEntropy:
            case Loss.BinaryCrossEntropy:
            {
                Act needed = kind == Loss.CrossEntropy ? Act.Softmax : Act.Sigmoid;
                if (last.Kind == AttributeNames.Conv) has = "is a convolution; add [Flatten] and a Dense output layer";
                else if (last.Kind == AttributeNames.Dense && !known) return; // already DSL010
                else if (act == needed) return;
                Mismatch(needed.ToString(), kind == Loss.CrossEntropy
                    ? "use Act.Softmax on the last layer, or Loss.BinaryCrossEntropy with Act.Sigmoid for independent outputs"
                    : "use Act.Sigmoid on the last layer, or Loss.CrossEntropy with Act.Softmax for exclusive classes");
                return;
            }
            case Loss.KLDivergence:
            case Loss.NegativeLogLikelihood:
                if (weighted && !known) return; // already DSL010
                if (act == Act.Softmax) return;
                if (act == Act.Sigmoid)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ProbabilityLossOnSigmoid, loss.Location, kind, lastName));
                    return;
                }
                Mismatch("Softmax", kind == Loss.KLDivergence
                    ? "the divergence compares probability distributions: use Act.Softmax on the last layer"
                    : "the loss takes the log of probabilities: use Act.Softmax on the last layer (Loss.CrossEntropy computes the same loss from its logits)");
                return;
            case Loss.Hinge:
                if (!weighted || !known || act == Act.Linear || act == Act.Tanh) return;
                Mismatch("Linear or Tanh", "hinge scores must reach -1 and 1 (targets 0/1 are read as -1/1): use Act.Linear or Act.Tanh on the last layer");
                return;
            default:
                return; // the squared errors and Huber take any output
        }
    }
}
