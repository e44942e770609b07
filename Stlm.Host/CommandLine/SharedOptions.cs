using System.CommandLine;
using Stlm.Host.Journal;

namespace Stlm.Host.CommandLine;

/// <summary>
/// Options that mean the same wherever they appear, declared once and added to each command
/// that takes them (System.CommandLine lets one option belong to several commands), so their
/// spelling and help never drift apart. `--config`/`--set` are in <see cref="ConfigOptions"/>.
/// </summary>
public static class SharedOptions
{
    /// <summary>On every root command (recursive): stack traces on errors and debug logs on the console.</summary>
    public static readonly Option<bool> Verbose = new("--verbose")
    {
        Description = "Show stack traces and debug logs",
        Recursive = true,
    };

    /// <summary>On every listing and report: stdout carries one JSON document, people's text goes to stderr or nowhere.</summary>
    public static readonly Option<bool> Json = new("--json") { Description = "Print JSON instead of text" };

    /// <summary>A journal other than the configuration's (`stlm journal …`).</summary>
    public static readonly Option<string?> Journal = new("--journal") { Description = JournalOpener.OptionHelp };

    /// <summary>The id a new run gets (`stlm train`, `stlm fork`).</summary>
    public static readonly Option<string?> RunId = new("--run-id") { Description = "Id of the new run (default: r- and 8 hex digits)", HelpName = "ID" };
}
