using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;

namespace Dsl.Benchmarks.SideBySide;

/// <summary>What a finished child process left.</summary>
internal sealed record ChildResult(int ExitCode, string Output, string Error);

/// <summary>Runs a program to completion with its output captured.</summary>
internal static class ChildProcess
{
    /// <summary>
    /// Starts <paramref name="program"/> (looked up on PATH) with <paramref name="arguments"/>, waits for it and returns its
    /// exit code and output, or null when the program cannot be started (not installed).
    /// </summary>
    /// <param name="environment">Variables to set (a null value removes the variable); the rest is inherited.</param>
    /// <param name="workingDirectory">Its working directory, or null for ours.</param>
    public static ChildResult? Run(string program, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null,
        string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        if (workingDirectory is not null) start.WorkingDirectory = workingDirectory;
        if (environment is not null)
            foreach (var (name, value) in environment)
                if (value is null) start.Environment.Remove(name);
                else start.Environment[name] = value;
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"Process.Start returned null for {program}.");
        }
        catch (Win32Exception)
        {
            return null;
        }
        using (process)
        {
            var error = process.StandardError.ReadToEndAsync();
            string output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return new ChildResult(process.ExitCode, output, error.GetAwaiter().GetResult());
        }
    }

    /// <summary>The last <paramref name="count"/> non-empty lines of <paramref name="text"/>, for error messages.</summary>
    public static string Tail(string text, int count = 8)
    {
        string[] lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return string.Join(Environment.NewLine, lines[Math.Max(0, lines.Length - count)..]);
    }
}
