using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using System.Text;
using Dsl.Runtime;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace Dsl.Generator.Tests;

/// <summary>
/// Thousands of random declarations, valid and invalid: every attribute kind (Input, Dense, Conv, MaxPool, AvgPool,
/// Dropout, Flatten, Loss, Precision), extreme numbers, unknown enum values,
/// non-constant arguments, non-partial, generic and nested classes. For each: the generator never throws (no DSL900,
/// no CS8785); no error ever sits in generated code; a declaration with errors carries a DSL error or a compiler error
/// on the declaration itself (a non-constant argument, which the compiler reports); and every declaration that
/// compiles cleanly yields a model whose Forward (and TrainStep, with a loss) runs and gives finite numbers.
/// </summary>
public class RandomizedDeclarationTests
{
    private const int Declarations = 2000;
    private const int PerCompilation = 100;

    [Fact]
    public void TwoThousandDeclarations()
    {
        var random = new Random(20261121);
        int valid = 0, invalid = 0;
        for (int chunk = 0; chunk < Declarations / PerCompilation; chunk++)
        {
            var sources = new List<string>();
            for (int k = 0; k < PerCompilation; k++) sources.Add(RandomDeclaration(random, $"R{chunk * PerCompilation + k}"));
            var (goodSources, badCount) = Classify(sources);
            valid += goodSources.Count;
            invalid += badCount;
            RunValidModels(goodSources);
        }
        Assert.Equal(Declarations, valid + invalid);
        // The generator of declarations is meant to exercise both sides in earnest.
        Assert.InRange(valid, Declarations / 5, Declarations * 4 / 5);
    }

    /// <summary>Runs the generator on one compilation of many declarations and checks each declaration's outcome.</summary>
    private static (List<string> Valid, int Invalid) Classify(List<string> sources)
    {
        var (result, diagnostics) = GeneratorHarness.Run(sources.ToArray());
        Assert.Empty(result.Results.Where(r => r.Exception is not null).Select(r => r.Exception!.ToString()));
        var all = result.Diagnostics.Concat(diagnostics).ToList();
        Assert.DoesNotContain(all, d => d.Id is "DSL900" or "CS8785");
        var errorsInGenerated = all.Where(d => d.Severity == DiagnosticSeverity.Error && d.Location.GetLineSpan().Path.EndsWith(".g.cs", StringComparison.Ordinal)).ToList();
        if (errorsInGenerated.Count > 0)
            Assert.Fail("Generated code has errors:\n" + string.Join("\n", errorsInGenerated.Take(5)) + "\n" + Describe(sources, errorsInGenerated[0]));

        var valid = new List<string>();
        int invalid = 0;
        for (int i = 0; i < sources.Count; i++)
        {
            string path = $"Model{i}.cs";
            var errors = all.Where(d => d.Severity == DiagnosticSeverity.Error && d.Location.GetLineSpan().Path == path).ToList();
            if (errors.Count == 0)
            {
                valid.Add(sources[i]);
                continue;
            }
            invalid++;
            bool explained = errors.Any(d => d.Id.StartsWith("DSL", StringComparison.Ordinal)) || sources[i].Contains("NotConstant", StringComparison.Ordinal);
            Assert.True(explained, "Declaration failed without a DSL error:\n" + sources[i] + "\n" + string.Join("\n", errors));
        }
        return (valid, invalid);
    }

    private static string Describe(List<string> sources, Diagnostic d)
    {
        string file = Path.GetFileName(d.Location.GetLineSpan().Path);
        string name = file.Split('.').FirstOrDefault(p => p.StartsWith('R')) ?? "";
        return sources.FirstOrDefault(s => s.Contains($"namespace {name};", StringComparison.Ordinal)) ?? "";
    }

    /// <summary>Compiles the valid declarations, loads them, and runs each model.</summary>
    private static void RunValidModels(List<string> sources)
    {
        if (sources.Count == 0) return;
        CSharpCompilation compilation = GeneratorHarness.Compile(sources.ToArray());
        GeneratorHarness.CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out _);
        using var stream = new MemoryStream();
        var emit = output.Emit(stream);
        Assert.True(emit.Success, string.Join("\n", emit.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Take(5)));
        stream.Position = 0;
        var context = new AssemblyLoadContext("random-models", isCollectible: true);
        try
        {
            Assembly assembly = context.LoadFromStream(stream);
            foreach (Type type in assembly.GetTypes().Where(t => t.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IModel<>))))
            {
                object model = Activator.CreateInstance(type, 1)!;
                if (model is IModel<float> f) Exercise(f);
                else Exercise((IModel<double>)model);
            }
        }
        finally
        {
            context.Unload();
        }
    }

    private static void Exercise<T>(IModel<T> model) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        const int batch = 3;
        var x = new T[batch * model.InputSize];
        for (int i = 0; i < x.Length; i++) x[i] = T.CreateChecked(Math.Sin(i * 0.7));
        var y = new T[batch * model.OutputSize];
        model.Forward(x, y);
        Assert.All(y, v => Assert.True(T.IsFinite(v), $"{model.GetType().Name}: Forward gave {v}"));
        if (model is ITrainable<T> trainable)
        {
            var t = new T[y.Length];
            for (int i = 0; i < t.Length; i++) t[i] = T.CreateChecked(i % model.OutputSize == 0 ? 1 : 0);
            T loss = trainable.TrainStep(x, t);
            Assert.True(T.IsFinite(loss), $"{model.GetType().Name}: TrainStep gave {loss}");
        }
    }

    private static readonly string[] Acts = ["Act.Linear", "Act.Sigmoid", "Act.Tanh", "Act.ReLU", "Act.Softplus", "Act.Softmax"];
    private static readonly string[] Losses = ["Loss.MeanSquaredError", "Loss.SumSquaredError", "Loss.CrossEntropy", "Loss.BinaryCrossEntropy",
        "Loss.HalfSumSquaredError", "Loss.KLDivergence", "Loss.Huber", "Loss.Hinge", "Loss.NegativeLogLikelihood"];
    private static readonly string[] Inits = ["Init.GlorotUniform", "Init.GlorotNormal", "Init.HeUniform", "Init.HeNormal", "Init.LeCunNormal"];

    /// <summary>A size: mostly small and positive, sometimes zero, negative, huge or not a constant.</summary>
    private static string Size(Random r) => r.Next(80) switch
    {
        0 => "0",
        1 => "-" + r.Next(1, 5),
        2 => "int.MaxValue",
        3 => "int.MinValue",
        4 => "100000",
        5 => "NotConstant.Value",
        _ => r.Next(1, 24).ToString(CultureInfo.InvariantCulture),
    };

    private static string Enum(Random r, string[] values, string type) => r.Next(30) == 0 ? $"({type})" + r.Next(6, 100) : values[r.Next(values.Length)];

    /// <summary>A convolution or a pooling layer, with small windows and, now and then, a bad argument.</summary>
    private static string Spatial(Random r)
    {
        string Window() => r.Next(25) == 0 ? Size(r) : r.Next(1, 4).ToString(CultureInfo.InvariantCulture);
        string stride = r.Next(4) == 0 ? $", Stride = {(r.Next(15) == 0 ? "0" : r.Next(1, 4).ToString(CultureInfo.InvariantCulture))}" : "";
        if (r.Next(2) == 0)
            return $"{(r.Next(2) == 0 ? "MaxPool" : "AvgPool")}({Window()}{stride})";
        string act = r.Next(2) == 0 ? ", " + Enum(r, Acts, "Act") : "";
        string padding = r.Next(3) == 0 ? $", Padding = {(r.Next(20) == 0 ? "(Padding)5" : r.Next(2) == 0 ? "Padding.Same" : "Padding.Valid")}" : "";
        string filters = r.Next(25) == 0 ? Size(r) : r.Next(1, 5).ToString(CultureInfo.InvariantCulture);
        return $"Conv({filters}, {Window()}{act}{stride}{padding})";
    }

    private static string RandomDeclaration(Random r, string name)
    {
        var attrs = new List<string>();
        if (r.Next(5) == 0) attrs.Add($"Precision({(r.Next(20) == 0 ? "(Precision)3" : r.Next(2) == 0 ? "Precision.Double" : "Precision.Single")})");
        int rank = r.Next(12) switch { 0 => 0, 1 => 2, 2 => 4, < 7 => 3, _ => 1 };
        string input = rank == 3
            ? $"Input({r.Next(1, 4)}, {(r.Next(30) == 0 ? Size(r) : r.Next(1, 9).ToString(CultureInfo.InvariantCulture))}, {r.Next(1, 9)})"
            : rank == 0 ? "Input" : $"Input({string.Join(", ", Enumerable.Range(0, rank).Select(_ => Size(r)))})";
        bool inputMissing = r.Next(25) == 0;
        int layers = r.Next(25) == 0 ? 0 : r.Next(1, 6);
        int inputAt = r.Next(20) == 0 ? Math.Min(layers, 1) : 0;
        for (int l = 0; l < layers; l++)
        {
            if (l == inputAt && !inputMissing) attrs.Add(input);
            int kind = r.Next(20);
            if (rank == 3 && l == 0 && kind < 8) { attrs.Add(Spatial(r)); continue; } // mostly start an image model with a spatial layer
            if (kind < 3 || l == 0 && rank == 3 && r.Next(4) > 0) { attrs.Add("Flatten"); continue; }
            if (kind < 5) { attrs.Add(Spatial(r)); continue; }
            if (kind < 6)
            {
                attrs.Add($"Dropout({r.Next(12) switch { 0 => "1.0", 1 => "-0.1", 2 => "double.NaN", _ => (r.Next(9) / 10.0).ToString("0.0", CultureInfo.InvariantCulture) }})");
                continue;
            }
            var dense = new StringBuilder($"Dense({Size(r)}");
            if (r.Next(3) > 0) dense.Append(", ").Append(Enum(r, Acts, "Act"));
            if (r.Next(6) == 0) dense.Append(", L2 = ").Append(r.Next(10) switch { 0 => "-0.1", 1 => "double.NaN", 2 => "double.PositiveInfinity", _ => "0.001" });
            if (r.Next(6) == 0) dense.Append(", Init = ").Append(Enum(r, Inits, "Init"));
            attrs.Add(dense.Append(')').ToString());
        }
        if (layers <= inputAt && !inputMissing) attrs.Add(input);
        // Mostly the squared errors, which fit any output; the cross-entropies only fit a matching last activation.
        string loss = r.Next(5) < 3 ? Losses[r.Next(2)] : Enum(r, Losses, "Loss");
        if (r.Next(3) > 0) attrs.Insert(r.Next(attrs.Count + 1), $"Loss({loss})");

        string modifiers = r.Next(30) == 0 ? "public" : "public partial";
        string typeParameters = r.Next(40) == 0 ? "<T>" : "";
        string lists = string.Concat(attrs.Select(a => $"[{a}]\n"));
        string declaration = $"{lists}{modifiers} {(r.Next(10) == 0 ? "record" : "class")} Net{typeParameters};";
        if (r.Next(15) == 0)
            declaration = $"public {(r.Next(3) == 0 ? "" : "partial ")}class Outer\n{{\n{declaration}\n}}";
        return $"using Dsl;\nnamespace {name};\nstatic class NotConstant {{ public static int Value = 3; }}\n{declaration}\n";
    }
}
