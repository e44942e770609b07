using System.CommandLine;
using Stlm.Actors.Configuration;

namespace Stlm.Host.Commands;

/// <summary>
/// `--config FILE` and `--set key=value` (repeatable), for every command that reads the
/// configuration. Add them with <see cref="AddTo"/>, read the layered, resolved result with <see cref="Load"/>.
/// </summary>
public sealed class ConfigOptions
{
    public Option<string?> File { get; } = new("--config")
    {
        Description = "HOCON file layered over hocon/reference.conf",
        HelpName = "FILE",
    };

    public Option<string[]> Set { get; } = new("--set")
    {
        Description = "Override one key with a HOCON value, e.g. --set training.lr=3e-4 (repeatable; later wins)",
        HelpName = "KEY=VALUE",
        Arity = ArgumentArity.ZeroOrMore,
        AllowMultipleArgumentsPerToken = false,
    };

    public static ConfigOptions AddTo(Command command)
    {
        var options = new ConfigOptions();
        command.Options.Add(options.File);
        command.Options.Add(options.Set);
        return options;
    }

    public Config Load(ParseResult parse) =>
        ConfigLoader.Load(parse.GetValue(File), parse.GetValue(Set) ?? []);
}
