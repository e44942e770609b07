using Stlm.Actors.Configuration;
using Stlm.Model;

namespace Stlm.Host.Runs;

/// <summary>
/// Settings of this process rather than of a run: where the data and journal are, and logging.
/// A run trains with its journaled configuration (its trajectory depends on it), so `stlm resume`
/// takes only these in --config/--set, and `stlm fork` passes every other --set to the new run.
/// </summary>
public static class ProcessSettings
{
    public static readonly IReadOnlyList<string> Sections = ["stlm", "journal", "logging", "cluster"];

    public static bool IsProcessKey(string set) => ConfigLoader.ParseSet(set).Root.Fields.Keys.All(Sections.Contains);

    /// <summary>Refuses, in one line, a --set or --config of `stlm resume` that would change the run.</summary>
    public static void CheckResume(string runId, string? configFile, IReadOnlyList<string> sets)
    {
        foreach (var set in sets.Where(s => !IsProcessKey(s)))
            throw new StlmException($"--set {set}: {runId} resumes with its journaled configuration, so only {Where} may be set; " +
                                    $"change lr or dropout with `stlm set {runId} lr=…`, anything else with `stlm fork {runId} --set {set}`");
        CheckFile(configFile, $"{runId} resumes with its journaled configuration", $"fork {runId} to change it");
    }

    /// <summary>Refuses a --config file that sets more than where things are, for commands that take no run settings from it.</summary>
    public static void CheckFile(string? configFile, string why, string instead)
    {
        if (configFile is not null && ConfigLoader.ParseFile(configFile).Root.Fields.Keys.FirstOrDefault(k => !Sections.Contains(k)) is { } key)
            throw new StlmException($"--config {configFile} sets `{key}`: {why}, so the file may only hold {Where}; {instead}");
    }

    static string Where => string.Join(", ", Sections.Select(s => s + ".*"));
}
