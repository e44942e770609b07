using Stlm.Actors.Persistence;
using Stlm.Actors.Persistence.Sql;
using Akka.Actor;
using Akka.Event;
using Stlm.Actors.Training.Leases;
using Stlm.Actors.Training.Run;

namespace Stlm.Actors.Training.Control;

/// <summary>
/// Commands for a run that no process trains (paused, or stopped by a crash): this process
/// becomes the run's single writer for a moment — it takes the run's lease, journals the
/// command through a RunActor and lets the lease go. A trainer that starts meanwhile is kept
/// out by the lease; one already holding it makes this throw <see cref="RunLeaseRefusedException"/>.
/// <code>
/// var state = await IdleRunControl.ApplyAsync(store, "r-7", new OverrideSchedule("lr", "3e-4", 121), snapshotEvery: 1000);
/// </code>
/// </summary>
public static class IdleRunControl
{
    static readonly TimeSpan Ttl = TimeSpan.FromSeconds(30);

    /// <summary>The run's state after the command; a refusal throws <see cref="RunCommandRejectedException"/>.</summary>
    public static Task<RunState> ApplyAsync(JournalStore store, string runId, object command, int snapshotEvery, CancellationToken ct = default) =>
        ApplyAsync(store, runId, [command], snapshotEvery, ct);

    /// <summary>The commands in order, under one lease; the first refusal throws and stops there.</summary>
    public static async Task<RunState> ApplyAsync(JournalStore store, string runId, IReadOnlyList<object> commands, int snapshotEvery,
        CancellationToken ct = default)
    {
        var leases = new RunLeaseStore(store.Dialect);
        var fence = new LeaseFence(leases, await leases.AcquireAsync(runId, LeaseOwner.ThisProcess(), Ttl, ct), Ttl);
        try
        {
            using var system = store.CreateSystem("stlm-control");
            WriteFences.Get(system).Register(RunIds.PersistenceId(runId), fence);
            var run = system.ActorOf(RunActor.Props(runId, snapshotEvery), "run-" + runId);
            var state = RunState.Empty;
            foreach (var command in commands)
                state = await RunActor.AskAsync(run, command);
            await system.Terminate();
            return state;
        }
        finally
        {
            await fence.ReleaseAsync();
        }
    }
}
