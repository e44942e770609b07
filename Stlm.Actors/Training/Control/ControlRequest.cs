namespace Stlm.Actors.Training.Control;

public enum ControlKind { Pause, Override }

/// <summary>
/// Pending (written by the asking process) → Taken (claimed by the trainer) → Done or Refused
/// (with the outcome line); a pending request nobody took can be Withdrawn by the asker.
/// </summary>
public enum ControlState { Pending, Taken, Done, Refused, Withdrawn }

/// <summary>What another process asks of a run's trainer: pause (with a reason) or override a schedule.</summary>
public sealed record ControlAsk(ControlKind Kind, string Reason = "", string What = "", string Value = "", long? FromStep = null)
{
    public static ControlAsk Pause(string reason) => new(ControlKind.Pause, Reason: reason);

    /// <summary>A schedule override (what = lr, dropout, …; value as the user wrote it) from a step on (null: the next step).</summary>
    public static ControlAsk Override(string what, string value, long? fromStep = null) =>
        new(ControlKind.Override, What: what, Value: value, FromStep: fromStep);

    public override string ToString() => Kind == ControlKind.Pause
        ? $"pause ({Reason})"
        : $"{What}={Value}{(FromStep is { } s ? $" from step {s}" : "")}";
}

/// <summary>One row of the control table.</summary>
public sealed record ControlRequest(
    long Id, string RunId, ControlAsk Ask, ControlState State, string Outcome, string RequestedBy, DateTime Requested, DateTime? Changed)
{
    public bool IsAnswered => State is ControlState.Done or ControlState.Refused or ControlState.Withdrawn;
}

/// <summary>How the trainer answers a request: done or refused, with the line the asker prints.</summary>
public sealed record ControlAnswer(bool Done, string Outcome)
{
    public static ControlAnswer Ok(string outcome) => new(true, outcome);

    public static ControlAnswer Refuse(string why) => new(false, why);
}
