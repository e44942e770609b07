using Akka.Event;
using LogEventLevel = Serilog.Events.LogEventLevel;

namespace Stlm.Actors.Persistence;

/// <summary>
/// Akka's logger of last resort (akka.stdout-logger-class), in place of its StandardOutLogger. Akka
/// hands it events directly, whatever stdout-loglevel says: above all those still queued for the
/// Serilog logger when an actor system stops (its LoggerMailbox drains them here; Akka.Remote's
/// "Remoting shut down." at the end of every cluster command). They go to Serilog like every other
/// Akka log, so stdout carries only what a command says.
/// </summary>
public sealed class LastResortLogger : MinimalLogger
{
    protected override void Log(object message)
    {
        if (message is not LogEvent e) return;
        var (template, args) = e.Message is LogMessage m ? (m.Format, m.Parameters().ToArray()) : ("{Message:l}", new[] { e.Message });
        Serilog.Log.Logger
            .ForContext(Serilog.Core.Constants.SourceContextPropertyName, e.LogClass?.FullName)
            .ForContext("LogSource", e.LogSource)
            .Write(Level(e.LogLevel()), e.Cause, template, args);
    }

    static LogEventLevel Level(LogLevel level) => level switch
    {
        LogLevel.DebugLevel => LogEventLevel.Debug,
        LogLevel.InfoLevel => LogEventLevel.Information,
        LogLevel.WarningLevel => LogEventLevel.Warning,
        _ => LogEventLevel.Error,
    };
}
