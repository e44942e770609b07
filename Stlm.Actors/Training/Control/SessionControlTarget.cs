using Stlm.Actors.Training.Run;
using Stlm.Actors.Training.Session;
using Stlm.Model;

namespace Stlm.Actors.Training.Control;

/// <summary>
/// Control requests applied to a <see cref="TrainingSession"/> of this process: a pause waits
/// until the session ends (checkpoint committed, Paused journaled), an override until its
/// ScheduleOverridden is journaled. Also gives the last answer to what is left when it ends.
/// </summary>
public sealed class SessionControlTarget(TrainingSession session) : IRunControlTarget
{
    // The trainer takes overrides only once it has its schedules, which its first step proves
    // (TrainerActor dereferences them on an override: one that came earlier failed the run).
    readonly TaskCompletionSource _stepping = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Keeps the newest committed checkpoint and notes the first step: feed it the session's events.</summary>
    public void Observe(SessionEvent e)
    {
        if (e is CheckpointEvent c) LastCheckpoint = c;
        if (e is StepEvent) _stepping.TrySetResult();
    }

    public CheckpointEvent? LastCheckpoint { get; private set; }

    string RunId => session.RunId;

    public async Task<string> PauseAsync(string reason, CancellationToken ct)
    {
        session.RequestPause(reason);
        var answer = PauseAnswer(await session.Completion.WaitAsync(ct));
        return answer.Done ? answer.Outcome : throw new StlmException(answer.Outcome);
    }

    public async Task<string> OverrideAsync(string what, string value, long? fromStep, CancellationToken ct)
    {
        var ask = ControlAsk.Override(what, value, fromStep);
        await Task.WhenAny(_stepping.Task, session.Completion).WaitAsync(ct);
        if (session.Completion.IsCompleted) throw new StlmException(TooLate(ask, session.Completion.Result));
        var journaling = session.Override(what, value, fromStep);
        await Task.WhenAny(journaling, session.Completion).WaitAsync(ct);
        if (!journaling.IsCompleted)
        {
            // The session ended first: its actors will not answer any more.
            _ = journaling.ContinueWith(t => t.Exception, TaskContinuationOptions.OnlyOnFaulted);
            throw new StlmException(TooLate(ask, await session.Completion));
        }
        var journaled = await journaling;
        return $"{RunId}: {Setting(journaled)} from step {journaled.FromStep}";
    }

    /// <summary>The line a pause ends with, e.g. "r-1a2b paused at step 120 (checkpoint step-000000120); resume with: stlm resume r-1a2b".</summary>
    public string Paused(SessionOutcome o) =>
        $"{RunId} paused at step {o.Step}{(LastCheckpoint is { } c ? $" (checkpoint {Path.GetFileName(c.Path)})" : "")}; resume with: stlm resume {RunId}";

    /// <summary>The answer to a request still open when the session ended with <paramref name="outcome"/>.</summary>
    public ControlAnswer Last(ControlRequest request, SessionOutcome outcome) => request.Ask.Kind == ControlKind.Pause
        ? PauseAnswer(outcome)
        : ControlAnswer.Refuse(TooLate(request.Ask, outcome));

    string TooLate(ControlAsk ask, SessionOutcome outcome) => outcome.End == SessionEnd.Paused
        ? $"{RunId} paused at step {outcome.Step} before the override was taken; run `stlm set {RunId} {Setting(ask)}` again to journal it for the resume"
        : $"{RunId} {Ended(outcome)} before the override was taken";

    ControlAnswer PauseAnswer(SessionOutcome o) => o.End == SessionEnd.Paused
        ? ControlAnswer.Ok(Paused(o))
        : ControlAnswer.Refuse($"{RunId} {Ended(o)}: there is nothing to pause");

    static string Ended(SessionOutcome o) => o.End switch
    {
        SessionEnd.Completed => $"completed at step {o.Step}",
        SessionEnd.Failed => $"failed at step {o.Step} ({o.Reason})",
        _ => $"paused at step {o.Step}",
    };

    static string Setting(ScheduleOverridden e) => e.Value.StartsWith('*') ? $"{e.What}*={e.Value[1..]}" : $"{e.What}={e.Value}";

    static string Setting(ControlAsk a) => a.Value.StartsWith('*') ? $"{a.What}*={a.Value[1..]}" : $"{a.What}={a.Value}";
}
