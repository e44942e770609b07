namespace Stlm.Model.Schedules;

/// <summary>
/// A schedule setting out of range. Key is the full config path (schedules.dropout.p), so the
/// layer that read the configuration can add the file:line:col the value came from.
/// </summary>
public sealed class ScheduleConfigException : StlmException
{
    public string Key { get; }
    public string Problem { get; }
    public string Fix { get; }

    public ScheduleConfigException(string key, string problem, string fix, string? origin = null)
        : base($"{problem}{(origin is null ? "" : $" at {origin}")} ({fix})")
    {
        Key = key;
        Problem = problem;
        Fix = fix;
    }

    public ScheduleConfigException At(string origin) => new(Key, Problem, Fix, origin);
}
