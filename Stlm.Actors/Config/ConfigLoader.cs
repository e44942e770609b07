using Stlm.Model;

namespace Stlm.Actors.Configuration;

/// <summary>
/// The configuration every command sees, layered lowest first: hocon/reference.conf (embedded in
/// this assembly, so the CLI works from any folder) ← the --config file ← each --set key=value
/// (later --set wins). Substitutions are resolved after layering, so an override can use
/// ${…} and self-references (`--set 'training.tags=${training.tags} [x]'`).
/// </summary>
public static class ConfigLoader
{
    public const string ReferenceResource = "reference.conf";

    public static Config Reference() => Config.ParseResource(ReferenceResource);

    public static Config Load(string? configFile, IEnumerable<string> sets, Func<string, string?>? environment = null)
    {
        var config = Reference();
        if (configFile is not null) config = Config.ParseFile(configFile).WithFallback(config);
        foreach (var set in sets) config = ParseSet(set).WithFallback(config);
        return config.Resolve(environment);
    }

    /// <summary>Parses one `--set a.b=c` argument: the key is a HOCON path, the value a HOCON value.</summary>
    public static Config ParseSet(string argument)
    {
        var source = $"--set {argument}";
        if (argument.IndexOfAny(['=', ':', '{']) < 0)
            throw new StlmException($"--set {argument}: expected key=value, e.g. --set training.lr=3e-4");
        try
        {
            return Config.ParseString(argument, source);
        }
        catch (ConfigException e) when (!e.Message.Contains(source, StringComparison.Ordinal))
        {
            throw new StlmException($"{source}: {e.Message}", e);
        }
    }
}
