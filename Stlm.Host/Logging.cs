using System.CommandLine;
using System.Globalization;
using System.Runtime.CompilerServices;
using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace Stlm.Host;

/// <summary>
/// Serilog, configured in one place: concise lines on stderr (through <see cref="Terminal"/>) (Information, or Debug with
/// --verbose) and a daily, size-capped rolling file under the data folder's logs/ (<see cref="DataPaths"/>) that always keeps
/// Debug and names the run and actor each line came from.
/// </summary>
public static class Logging
{
    /// <param name="Console">Where console lines go; null writes no console lines (the file only).</param>
    public sealed record Options(string DataFolder, bool Verbose, Terminal? Console);

    public static string LogFolder(string dataFolder) => Path.Combine(dataFolder, "logs");

    const string FileTemplate = "{Timestamp:yyyy-MM-dd HH:mm:ss.fff zzz} {Level:u3} {Origin:l}{Message:lj}{NewLine}{Exception}";
    // Without --verbose an exception is one line's end (its message), never a stack trace: the file keeps the stack.
    const string ConsoleTemplate = "{Timestamp:HH:mm:ss} {Level:u3} {Message:lj}{ExceptionLine:l}{NewLine}";
    const string VerboseConsoleTemplate = "{Timestamp:HH:mm:ss.fff} {Level:u3} {Origin:l}{Message:lj}{NewLine}{Exception}";

    static readonly ConditionalWeakTable<Command, object> Wanting = [];

    /// <summary>Marks a command whose run should start logging; others (e.g. --help) stay fast.</summary>
    public static T WithLogging<T>(this T command) where T : Command
    {
        Wanting.AddOrUpdate(command, true);
        return command;
    }

    public static bool Wants(Command command) => Wanting.TryGetValue(command, out _);

    /// <summary>A logger for these options; the caller disposes it to flush the file.</summary>
    public static Logger CreateLogger(Options options)
    {
        var config = new LoggerConfiguration()
            .MinimumLevel.Debug()
            .Enrich.FromLogContext()
            .Enrich.With<OriginEnricher>()
            .WriteTo.File(
                Path.Combine(LogFolder(options.DataFolder), "stlm-.log"),
                outputTemplate: FileTemplate,
                formatProvider: CultureInfo.InvariantCulture,
                rollingInterval: RollingInterval.Day,
                fileSizeLimitBytes: 64L << 20,
                rollOnFileSizeLimit: true,
                retainedFileCountLimit: 31,
                shared: true); // `stlm pause` from another terminal logs into the same file
        if (options.Console is { } terminal)
            config = config.WriteTo.Logger(console => console
                // Akka's own notes (coordinated shutdown, dead letters) below Warning go to the file only.
                .Filter.ByExcluding(e => e.Level < LogEventLevel.Warning && !options.Verbose && FromAkka(e))
                // A cluster member that stops or is killed drops its connections: normal, and said by the cluster's own lines.
                .Filter.ByExcluding(e => !options.Verbose && ConnectionDropped(e))
                .Enrich.With<ExceptionLineEnricher>()
                .WriteTo.Sink(
                    new ConsoleLogSink(terminal, options.Verbose ? VerboseConsoleTemplate : ConsoleTemplate),
                    options.Verbose ? LogEventLevel.Debug : LogEventLevel.Information));
        return config.CreateLogger();
    }

    static bool ConnectionDropped(LogEvent e) =>
        e.Exception?.GetType().FullName == "Akka.Remote.EndpointDisassociatedException"
        || e.MessageTemplate.Text.StartsWith("Association with remote system", StringComparison.Ordinal)
        || e.MessageTemplate.Text.StartsWith("Tried to associate with unreachable remote address", StringComparison.Ordinal)
        // Akka.Remote's transport clears its connection group as it shuts down, before its channels report closing.
        || e.MessageTemplate.Text.StartsWith("Unable to REMOVE channel", StringComparison.Ordinal);

    static bool FromAkka(LogEvent e) =>
        e.Properties.TryGetValue("SourceContext", out var v) && v is ScalarValue { Value: string source } && source.StartsWith("Akka.", StringComparison.Ordinal);

    /// <summary>Sets the global logger for one command's run; disposing flushes and closes it.</summary>
    public static IDisposable Start(Options options)
    {
        Log.Logger = CreateLogger(options);
        return new Closer();
    }

    sealed class Closer : IDisposable
    {
        public void Dispose()
        {
            try
            {
                Log.CloseAndFlush();
            }
            catch (IOException)
            {
                // The log file could not take its last lines (a full disk): the command has said what went wrong on stderr already.
            }
        }
    }

    /// <summary>
    /// "ExceptionLine": " (what went wrong)" for an event with an exception whose message the line does not
    /// already say (the innermost of an aggregate's), else "".
    /// </summary>
    sealed class ExceptionLineEnricher : ILogEventEnricher
    {
        public void Enrich(LogEvent logEvent, ILogEventPropertyFactory factory)
        {
            var e = logEvent.Exception;
            while (e is AggregateException { InnerExceptions.Count: 1 } or System.Reflection.TargetInvocationException && e.InnerException is { } inner) e = inner;
            var what = e?.Message.ReplaceLineEndings(" ").Trim();
            var line = string.IsNullOrEmpty(what) || logEvent.RenderMessage(CultureInfo.InvariantCulture).Contains(what, StringComparison.Ordinal)
                ? ""
                : $" ({what})";
            logEvent.AddOrUpdateProperty(factory.CreateProperty("ExceptionLine", line));
        }
    }

    /// <summary>
    /// Folds the optional RunId, ActorPath and SourceContext properties into one "Origin"
    /// prefix, so a line without them carries no empty brackets or double spaces.
    /// </summary>
    sealed class OriginEnricher : ILogEventEnricher
    {
        public void Enrich(LogEvent logEvent, ILogEventPropertyFactory factory)
        {
            var parts = new List<string>(3);
            if (Text(logEvent, "RunId") is { } run) parts.Add($"run={run}");
            if (Text(logEvent, "ActorPath") is { } actor) parts.Add($"actor={actor}");
            if (Text(logEvent, "SourceContext") is { } source) parts.Add(source[(source.LastIndexOf('.') + 1)..] + ":");
            var origin = parts.Count == 0 ? "" : string.Join(' ', parts) + " ";
            logEvent.AddOrUpdateProperty(factory.CreateProperty("Origin", origin));
        }

        static string? Text(LogEvent e, string name) =>
            e.Properties.TryGetValue(name, out var v) && v is ScalarValue { Value: { } value } && value.ToString() is { Length: > 0 } s ? s : null;
    }
}
