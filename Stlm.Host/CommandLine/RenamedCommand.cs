using System.CommandLine;

namespace Stlm.Host.CommandLine;

/// <summary>
/// An old spelling of a command, kept so that scripts and habits go on working: hidden from
/// help, it takes the same arguments and options and runs the same action as the command it
/// became; <see cref="Cli"/> prints one line on stderr naming the new spelling.
/// </summary>
public sealed class RenamedCommand : Command
{
    public RenamedCommand(string oldName, Command current, string newSpelling) : base(oldName, $"Old name of 'stlm {newSpelling}'")
    {
        Hidden = true;
        NewSpelling = newSpelling;
        foreach (var argument in current.Arguments) Arguments.Add(argument);
        foreach (var option in current.Options) Options.Add(option);
        foreach (var subcommand in current.Subcommands) Subcommands.Add(subcommand);
        Action = current.Action;
        if (Logging.Wants(current)) this.WithLogging();
    }

    /// <summary>The command's path today, without the leading `stlm`.</summary>
    public string NewSpelling { get; }
}
