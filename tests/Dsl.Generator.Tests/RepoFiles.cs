using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;

namespace Dsl.Generator.Tests;

/// <summary>Finds files of the repository, so tests use the samples' real model declarations.</summary>
internal static class RepoFiles
{
    public static string Root([CallerFilePath] string here = "")
    {
        var dir = new DirectoryInfo(Path.GetDirectoryName(here)!);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Dsl.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new DirectoryNotFoundException("Dsl.sln not found above " + here);
    }

    /// <summary>Every C# source of a sample project (without bin/obj).</summary>
    public static string[] SampleSources(string sample)
        => Directory.GetFiles(Path.Combine(Root(), "samples", sample), "*.cs", SearchOption.AllDirectories)
            .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !p.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
            .OrderBy(p => p, System.StringComparer.Ordinal)
            .Select(File.ReadAllText)
            .ToArray();
}
