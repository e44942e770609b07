namespace Stlm.Actors.Configuration;

/// <summary>
/// Refuses a key no part of Stlm reads, at any depth, before it is layered: every key a user
/// writes (--config file, --set) must exist in hocon/reference.conf, except under the free-form
/// sections, whose keys are the user's own. Without this a misspelled section (`trainig.max-steps`,
/// `journal.path`) would be silently ignored, as only sections bound to records are closed.
/// List items (eval.tasks entries, training.tags) are checked where they are read.
/// </summary>
public static class KnownKeys
{
    /// <summary>Sections Stlm never reads: `notes { … }` holds the user's own keys (kept with a run's configuration).</summary>
    public static readonly IReadOnlyList<string> FreeForm = ["notes"];

    static readonly Lazy<ConfigObject> Reference = new(() => ConfigLoader.Reference().Root);

    /// <summary>Throws a one-line ConfigException (file:line:col, did-you-mean) for the first unknown key of <paramref name="layer"/>.</summary>
    public static void Check(Config layer) => Check(layer.Root, Reference.Value, "");

    static void Check(ConfigObject layer, ConfigObject reference, string path)
    {
        foreach (var (key, value) in layer.Fields)
        {
            var at = Join(path, key);
            if (path.Length == 0 && FreeForm.Contains(key)) continue;
            if (!reference.Fields.TryGetValue(key, out var known))
                throw new ConfigException(layer.KeyOrigin(key), $"unknown key `{at}`", Suggest(reference, path, key));
            if (value is ConfigObject inner && known is ConfigObject knownInner) Check(inner, knownInner, at);
        }
    }

    /// <summary>
    /// The key meant: a sibling spelled nearly alike, else a key of that name deeper in the same
    /// section (`journal.path` → `journal.sqlite.path`), else the section's keys.
    /// </summary>
    static string Suggest(ConfigObject reference, string path, string key)
    {
        var siblings = reference.Fields.Keys.ToList();
        var closest = siblings.MinBy(k => ConfigBinder.Distance(k, key));
        if (closest is not null && ConfigBinder.Distance(closest, key) <= Math.Max(2, closest.Length / 3))
            return $"did you mean `{Join(path, closest)}`?";
        var deeper = Paths(reference, path).Where(p => p.EndsWith("." + ConfigPath.RenderKey(key), StringComparison.Ordinal)).ToList();
        if (deeper.Count > 0) return $"did you mean {string.Join(" or ", deeper.Select(p => $"`{p}`"))}?";
        var sections = path.Length == 0 ? $" (or put your own keys under {string.Join(", ", FreeForm.Select(f => f + " { }"))})" : "";
        return $"known keys here: {string.Join(", ", siblings)}{sections}";
    }

    static IEnumerable<string> Paths(ConfigObject o, string path)
    {
        foreach (var (key, value) in o.Fields)
        {
            var at = Join(path, key);
            yield return at;
            if (value is ConfigObject inner)
                foreach (var p in Paths(inner, at)) yield return p;
        }
    }

    static string Join(string path, string key) => path.Length == 0 ? ConfigPath.RenderKey(key) : $"{path}.{ConfigPath.RenderKey(key)}";
}
