using System;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace Dsl.Runtime.Tests;

/// <summary>Reads Reference/dense_reference.json, written by Reference/make_dense_reference.py with PyTorch 1.13.</summary>
internal static class ReferenceData
{
    private static readonly Lazy<JsonDocument> Document = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Reference", "dense_reference.json"))));

    public static JsonElement Case(string name) => Document.Value.RootElement.GetProperty("cases").GetProperty(name);

    public static JsonElement Sgd(string name) => Document.Value.RootElement.GetProperty("sgd").GetProperty(name);

    public static float[] Floats(this JsonElement element, string property)
        => element.GetProperty(property).EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();

    public static int[] Ints(this JsonElement element, string property)
        => element.GetProperty(property).EnumerateArray().Select(e => e.GetInt32()).ToArray();
}
