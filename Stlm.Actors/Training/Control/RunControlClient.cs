using Stlm.Actors.Training.Leases;
using Stlm.Model;

namespace Stlm.Actors.Training.Control;

/// <summary>
/// The asking side (`stlm pause`, `stlm set` in another terminal): writes a request for the
/// process that holds the run's lease and waits for its answer.
/// <code>
/// var client = new RunControlClient(new RunControlStore(dialect), new RunLeaseStore(dialect));
/// var answered = await client.AskTrainerAsync("r-7", ControlAsk.Pause("operator"), TimeSpan.FromSeconds(60));
/// // null: no process trains r-7 (nothing was written); else Done or Refused with the trainer's outcome line
/// </code>
/// The whole wait is bounded by the timeout. A request nobody takes within it is withdrawn (so
/// it cannot fire later, by surprise). One the trainer took but did not answer within it (a
/// stuck step, a very slow checkpoint) stays recorded as taken: the trainer is already acting on
/// it, so withdrawing it could not stop it; the asker says so in one line and gives up waiting.
/// </summary>
public sealed class RunControlClient(RunControlStore control, RunLeaseStore leases, TimeProvider? time = null)
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);
    static readonly TimeSpan AnswerGrace = TimeSpan.FromSeconds(2);

    readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>Who asks, for the trainer's log: this process and node.</summary>
    public static string ThisProcess => $"pid {Environment.ProcessId} on node {Environment.MachineName}";

    public async Task<ControlRequest?> AskTrainerAsync(string runId, ControlAsk ask, TimeSpan timeout, CancellationToken ct = default)
    {
        if (await leases.CurrentAsync(runId, ct) is not { } trainer) return null;
        var id = await control.SubmitAsync(runId, ask, ThisProcess, ct);
        var deadline = _time.GetUtcNow() + timeout;
        try
        {
            while (true)
            {
                await Task.Delay(PollInterval, _time, ct);
                var request = await control.GetAsync(id, ct) ?? throw new InvalidOperationException($"control request {id} vanished");
                if (request.IsAnswered) return request;
                var holder = await leases.CurrentAsync(runId, ct);
                if (holder is null || holder.Owner.Instance != trainer.Owner.Instance)
                {
                    if (await control.WithdrawAsync(id, "the trainer stopped before taking it", ct)) return null;
                    // A trainer writes its last answers just after it lets the lease go: give it a moment.
                    await Task.Delay(AnswerGrace, _time, ct);
                    if (await control.GetAsync(id, ct) is { IsAnswered: true } late) return late;
                    throw new StlmException($"the trainer of {runId} (pid {trainer.Owner.ProcessId} on node {trainer.Owner.Node}) took the request " +
                                                $"but stopped before answering; see where the run stands with `stlm runs`");
                }
                else if (_time.GetUtcNow() > deadline)
                {
                    if (request.State == ControlState.Pending && await control.WithdrawAsync(id, $"not taken within {timeout.TotalSeconds:0.#} s", ct))
                        throw new StlmException($"the trainer of {runId} (pid {trainer.Owner.ProcessId} on node {trainer.Owner.Node}) did not answer within " +
                                                $"{timeout.TotalSeconds:0.#} s, so nothing was changed; it may be busy (a long step or evaluation): try again, or raise --timeout");
                    if (request.State == ControlState.Taken)
                        throw new StlmException($"the trainer of {runId} (pid {trainer.Owner.ProcessId} on node {trainer.Owner.Node}) took the request ({ask}) " +
                                                $"but did not finish it within {timeout.TotalSeconds:0.#} s; it stays recorded and is carried out when the trainer gets to it " +
                                                $"(it may be stuck): see `stlm runs`, or ask again with a larger --timeout");
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await control.WithdrawAsync(id, "the asker gave up", CancellationToken.None);
            throw;
        }
    }
}
