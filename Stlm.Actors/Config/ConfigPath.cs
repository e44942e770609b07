using System.Text;

namespace Stlm.Actors.Configuration;

/// <summary>A path of keys, `a.b."c.d"` → [a, b, c.d]. Immutable.</summary>
public sealed class ConfigPath : IEquatable<ConfigPath>
{
    public static readonly ConfigPath Root = new([]);

    public IReadOnlyList<string> Keys { get; }

    public ConfigPath(IReadOnlyList<string> keys) => Keys = keys;

    /// <summary>Parses a path expression as written in HOCON; throws a ConfigException naming <paramref name="source"/> when it is malformed.</summary>
    public static ConfigPath Parse(string text, string source = "path")
    {
        var reader = new HoconReader(text, source);
        var path = reader.ReadPathExpression(allowEnd: true);
        reader.SkipSpaces();
        if (!reader.AtEnd)
            throw new ConfigException(reader.Origin, $"unexpected `{reader.Peek()}` in path `{text}`", "quote keys that contain special characters");
        return path;
    }

    public int Count => Keys.Count;
    public bool IsRoot => Keys.Count == 0;
    public string this[int i] => Keys[i];

    public ConfigPath Append(string key) => new([.. Keys, key]);
    public ConfigPath Concat(ConfigPath other) => other.IsRoot ? this : IsRoot ? other : new([.. Keys, .. other.Keys]);
    public ConfigPath Skip(int n) => new(Keys.Skip(n).ToArray());

    public bool StartsWith(ConfigPath prefix) =>
        prefix.Count <= Count && prefix.Keys.Select((k, i) => k == Keys[i]).All(same => same);

    /// <summary>The key as it must be written in HOCON: quoted when it is not a plain unquoted word.</summary>
    public static string RenderKey(string key)
    {
        var plain = key.Length > 0 && key.All(c => char.IsLetterOrDigit(c) || c is '-' or '_') && !key.StartsWith('-');
        return plain ? key : Quote(key);
    }

    public static string Quote(string s)
    {
        var b = new StringBuilder("\"");
        foreach (var c in s)
            b.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '\b' => "\\b",
                '\f' => "\\f",
                < ' ' => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        return b.Append('"').ToString();
    }

    public override string ToString() => string.Join('.', Keys.Select(RenderKey));

    public bool Equals(ConfigPath? other) => other is not null && Keys.SequenceEqual(other.Keys);
    public override bool Equals(object? obj) => Equals(obj as ConfigPath);
    public override int GetHashCode() => Keys.Aggregate(17, (h, k) => h * 31 + k.GetHashCode());
}
