using System.Globalization;

namespace Stlm.Actors.Configuration;

/// <summary>
/// A node of the configuration tree. Resolved trees hold only objects, lists and scalars; the
/// internal kinds (substitution, concatenation, merge stack) exist between parsing and Resolve().
/// Every node remembers where it was written so that errors can point at it.
/// </summary>
public abstract class ConfigValue(ConfigOrigin origin)
{
    public ConfigOrigin Origin { get; } = origin;

    /// <summary>A short description for error messages: `string "abc"`, `object`, `list`.</summary>
    public abstract string Describe();

    internal virtual bool IsResolved => true;
}

/// <summary>An object; besides each value's origin it remembers where each key was written (for "unknown key" errors).</summary>
public sealed class ConfigObject(
    ConfigOrigin origin, OrderedDictionary<string, ConfigValue> fields, IReadOnlyDictionary<string, ConfigOrigin>? keyOrigins = null) : ConfigValue(origin)
{
    static readonly Dictionary<string, ConfigOrigin> NoKeyOrigins = [];

    public static ConfigObject Empty(ConfigOrigin origin) => new(origin, new OrderedDictionary<string, ConfigValue>());

    public IReadOnlyDictionary<string, ConfigValue> Fields { get; } = fields;

    internal IReadOnlyDictionary<string, ConfigOrigin> KeyOrigins { get; } = keyOrigins ?? NoKeyOrigins;

    /// <summary>Where <paramref name="key"/> was written, or where its value was when the key's own position is unknown.</summary>
    public ConfigOrigin KeyOrigin(string key) => KeyOrigins.TryGetValue(key, out var o) ? o : Fields[key].Origin;

    internal OrderedDictionary<string, ConfigValue> Copy() => new(fields);

    public override string Describe() => "object";

    internal override bool IsResolved => Fields.Values.All(v => v.IsResolved);
}

public sealed class ConfigList(ConfigOrigin origin, IReadOnlyList<ConfigValue> items) : ConfigValue(origin)
{
    public IReadOnlyList<ConfigValue> Items { get; } = items;

    public override string Describe() => "list";

    internal override bool IsResolved => Items.All(v => v.IsResolved);
}

/// <summary>A string. <see cref="IsWhitespace"/> marks the unquoted blanks between parts of a concatenation, which vanish between objects and lists.</summary>
public sealed class ConfigString(ConfigOrigin origin, string value, bool isWhitespace = false) : ConfigValue(origin)
{
    public string Value { get; } = value;
    internal bool IsWhitespace { get; } = isWhitespace;

    public override string Describe() => $"string \"{Value}\"";
}

/// <summary>A number kept as written, so that concatenation and rendering reproduce `1.50` as `1.50`.</summary>
public sealed class ConfigNumber(ConfigOrigin origin, string text) : ConfigValue(origin)
{
    public string Text { get; } = text;

    public bool IsInteger => long.TryParse(Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _);

    public double AsDouble() => double.Parse(Text, NumberStyles.Float, CultureInfo.InvariantCulture);

    public override string Describe() => $"number {Text}";
}

public sealed class ConfigBoolean(ConfigOrigin origin, bool value) : ConfigValue(origin)
{
    public bool Value { get; } = value;

    public override string Describe() => $"boolean {(Value ? "true" : "false")}";
}

public sealed class ConfigNull(ConfigOrigin origin) : ConfigValue(origin)
{
    public override string Describe() => "null";
}

/// <summary>
/// `${path}` or `${?path}`. <see cref="Prefix"/> is the path an include was nested under (the
/// substitution is looked up below it first, then from the root). A self-reference (`a = ${a} x`)
/// reads the value the field had before this definition: <see cref="Below"/>, filled in when the
/// definitions are merged.
/// </summary>
internal sealed class Substitution(
    ConfigOrigin origin, ConfigPath path, bool optional, ConfigPath prefix,
    int selfFieldLength = 0, ConfigValue? below = null) : ConfigValue(origin)
{
    public ConfigPath Path { get; } = path;
    public bool Optional { get; } = optional;
    public ConfigPath Prefix { get; } = prefix;

    /// <summary>Length of the field path this substitution refers back to; 0 when not a self-reference.</summary>
    public int SelfFieldLength { get; } = selfFieldLength;
    public ConfigValue? Below { get; } = below;

    public bool IsSelfReference => SelfFieldLength > 0;
    public ConfigPath FullPath => Prefix.Concat(Path);

    public Substitution AsSelfReference(int fieldLength) => new(Origin, Path, Optional, Prefix, fieldLength, Below);
    public Substitution WithBelow(ConfigValue below) => new(Origin, Path, Optional, Prefix, SelfFieldLength, below);

    public string Text => $"${{{(Optional ? "?" : "")}{FullPath}}}";

    public override string Describe() => $"substitution {Text}";
    internal override bool IsResolved => false;
}

/// <summary>Values written side by side (`${a} [x]`, `foo bar`, `{a:1} {b:2}`), joined once substitutions are known.</summary>
internal sealed class Concatenation(ConfigOrigin origin, IReadOnlyList<ConfigValue> parts) : ConfigValue(origin)
{
    public IReadOnlyList<ConfigValue> Parts { get; } = parts;

    public override string Describe() => "concatenation";
    internal override bool IsResolved => false;
}

/// <summary>
/// Definitions of one field, highest priority first, that cannot be merged before resolving
/// (one of them is a substitution that may or may not turn out to be an object).
/// </summary>
internal sealed class MergeStack(ConfigOrigin origin, IReadOnlyList<ConfigValue> layers) : ConfigValue(origin)
{
    public IReadOnlyList<ConfigValue> Layers { get; } = layers;

    public override string Describe() => "merge of several definitions";
    internal override bool IsResolved => false;
}
