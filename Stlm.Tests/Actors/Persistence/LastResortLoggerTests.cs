using Akka.Actor;
using Akka.Event;
using Serilog;
using Serilog.Core;
using Stlm.Actors.Persistence;

namespace Stlm.Tests.Actors.Persistence;

public sealed class LastResortLoggerTests
{
    sealed class Collected : ILogEventSink
    {
        public List<Serilog.Events.LogEvent> Events { get; } = [];

        public void Emit(Serilog.Events.LogEvent logEvent)
        {
            lock (Events) Events.Add(logEvent);
        }
    }

    /// <summary>A message with a template and its arguments, as Akka's logging adapters make them.</summary>
    sealed class Templated(string format, params object[] args) : LogMessage(DefaultLogMessageFormatter.Instance, format)
    {
        public override string Unformatted() => string.Join(", ", args);

        public override IEnumerable<object> Parameters() => args;

        public override string ToString() => DefaultLogMessageFormatter.Instance.Format(Format, args);
    }

    [Fact]
    public async Task What_akka_hands_past_its_loggers_goes_to_serilog_with_its_level_and_source_not_to_stdout()
    {
        var system = StlmAkka.CreateSystem("last-resort");
        try
        {
            var logger = Assert.IsType<LastResortLogger>(system.Settings.StdoutLogger);
            var collected = new Collected();
            var previous = Log.Logger;
            Log.Logger = new LoggerConfiguration().MinimumLevel.Debug().WriteTo.Sink(collected).CreateLogger();
            try
            {
                // As Akka's LoggerMailbox drains the Serilog logger's queue into it when a system stops.
                logger.Tell(new Info("remoting-terminator", typeof(LastResortLoggerTests), "Remoting shut down."));
                logger.Tell(new Warning("transport", typeof(LastResortLoggerTests), new Templated("Unable to {0}", "REMOVE")));
            }
            finally
            {
                Log.Logger = previous;
            }
            List<Serilog.Events.LogEvent> ours;
            lock (collected.Events) ours = [.. collected.Events.Where(e => e.Properties.TryGetValue("SourceContext", out var s) && s.ToString().Contains(nameof(LastResortLoggerTests)))];
            Assert.Equal(["Information Remoting shut down.", "Warning Unable to \"REMOVE\""], ours.Select(e => $"{e.Level} {e.RenderMessage()}"));
        }
        finally
        {
            await system.Terminate();
        }
    }
}
