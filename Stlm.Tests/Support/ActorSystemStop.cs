using Akka.Actor;

namespace Stlm.Tests.Support;

public static class ActorSystemStop
{
    /// <summary>
    /// Terminates the system, failing the test instead of waiting forever when an actor never stops
    /// (one blocked in native code keeps Terminate() from completing).
    /// </summary>
    public static Task TerminateWithin(this ActorSystem system, TimeSpan? limit = null) =>
        system.Terminate().WaitAsync(limit ?? TimeSpan.FromMinutes(1));
}
