using System.Globalization;
using System.Text;

namespace Stlm.Actors.Configuration;

/// <summary>
/// Java .properties files: `key=value`, `key: value` or `key value`, `#`/`!` comments, trailing-
/// backslash continuations and backslash escapes. Dotted keys become paths; values are strings.
/// When `a=1` and `a.b=2` both appear, the object wins (as lightbend's loader does).
/// </summary>
internal static class PropertiesParser
{
    public static ConfigObject Parse(string text, string source)
    {
        var root = ConfigObject.Empty(new ConfigOrigin(source, 1, 1));
        var lines = text.Replace("\r\n", "\n").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var lineNumber = i + 1;
            var logical = lines[i].TrimStart();
            if (logical.Length == 0 || logical[0] is '#' or '!') continue;
            while (EndsWithContinuation(logical) && i + 1 < lines.Length)
                logical = logical[..^1] + lines[++i].TrimStart();

            var (key, value) = Split(logical);
            var origin = new ConfigOrigin(source, lineNumber, 1);
            var keys = Unescape(key).Split('.');
            ConfigValue field = new ConfigString(origin, Unescape(value));
            for (var k = keys.Length - 1; k >= 0; k--)
                field = new ConfigObject(origin, new OrderedDictionary<string, ConfigValue> { [keys[k]] = field });
            root = MergeObjectsWin((ConfigObject)field, root);
        }
        return root;
    }

    static ConfigObject MergeObjectsWin(ConfigObject top, ConfigObject below)
    {
        var fields = below.Copy();
        foreach (var (key, value) in top.Fields)
        {
            if (!fields.TryGetValue(key, out var old)) fields[key] = value;
            else if (value is ConfigObject t && old is ConfigObject b) fields[key] = MergeObjectsWin(t, b);
            else if (old is not ConfigObject) fields[key] = value;
        }
        return new ConfigObject(below.Origin, fields);
    }

    static bool EndsWithContinuation(string line)
    {
        var slashes = line.Reverse().TakeWhile(c => c == '\\').Count();
        return slashes % 2 == 1;
    }

    static (string Key, string Value) Split(string line)
    {
        var i = 0;
        while (i < line.Length && !(line[i] is '=' or ':' || char.IsWhiteSpace(line[i])))
            i += line[i] == '\\' ? 2 : 1;
        var key = line[..Math.Min(i, line.Length)];
        while (i < line.Length && char.IsWhiteSpace(line[i])) i++;
        if (i < line.Length && line[i] is '=' or ':') i++;
        while (i < line.Length && char.IsWhiteSpace(line[i])) i++;
        return (key, i < line.Length ? line[i..] : "");
    }

    static string Unescape(string s)
    {
        var b = new StringBuilder();
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] != '\\' || i + 1 >= s.Length) { b.Append(s[i]); continue; }
            var c = s[++i];
            if (c == 'u' && i + 4 < s.Length && int.TryParse(s.AsSpan(i + 1, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
            {
                b.Append((char)code);
                i += 4;
            }
            else b.Append(c switch { 't' => '\t', 'n' => '\n', 'r' => '\r', 'f' => '\f', _ => c });
        }
        return b.ToString();
    }
}
