using System.CommandLine;
using Stlm.Actors.Configuration;

namespace Stlm.Host.CommandLine;

/// <summary>
/// `--config FILE` and `--set key=value` (repeatable), for every command that reads the
/// configuration: declared once, added with <see cref="AddTo"/>; <see cref="Load"/> reads the
/// layered, resolved result.
/// </summary>
public sealed class ConfigOptions
{
    static readonly Option<string?> FileOption = new("--config")
    {
        Description = "HOCON file layered over hocon/reference.conf",
        HelpName = "FILE",
    };

    static readonly Option<string[]> SetOption = new("--set")
    {
        Description = "Override one key with a HOCON value, e.g. --set training.lr=3e-4 (repeatable; later wins)",
        HelpName = "KEY=VALUE",
        Arity = ArgumentArity.ZeroOrMore,
        AllowMultipleArgumentsPerToken = false,
    };

    static readonly ConfigOptions Shared = new();

    ConfigOptions() { }

    public Option<string?> File => FileOption;

    public Option<string[]> Set => SetOption;

    public static ConfigOptions AddTo(Command command)
    {
        command.Options.Add(FileOption);
        command.Options.Add(SetOption);
        return Shared;
    }

    /// <summary>The file and settings given on the command line, none when the command takes no configuration.</summary>
    public static (string? File, string[] Sets) Given(ParseResult parse)
    {
        var options = parse.CommandResult.Command.Options;
        return (options.Contains(FileOption) ? parse.GetValue(FileOption) : null,
                options.Contains(SetOption) ? parse.GetValue(SetOption) ?? [] : []);
    }

    public Config Load(ParseResult parse) =>
        ConfigLoader.Load(parse.GetValue(File), parse.GetValue(Set) ?? []);
}
