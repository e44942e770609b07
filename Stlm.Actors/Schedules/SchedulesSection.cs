using Stlm.Actors.Configuration;
using Stlm.Model.Schedules;

namespace Stlm.Actors.Schedules;

/// <summary>Reads the `schedules` section: binds it, validates it, and points a bad value at the file:line:col it came from.</summary>
public static class SchedulesSection
{
    public static SchedulesConfig Load(Config config)
    {
        var schedules = config.Bind<SchedulesConfig>(SchedulesConfig.Section);
        try
        {
            schedules.Validate();
        }
        catch (ScheduleConfigException e) when (config.Find(ConfigPath.Parse(e.Key)) is { } value && value.Origin != ConfigOrigin.Unknown)
        {
            throw e.At(value.Origin.ToString());
        }
        return schedules;
    }
}
