using System;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Dsl.Generator.Tests;

/// <summary>
/// A small stand-in for Verify.SourceGenerators (which is not in the registry these machines reach), keeping its
/// conventions so switching later is a one-line change: each generated file is compared with
/// <c>{TestClass}.{TestMethod}#{HintName}.verified.cs</c> in <c>Snapshots/</c> beside the test. On a mismatch the new text is
/// written to the matching <c>.received.cs</c> and the test fails; to accept, move the received file over the verified
/// one, or run the tests once with <c>DSL_ACCEPT_SNAPSHOTS=1</c>.
/// </summary>
internal static class Verifier
{
    public static void Verify(GeneratorDriver driver, string hintName, [CallerFilePath] string sourceFile = "", [CallerMemberName] string method = "")
    {
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        GeneratedSourceResult source = result.GeneratedSources.SingleOrDefault(s => s.HintName == hintName);
        Assert.True(source.HintName == hintName, $"The generator produced no '{hintName}'; it produced: {string.Join(", ", result.GeneratedSources.Select(s => s.HintName))}");
        string className = Path.GetFileNameWithoutExtension(sourceFile);
        string baseName = Path.Combine(Path.GetDirectoryName(sourceFile)!, "Snapshots", $"{className}.{method}#{Path.GetFileNameWithoutExtension(hintName)}");
        VerifyText(source.SourceText.ToString(), baseName + ".verified.cs", baseName + ".received.cs");
    }

    private static void VerifyText(string actual, string verifiedPath, string receivedPath)
    {
        actual = actual.Replace("\r\n", "\n");
        string? expected = File.Exists(verifiedPath) ? File.ReadAllText(verifiedPath).Replace("\r\n", "\n") : null;
        if (expected == actual)
        {
            if (File.Exists(receivedPath)) File.Delete(receivedPath);
            return;
        }
        if (Environment.GetEnvironmentVariable("DSL_ACCEPT_SNAPSHOTS") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(verifiedPath)!);
            File.WriteAllText(verifiedPath, actual);
            return;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(receivedPath)!);
        File.WriteAllText(receivedPath, actual);
        string detail = expected is null ? "no approved snapshot exists yet" : FirstDifference(expected, actual);
        Assert.Fail($"Generated code differs from {Path.GetFileName(verifiedPath)}: {detail}. Wrote {receivedPath}; move it over the verified file to accept.");
    }

    private static string FirstDifference(string expected, string actual)
    {
        string[] e = expected.Split('\n'), a = actual.Split('\n');
        for (int i = 0; i < Math.Max(e.Length, a.Length); i++)
        {
            string el = i < e.Length ? e[i] : "<end of file>", al = i < a.Length ? a[i] : "<end of file>";
            if (el != al) return $"line {i + 1}: expected '{el.Trim()}' but generated '{al.Trim()}'";
        }
        return "whitespace only";
    }
}
