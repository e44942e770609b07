using System.CommandLine;

namespace Stlm.Host;

/// <summary>`stlm bench …`: performance measured as ratios against goals, one subcommand per area.</summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var command = new Command("bench", "Measure performance against the project's goals");
        command.Subcommands.Add(BenchJournalCommand.Create());
        return command;
    }
}
