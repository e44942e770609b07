using Akka.Actor;
using Akka.Event;

namespace Stlm.Actors.Training;

/// <summary>
/// The actors' logger: Akka's logging (to Serilog through Akka.Logger.Serilog, which adds the
/// actor path) with the run id of the session's actor system on every record.
/// <code>RunLog.Of(Context).Warning(e, "Renewing the lease of run {RunId} failed", runId);</code>
/// </summary>
public static class RunLog
{
    sealed class RunOfSystem : IExtension
    {
        public volatile string? RunId;
    }

    sealed class RunOfSystemProvider : ExtensionIdProvider<RunOfSystem>
    {
        public override RunOfSystem CreateExtension(ExtendedActorSystem system) => new();
    }

    /// <summary>Says which run this actor system trains (a session's system trains one).</summary>
    public static void SetRun(ActorSystem system, string runId) => system.WithExtension<RunOfSystem, RunOfSystemProvider>().RunId = runId;

    public static ILoggingAdapter Of(IActorContext context)
    {
        var log = context.GetLogger();
        return context.System.WithExtension<RunOfSystem, RunOfSystemProvider>().RunId is { } runId ? log.WithContext("RunId", runId) : log;
    }
}
