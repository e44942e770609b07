using System.Globalization;
using Stlm.Model;

namespace Stlm.Actors.Configuration;

/// <summary>
/// An immutable HOCON configuration. Parse, layer with WithFallback (this wins), Resolve once,
/// then read with typed getters or bind a section to a record. Paths are HOCON path expressions
/// (`training.lr`, `a."b.c"`). Every error names the file:line:col of the value at fault.
/// </summary>
public sealed class Config
{
    public ConfigObject Root { get; }
    public bool IsResolved { get; }

    Config(ConfigObject root, bool resolved) { Root = root; IsResolved = resolved; }

    public static Config Empty { get; } = new(ConfigObject.Empty(ConfigOrigin.Unknown), true);

    /// <summary>Parses HOCON text; <paramref name="source"/> names it in errors; includes are relative to <paramref name="baseDirectory"/> (default: the working directory).</summary>
    public static Config ParseString(string text, string source = "(string)", string? baseDirectory = null) =>
        FromParsed(HoconParser.Parse(text, source, ConfigPath.Root, Includer.ForText(baseDirectory)));

    /// <summary>Parses a .conf, .json or .properties file; includes are relative to its folder.</summary>
    public static Config ParseFile(string path)
    {
        if (!File.Exists(path))
            throw new StlmException($"config file {path} not found (check the path given to --config)");
        var text = File.ReadAllText(path);
        if (Path.GetExtension(path).Equals(".properties", StringComparison.OrdinalIgnoreCase))
            return FromParsed(PropertiesParser.Parse(text, path));
        return FromParsed(HoconParser.Parse(text, path, ConfigPath.Root, Includer.ForFile(path)));
    }

    /// <summary>Parses a config file embedded in Stlm.Actors (e.g. "reference.conf").</summary>
    public static Config ParseResource(string name)
    {
        var text = EmbeddedResource.TryRead(name) ?? throw new InvalidOperationException($"resource {name} is not embedded in Stlm.Actors");
        return ParseString(text, name);
    }

    static Config FromParsed(ConfigObject root) => new(root, root.IsResolved);

    internal static Config FromObject(ConfigObject root) => FromParsed(root);

    /// <summary>This configuration, with <paramref name="fallback"/> supplying what this one lacks (objects merge, this wins).</summary>
    public Config WithFallback(Config fallback) =>
        FromParsed((ConfigObject)Merger.Merge(Root, fallback.Root));

    /// <summary>Replaces every substitution; <paramref name="environment"/> (default: the process environment) answers names not found in the tree.</summary>
    public Config Resolve(Func<string, string?>? environment = null) =>
        IsResolved ? this : new(Resolver.Resolve(Root, environment ?? Environment.GetEnvironmentVariable), true);

    public bool HasPath(string path) => Find(ConfigPath.Parse(path)) is not null and not ConfigNull;

    public ConfigValue GetValue(string path) => GetValue(ConfigPath.Parse(path));

    public ConfigValue GetValue(ConfigPath path) =>
        Find(path) ?? throw new StlmException($"missing configuration key `{path}` (set it in your --config file, with --set {path}=…, or in hocon/reference.conf)");

    public ConfigValue? Find(ConfigPath path)
    {
        if (!IsResolved) throw new InvalidOperationException("call Resolve() before reading values");
        ConfigValue current = Root;
        foreach (var key in path.Keys)
            if (current is not ConfigObject o || !o.Fields.TryGetValue(key, out current!)) return null;
        return current;
    }

    public string GetString(string path) => GetValue(path) switch
    {
        ConfigString s => s.Value,
        ConfigNumber n => n.Text,
        ConfigBoolean b => b.Value ? "true" : "false",
        var v => throw WrongType(path, v, "a string"),
    };

    public bool GetBoolean(string path) => GetValue(path) switch
    {
        ConfigBoolean b => b.Value,
        ConfigString { Value: "true" or "yes" or "on" } => true,
        ConfigString { Value: "false" or "no" or "off" } => false,
        var v => throw WrongType(path, v, "a boolean (true/false, yes/no, on/off)"),
    };

    public double GetDouble(string path) => ValueConversions.ToDouble(GetValue(path)) ?? throw WrongType(path, GetValue(path), "a number");

    public long GetLong(string path) => ValueConversions.ToLong(GetValue(path)) ?? throw WrongType(path, GetValue(path), "a whole number");

    public int GetInt(string path)
    {
        var value = GetLong(path);
        return value is >= int.MinValue and <= int.MaxValue ? (int)value : throw WrongType(path, GetValue(path), "a whole number that fits in 32 bits");
    }

    public TimeSpan GetDuration(string path) =>
        ValueConversions.ToDuration(GetValue(path)) ?? throw WrongType(path, GetValue(path), $"a duration such as 10s or 5 minutes (units: {Units.DurationUnits})");

    public long GetBytes(string path) =>
        ValueConversions.ToBytes(GetValue(path)) ?? throw WrongType(path, GetValue(path), $"a size such as 512K or 2 GiB (units: {Units.SizeUnits})");

    public IReadOnlyList<string> GetStringList(string path) => GetValue(path) switch
    {
        ConfigList l => l.Items.Select(i => i switch
        {
            ConfigString s => s.Value,
            ConfigNumber n => n.Text,
            ConfigBoolean b => b.Value ? "true" : "false",
            _ => throw WrongType(path, i, "a list of strings"),
        }).ToArray(),
        var v => throw WrongType(path, v, "a list of strings"),
    };

    public IReadOnlyList<ConfigValue> GetList(string path) => GetValue(path) switch
    {
        ConfigList l => l.Items,
        var v => throw WrongType(path, v, "a list"),
    };

    public ConfigObject GetObject(string path) => GetValue(path) switch
    {
        ConfigObject o => o,
        var v => throw WrongType(path, v, "an object"),
    };

    public Config GetConfig(string path) => GetValue(path) switch
    {
        ConfigObject o => new Config(o, true),
        var v => throw WrongType(path, v, "an object"),
    };

    /// <summary>Binds the object at <paramref name="path"/> ("" = root) to a record; see <see cref="ConfigBinder"/>.</summary>
    public T Bind<T>(string path = "") => ConfigBinder.Bind<T>(this, path);

    /// <summary>This configuration with <paramref name="path"/> set to a value (used for programmatic overrides).</summary>
    public Config WithValue(string path, ConfigValue value)
    {
        var keys = ConfigPath.Parse(path);
        for (var i = keys.Count - 1; i >= 0; i--)
            value = new ConfigObject(value.Origin, new OrderedDictionary<string, ConfigValue> { [keys[i]] = value });
        return FromParsed((ConfigObject)value).WithFallback(this);
    }

    public string ToJson() => ConfigRenderer.ToJson(Root);

    /// <summary>SHA-256 (hex) of the canonical JSON: the same values give the same hash whatever file, order or origin they came from (a checkpoint records it).</summary>
    public string ContentHash() =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(ConfigRenderer.ToCanonicalJson(Root))));

    /// <summary>HOCON text; with <paramref name="origins"/>, each field carries a comment naming where it was set.</summary>
    public string ToHocon(bool origins = false) => ConfigRenderer.ToHocon(Root, origins);

    public override string ToString() => ToHocon();

    static ConfigException WrongType(string path, ConfigValue value, string expected) =>
        new(value.Origin, $"`{path}` must be {expected} but is {value.Describe()}", "fix the value in the configuration");
}

/// <summary>The lenient conversions the getters and the binder share (a quoted "42" is still a number).</summary>
internal static class ValueConversions
{
    public static double? ToDouble(ConfigValue v) => v switch
    {
        ConfigNumber n => n.AsDouble(),
        ConfigString s when double.TryParse(s.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        _ => null,
    };

    public static long? ToLong(ConfigValue v)
    {
        var text = v switch { ConfigNumber n => n.Text, ConfigString s => s.Value.Trim(), _ => null };
        if (text is null) return null;
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)) return l;
        // 1e6 or 3.0 are whole numbers written as floats.
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d == Math.Floor(d) && Math.Abs(d) < 9.2e18 ? (long)d : null;
    }

    public static TimeSpan? ToDuration(ConfigValue v) => v switch
    {
        ConfigNumber n => TimeSpan.FromTicks((long)Math.Round(n.AsDouble() * TimeSpan.TicksPerMillisecond)),
        ConfigString s => Units.ParseDuration(s.Value),
        _ => null,
    };

    public static long? ToBytes(ConfigValue v) => v switch
    {
        ConfigNumber n when n.IsInteger => long.Parse(n.Text, CultureInfo.InvariantCulture),
        ConfigString s => Units.ParseBytes(s.Value),
        _ => null,
    };
}
