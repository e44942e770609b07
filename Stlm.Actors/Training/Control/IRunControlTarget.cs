namespace Stlm.Actors.Training.Control;

/// <summary>
/// What the training process does with a request taken from the control table. Each method
/// returns the outcome line the asker prints once the thing is done (a pause: once the
/// checkpoint is committed and the run is Paused); a user-level refusal is an StlmException.
/// </summary>
public interface IRunControlTarget
{
    Task<string> PauseAsync(string reason, CancellationToken ct);

    Task<string> OverrideAsync(string what, string value, long? fromStep, CancellationToken ct);
}
