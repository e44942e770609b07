using Serilog;

namespace Stlm.Actors.Runtime;

/// <summary>Settings of an actor system (the host fills these from HOCON).</summary>
public sealed record ActorSystemSettings
{
    /// <summary>The root logger; actors log through it with ActorPath added. Defaults to Serilog's global Log.Logger.</summary>
    public ILogger? Logger { get; init; }

    /// <summary>Used by Ask when no timeout is given.</summary>
    public TimeSpan DefaultAskTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Log undelivered messages at Debug level.</summary>
    public bool LogDeadLetters { get; init; } = true;

    /// <summary>How long each coordinated-shutdown phase may take before the next one starts anyway.</summary>
    public TimeSpan ShutdownPhaseTimeout { get; init; } = TimeSpan.FromSeconds(10);
}
