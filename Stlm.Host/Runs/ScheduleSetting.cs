using Stlm.Model;
using Stlm.Model.Schedules;

namespace Stlm.Host.Runs;

/// <summary>
/// One `stlm set` argument: `lr=3e-4` (set) or `lr*=0.5` (scale), as the journal keeps it
/// (ScheduleOverridden: what "lr", value "3e-4" or "*0.5"). The step comes from --from-step.
/// </summary>
public sealed record ScheduleSetting(string What, string Value)
{
    public static ScheduleSetting Parse(string text)
    {
        if (text.Contains('@'))
            throw new StlmException($"`{text}`: give the step with --from-step N, not @");
        var parsed = ScheduleOverride.Parse(text); // one line naming what is wrong, or the known names
        var eq = text.IndexOf('=');
        var value = text[(eq + 1)..].Trim();
        return new ScheduleSetting(parsed.What, parsed.Mode == OverrideMode.Scale ? "*" + value : value);
    }

    public override string ToString() => Value.StartsWith('*') ? $"{What}*={Value[1..]}" : $"{What}={Value}";
}
