using Stlm.Actors.Configuration;
using Stlm.Model;

namespace Stlm.Actors.Training.Recipe;

/// <summary>
/// A run's configuration: reference.conf ← the preset named by training.preset (embedded
/// from hocon/presets) ← --config ← each --set, resolved once at the end so the preset's
/// ${stlm.data-dir} follows a --set of it.
/// </summary>
public static class TrainConfigLoader
{
    public static Config Load(string? configFile, IReadOnlyList<string> sets)
    {
        var plain = ConfigLoader.Load(configFile, sets);
        var preset = plain.GetString("training.preset");
        if (preset.Length == 0) return plain;

        Config presetConfig;
        try
        {
            presetConfig = Config.ParseResource($"presets/{preset}.conf");
        }
        catch (InvalidOperationException)
        {
            throw new StlmException($"training.preset = \"{preset}\": no such preset in hocon/presets; use \"quickstart\", a preset file with --config, or \"\" for none");
        }
        var config = presetConfig.WithFallback(ConfigLoader.Reference());
        if (configFile is not null) config = ConfigLoader.ParseFile(configFile).WithFallback(config);
        foreach (var set in sets) config = ConfigLoader.ParseSet(set).WithFallback(config);
        return config.Resolve();
    }
}
