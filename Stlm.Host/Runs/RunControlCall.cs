using Stlm.Actors.Persistence;
using System.CommandLine;
using Stlm.Actors.Persistence.Sql;
using Stlm.Actors.Training.Control;
using Stlm.Actors.Training.Leases;
using Stlm.Model;

namespace Stlm.Host.Runs;

/// <summary>
/// What `stlm pause` and `stlm set` share: ask the process that trains the run (through the
/// control table) and print its answer, or — when no process trains it — do the thing here
/// as the run's single writer for a moment (<see cref="IdleRunControl"/>).
/// </summary>
public static class RunControlCall
{
    public static Option<int> TimeoutOption() => new("--timeout")
    {
        Description = "Seconds to wait for the training process's answer (taking the request and carrying it out)",
        HelpName = "SECONDS",
        DefaultValueFactory = _ => 120,
    };

    /// <summary>
    /// The trainer's outcome line (a refusal throws it as an StlmException), or, with nobody
    /// training the run, <paramref name="idle"/>'s. A trainer that starts between the two takes
    /// the lease first: then it is asked again.
    /// </summary>
    public static async Task<string> AskAsync(JournalStore store, string runId, ControlAsk ask, int timeoutSeconds,
        Func<Task<string>> idle, CancellationToken ct)
    {
        if (timeoutSeconds < 1) throw new StlmException($"--timeout {timeoutSeconds}: give at least 1 second");
        var client = new RunControlClient(new RunControlStore(store.Dialect), new RunLeaseStore(store.Dialect));
        for (var attempt = 1; ; attempt++)
        {
            var answered = await client.AskTrainerAsync(runId, ask, TimeSpan.FromSeconds(timeoutSeconds), ct);
            if (answered is { State: ControlState.Done }) return answered.Outcome;
            if (answered is not null) throw new StlmException(answered.Outcome);
            try
            {
                return await idle();
            }
            catch (RunLeaseRefusedException) when (attempt < 3)
            {
            }
        }
    }
}
