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
    /// <summary>Keeps the newest committed checkpoint: feed it the session's events.</summary>
    public void Observe(SessionEvent e)
    {
        if (e is CheckpointEvent c) LastCheckpoint = c;
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
        var journaled = await session.Override(what, value, fromStep).WaitAsync(ct);
        return $"{RunId}: {Setting(journaled)} from step {journaled.FromStep}";
    }

    /// <summary>The line a pause ends with, e.g. "r-1a2b paused at step 120 (checkpoint step-000000120); resume with: stlm resume r-1a2b".</summary>
    public string Paused(SessionOutcome o) =>
        $"{RunId} paused at step {o.Step}{(LastCheckpoint is { } c ? $" (checkpoint {Path.GetFileName(c.Path)})" : "")}; resume with: stlm resume {RunId}";

    /// <summary>The answer to a request still open when the session ended with <paramref name="outcome"/>.</summary>
    public ControlAnswer Last(ControlRequest request, SessionOutcome outcome) => request.Ask.Kind == ControlKind.Pause
        ? PauseAnswer(outcome)
        : ControlAnswer.Refuse(outcome.End == SessionEnd.Paused
            ? $"{RunId} paused at step {outcome.Step} before the override was taken; run `stlm set {RunId} {Setting(request.Ask)}` again to journal it for the resume"
            : $"{RunId} {Ended(outcome)} before the override was taken");

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
