using System.CommandLine;

namespace Stlm.Host.Bench;

/// <summary>`stlm bench …`: performance measured as ratios against a goal or a reference run beside it, one subcommand per area.</summary>
public static class BenchCommand
{
    public static Command Create() => new("bench", "Measure performance against the project's goals")
    {
        BenchTokenizerCommand.Create(),
        BenchTorchCommand.Create(),
        BenchActorsCommand.Create(),
        BenchJournalCommand.Create(),
        BenchCheckpointCommand.Create(),
        BenchTrainCommand.Create(),
        BenchOrchestrationCommand.Create(),
        BenchEvalCommand.Create(),
        BenchDataParallelCommand.Create(),
        BenchClusterCommand.Create(),
    };
}
