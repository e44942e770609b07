using System.CommandLine;

namespace Stlm.Host;

/// <summary>`stlm bench …`: performance measurements printed as ratios against a goal or a reference.</summary>
public static class BenchCommand
{
    public static Command Create() => new("bench", "Performance benchmarks")
    {
        BenchTokenizerCommand.Create(),
        BenchTorchCommand.Create(),
    };
}
