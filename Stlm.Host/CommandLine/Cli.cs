using System.CommandLine;
using Stlm.Host.Bench;
using Stlm.Host.Commands;
using Stlm.Model;

namespace Stlm.Host.CommandLine;

/// <summary>
/// The `stlm` command line: composition root. Each command lives in Commands/ (benchmarks in
/// Bench/) as a static class with a Create() method; this file only lists them, keeps the old
/// spellings working (<see cref="RenamedCommand"/>) and turns errors into one line.
/// </summary>
public static class Cli
{
    /// <summary>In the order a researcher meets them: make data, train, follow runs, use checkpoints, then tools.</summary>
    static IEnumerable<Command> Commands() =>
    [
        DataCommand.Create(),
        TokenizerCommand.Create(),
        ConfigCommand.Create(),
        ScheduleCommand.Create(),
        TrainCommand.Create(),
        ResumeCommand.Create(),
        ForkCommand.Create(),
        PauseCommand.Create(),
        SetCommand.Create(),
        RunsCommand.Create(),
        ShowCommand.Create(),
        ReplayCommand.Create(),
        EvalCommand.Create(),
        SampleCommand.Create(),
        ExportCommand.Create(),
        InspectCommand.Create(),
        JournalCommand.Create(),
        NodeCommand.Create(),
        BenchCommand.Create(),
        DebugCommand.Create(),
        // Old spellings, hidden; each says its new one on stderr.
        new RenamedCommand("generate", SampleCommand.Create(), "sample"),
        new RenamedCommand("tokenize", TokenizerEncodeCommand.Create(), "tokenizer encode"),
    ];

    public static int Run(string[] args)
    {
        var root = new RootCommand("Stlm: train super tiny language models as an event-sourced actor system");
        root.Options.Add(SharedOptions.Verbose);
        foreach (var command in Commands())
            root.Subcommands.Add(command);

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            var what = string.Join("; ", parse.Errors.Select(e => e.Message).Distinct());
            Console.Error.WriteLine($"stlm: {what} (see 'stlm {CommandPath(parse)}--help')");
            return 2;
        }

        var verbose = parse.GetValue(SharedOptions.Verbose);
        if (parse.CommandResult.Command is RenamedCommand renamed)
            Console.Error.WriteLine($"stlm: '{CommandPath(parse).TrimEnd()}' is now '{renamed.NewSpelling}'; the old name still works");
        using var logging = Logging.Wants(parse.CommandResult.Command)
            ? Logging.Start(new Logging.Options(DataPaths.ForCommand(parse).DataDir, verbose, Terminal.Stderr))
            : null;
        if (logging is not null) Serilog.Log.Debug("stlm {Arguments}", string.Join(' ', args));
        try
        {
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (!verbose && StorageProblem.Describe(e, DataDirOf(parse)) is { } storage)
        {
            Serilog.Log.Debug(e, "stopped by a storage problem");
            Console.Error.WriteLine($"stlm: {storage}");
            return 2;
        }
        catch (Exception e) when (Unwrap(e) is StlmException user && !verbose)
        {
            Serilog.Log.Debug(e, "stopped by a user-fixable problem");
            Console.Error.WriteLine($"stlm: {user.Message}");
            return 2;
        }
        catch (Exception e) when (!verbose)
        {
            var inner = Unwrap(e);
            Serilog.Log.Error(e, "internal error");
            Console.Error.WriteLine($"stlm: internal error: {inner.GetType().Name}: {inner.Message} (run again with --verbose for the stack trace)");
            return 70;
        }
    }

    static string? DataDirOf(ParseResult parse)
    {
        try
        {
            return DataPaths.ForCommand(parse).DataDir;
        }
        catch (Exception e) when (e is StlmException or IOException)
        {
            return null;
        }
    }

    static Exception Unwrap(Exception e)
    {
        while (e is AggregateException { InnerException: { } inner } || e is System.Reflection.TargetInvocationException { InnerException: { } })
            e = e.InnerException!;
        return e;
    }

    static string CommandPath(ParseResult parse)
    {
        var names = new List<string>();
        for (var r = parse.CommandResult; r is not null && r.Command is not RootCommand; r = r.Parent as System.CommandLine.Parsing.CommandResult)
            names.Insert(0, r.Command.Name);
        return names.Count == 0 ? "" : string.Join(' ', names) + " ";
    }
}
