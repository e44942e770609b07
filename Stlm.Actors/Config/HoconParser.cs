using System.Text.RegularExpressions;

namespace Stlm.Actors.Configuration;

/// <summary>
/// Parses one HOCON (or JSON) document into an unresolved tree: fields, objects, lists, value
/// concatenations, substitutions and includes. <paramref name="prefix"/> is the path the
/// document is included under, so that its substitutions and self-references know where they live.
/// </summary>
internal sealed partial class HoconParser(HoconReader reader, ConfigPath prefix, Includer includer)
{
    [GeneratedRegex(@"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$")]
    private static partial Regex NumberSyntax();

    public static ConfigObject Parse(string text, string source, ConfigPath prefix, Includer includer) =>
        new HoconParser(new HoconReader(text, source), prefix, includer).ParseDocument();

    ConfigObject ParseDocument()
    {
        reader.SkipBlankLines();
        var origin = reader.Origin;
        ConfigObject root;
        if (reader.Peek() == '{' && !reader.AtEnd)
            root = ParseObject(prefix);
        else if (reader.Peek() == '[')
            throw reader.Error("a configuration must be an object, not a list", "wrap it as `key = [ … ]`");
        else
            root = ParseFields(prefix, origin, braced: false);
        reader.SkipBlankLines();
        if (!reader.AtEnd)
            throw reader.Error($"unexpected {reader.Found()} after the end of the configuration", "remove it or balance the braces");
        return root;
    }

    ConfigObject ParseObject(ConfigPath path)
    {
        var open = reader.Origin;
        reader.Next();
        var obj = ParseFields(path, open, braced: true);
        if (reader.AtEnd)
            throw new ConfigException(open, "unclosed `{`", "add the matching `}`");
        reader.Next();
        return obj;
    }

    ConfigObject ParseFields(ConfigPath path, ConfigOrigin origin, bool braced)
    {
        // Merged in place (not object by object) so that a long section parses in linear time.
        var fields = new OrderedDictionary<string, ConfigValue>();
        var keyOrigins = new Dictionary<string, ConfigOrigin>();
        while (true)
        {
            reader.SkipBlankLines();
            if (reader.AtEnd || (braced && reader.Peek() == '}')) return new ConfigObject(origin, fields, keyOrigins);

            var next = reader.AtInclude() ? ParseInclude(path) : ParseField(path);
            foreach (var (key, value) in next.Fields)
            {
                fields[key] = fields.TryGetValue(key, out var old) ? Merger.Merge(value, old) : value;
                keyOrigins[key] = next.KeyOrigin(key);
            }

            reader.SkipSpacesAndComments();
            if (reader.AtEnd || reader.Peek() == '\n' || (braced && reader.Peek() == '}')) continue;
            if (reader.Peek() == ',') { reader.Next(); continue; }
            throw reader.Error($"expected `,` or a new line after a field but found {reader.Found()}",
                reader.Peek() is '}' or ']' ? $"remove the `{reader.Peek()}`: it has no matching opening bracket" :
                    "separate fields with commas or newlines, and quote text that contains special characters (\"http://x\")");
        }
    }

    /// <summary>Parses `a.b.c = value` (or `:`, `+=`, or `a.b { … }`) into a one-field object.</summary>
    ConfigObject ParseField(ConfigPath path)
    {
        var keyOrigin = reader.Origin;
        var key = reader.ReadPathExpression(allowEnd: false);
        var field = path.Concat(key);
        // Newlines and comments may sit between a key and its separator (or its `{`).
        reader.SkipBlankLines();

        ConfigValue value;
        if (reader.LookingAt("+="))
        {
            reader.Next(); reader.Next();
            reader.SkipBlankLines();
            var addition = ParseValue(field, keyOrigin);
            var self = new Substitution(keyOrigin, field.Skip(prefix.Count), optional: true, prefix, field.Count);
            value = new Concatenation(keyOrigin, [self, new ConfigList(addition.Origin, [addition])]);
        }
        else if (reader.Peek() is ':' or '=' && !reader.AtEnd)
        {
            reader.Next();
            reader.SkipBlankLines();
            value = Merger.MarkSelfReferences(ParseValue(field, keyOrigin), field);
        }
        else if (reader.Peek() == '{')
            value = Merger.MarkSelfReferences(ParseValue(field, keyOrigin), field);
        else
            throw reader.Error($"expected `=`, `:` or `{{` after key `{key}` but found {reader.Found()}",
                "write `key = value`; quote keys or values that contain special characters");

        for (var i = key.Count - 1; i >= 0; i--)
        {
            var fields = new OrderedDictionary<string, ConfigValue> { [key[i]] = value };
            value = new ConfigObject(keyOrigin, fields, new Dictionary<string, ConfigOrigin> { [key[i]] = keyOrigin });
        }
        return (ConfigObject)value;
    }

    /// <summary>A value, possibly a concatenation of several written side by side on one line.</summary>
    ConfigValue ParseValue(ConfigPath? field, ConfigOrigin fieldOrigin)
    {
        var origin = reader.Origin;
        var parts = new List<ConfigValue>();
        var unquotedAlone = false;
        while (!reader.AtEnd)
        {
            var at = reader.Origin;
            var c = reader.Peek();
            if (c == '{') parts.Add(ParseObject(field ?? ConfigPath.Root));
            else if (c == '[') parts.Add(ParseList());
            else if (c == '"') parts.Add(new ConfigString(at, reader.ReadQuoted()));
            else if (reader.LookingAt("${")) parts.Add(ParseSubstitution());
            else if (reader.AtUnquoted) { parts.Add(new ConfigString(at, reader.ReadUnquoted())); unquotedAlone = parts.Count == 1; }
            else break;
            var spaces = reader.ReadSpaces();
            if (spaces.Length > 0) parts.Add(new ConfigString(reader.Origin, spaces, isWhitespace: true));
        }
        while (parts.Count > 0 && parts[^1] is ConfigString { IsWhitespace: true }) parts.RemoveAt(parts.Count - 1);

        if (parts.Count == 0)
            throw new ConfigException(origin, $"expected a value but found {reader.Found()}",
                reader.AtEnd || reader.Peek() == '\n' ? "write a value after the `=` (use \"\" for an empty string)" : "quote text that contains special characters");
        if (parts.Count == 1)
            return unquotedAlone ? TypeUnquoted((ConfigString)parts[0]) : parts[0];
        if (parts.Any(p => p is Substitution))
            return new Concatenation(origin, parts);
        return Concatenator.Join(origin, parts)!;
    }

    static ConfigValue TypeUnquoted(ConfigString s) => s.Value switch
    {
        "true" => new ConfigBoolean(s.Origin, true),
        "false" => new ConfigBoolean(s.Origin, false),
        "null" => new ConfigNull(s.Origin),
        var t when NumberSyntax().IsMatch(t) => new ConfigNumber(s.Origin, t),
        _ => s,
    };

    ConfigList ParseList()
    {
        var open = reader.Origin;
        reader.Next();
        var items = new List<ConfigValue>();
        while (true)
        {
            reader.SkipBlankLines();
            if (reader.AtEnd) throw new ConfigException(open, "unclosed `[`", "add the matching `]`");
            if (reader.Peek() == ']') { reader.Next(); return new ConfigList(open, items); }
            items.Add(ParseValue(null, reader.Origin));
            reader.SkipSpacesAndComments();
            if (reader.Peek() == ',' && !reader.AtEnd) reader.Next();
            else if (reader.AtEnd || reader.Peek() is '\n' or ']') continue;
            else throw reader.Error($"expected `,`, a new line or `]` in a list but found {reader.Found()}", "separate list items with commas or newlines");
        }
    }

    Substitution ParseSubstitution()
    {
        var origin = reader.Origin;
        reader.Next(); reader.Next();
        var optional = reader.Peek() == '?';
        if (optional) reader.Next();
        reader.SkipSpaces();
        if (!reader.AtUnquoted && reader.Peek() != '"')
            throw new ConfigException(origin, $"bad substitution: expected a path after `${{{(optional ? "?" : "")}` but found {reader.Found()}", "write ${some.path} or ${?some.path}");
        var path = reader.ReadPathExpression(allowEnd: false);
        reader.SkipSpaces();
        if (reader.Peek() != '}' || reader.AtEnd)
            throw new ConfigException(origin, $"bad substitution: expected `}}` after `${{{path}` but found {reader.Found()}", "close it with `}` and quote keys that contain special characters");
        reader.Next();
        return new Substitution(origin, path, optional, prefix);
    }

    /// <summary>include "x", include file("x"), include classpath("x"), include url("x"), each optionally inside required( ).</summary>
    ConfigObject ParseInclude(ConfigPath path)
    {
        var origin = reader.Origin;
        for (var i = 0; i < "include".Length; i++) reader.Next();
        reader.SkipSpaces();
        var required = Word("required(");
        var kind = Word("file(") ? IncludeKind.File : Word("classpath(") ? IncludeKind.Classpath : Word("url(") ? IncludeKind.Url : IncludeKind.Heuristic;
        if (reader.Peek() != '"')
            throw reader.Error($"expected a quoted file name after `include` but found {reader.Found()}", "write include \"file.conf\"");
        var name = reader.ReadQuoted();
        reader.SkipSpaces();
        if (kind != IncludeKind.Heuristic) { reader.Expect(')', $"to close the include of \"{name}\""); reader.SkipSpaces(); }
        if (required) reader.Expect(')', $"to close required( around \"{name}\"");
        return includer.Include(new IncludeRequest(kind, name, required, origin), path);

        bool Word(string w)
        {
            if (!reader.LookingAt(w)) return false;
            for (var i = 0; i < w.Length; i++) reader.Next();
            reader.SkipSpaces();
            return true;
        }
    }
}
