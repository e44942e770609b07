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
        if (configFile is not null) config = ParseFile(configFile).WithFallback(config);
        foreach (var set in sets) config = ParseSet(set).WithFallback(config);
        return config.Resolve(environment);
    }

    /// <summary>A --config file, its keys checked against reference.conf (<see cref="KnownKeys"/>).</summary>
    public static Config ParseFile(string path)
    {
        var config = Config.ParseFile(path);
        KnownKeys.Check(config);
        return config;
    }

    /// <summary>
    /// Parses one `--set a.b=c` argument: the key is a HOCON path, the value a HOCON value; a key
    /// reference.conf lacks is refused (<see cref="KnownKeys"/>).
    /// </summary>
    public static Config ParseSet(string argument)
    {
        var source = $"--set {argument}";
        if (argument.IndexOfAny(['=', ':', '{']) < 0)
            throw new StlmException($"--set {argument}: expected key=value, e.g. --set training.lr=3e-4");
        Config config;
        try
        {
            config = Config.ParseString(argument, source);
        }
        catch (ConfigException e)
        {
            var message = e.Message.Contains(source, StringComparison.Ordinal) ? e.Message : $"{source}: {e.Message}";
            throw new StlmException(QuotingHint(argument) is { } hint ? $"{message}; {hint}" : message, e);
        }
        KnownKeys.Check(config);
        return config;
    }

    /// <summary>
    /// `--set torch.device=cuda:0` is not HOCON (an unquoted `:` separates keys from values): when the
    /// value parses quoted, the fix is to quote it.
    /// </summary>
    static string? QuotingHint(string argument)
    {
        var equals = argument.IndexOf('=');
        if (equals <= 0) return null;
        var (key, value) = (argument[..equals].Trim(), argument[(equals + 1)..].Trim());
        if (value.StartsWith('"') || value.Length == 0) return null;
        var quoted = $"{key}=\"{value.Replace("\\", "\\\\").Replace("\"", "\\\"")}\"";
        try
        {
            Config.ParseString(quoted, "--set");
            return $"quote the value: --set '{quoted}'";
        }
        catch (ConfigException)
        {
            return null;
        }
    }
}
