using System;
using BenchmarkDotNet.Running;
using Dsl.Benchmarks.SideBySide;

namespace Dsl.Benchmarks;

internal static class Program
{
    /// <summary><c>side-by-side [options]</c> runs the comparison with the peers; anything else goes to BenchmarkDotNet.</summary>
    private static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "side-by-side") return SideBySideCommand.Run(args[1..]);
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
