using System.Globalization;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Display;
using Spectre.Console;

namespace Stlm.Host;

/// <summary>
/// Serilog's console output, written through <see cref="Terminal"/> so that log lines and a
/// live progress bar can share stderr.
/// </summary>
sealed class ConsoleLogSink(Terminal terminal, string template) : ILogEventSink
{
    readonly MessageTemplateTextFormatter formatter = new(template, CultureInfo.InvariantCulture);

    public void Emit(LogEvent logEvent)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        formatter.Format(logEvent, text);
        terminal.WriteLine(text.ToString().TrimEnd('\r', '\n'), logEvent.Level switch
        {
            LogEventLevel.Verbose or LogEventLevel.Debug => new Style(Color.Grey),
            LogEventLevel.Warning => new Style(Color.Yellow),
            LogEventLevel.Error or LogEventLevel.Fatal => new Style(Color.Red),
            _ => Style.Plain,
        });
    }
}
