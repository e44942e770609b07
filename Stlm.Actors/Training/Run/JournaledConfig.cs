using Stlm.Actors.Configuration;

namespace Stlm.Actors.Training.Run;

public static class JournaledConfig
{
    /// <summary>The config the run was created with, as its first event journaled it, resolved.</summary>
    public static Config Config(this RunCreated created) =>
        Configuration.Config.ParseString(created.ConfigHocon, $"run {created.RunId}").Resolve();
}
