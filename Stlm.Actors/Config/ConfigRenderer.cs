using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Stlm.Actors.Configuration;

/// <summary>Writes a resolved tree as indented JSON or as HOCON (optionally with origin comments).</summary>
internal static class ConfigRenderer
{
    public static string ToJson(ConfigValue value) => Json(value, indented: true, sortKeys: false);

    /// <summary>Compact JSON with keys sorted, so equal trees give equal text whatever order they were written in.</summary>
    public static string ToCanonicalJson(ConfigValue value) => Json(value, indented: false, sortKeys: true);

    static string Json(ConfigValue value, bool indented, bool sortKeys)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            WriteJson(writer, value, sortKeys);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    static void WriteJson(Utf8JsonWriter w, ConfigValue value, bool sortKeys)
    {
        switch (value)
        {
            case ConfigObject o:
                w.WriteStartObject();
                var fields = sortKeys ? o.Fields.OrderBy(f => f.Key, StringComparer.Ordinal) : o.Fields.AsEnumerable();
                foreach (var (key, child) in fields)
                {
                    w.WritePropertyName(key);
                    WriteJson(w, child, sortKeys);
                }
                w.WriteEndObject();
                break;
            case ConfigList l:
                w.WriteStartArray();
                foreach (var item in l.Items) WriteJson(w, item, sortKeys);
                w.WriteEndArray();
                break;
            case ConfigString s: w.WriteStringValue(s.Value); break;
            case ConfigNumber n: w.WriteRawValue(n.Text); break;
            case ConfigBoolean b: w.WriteBooleanValue(b.Value); break;
            case ConfigNull: w.WriteNullValue(); break;
            default: throw new InvalidOperationException($"cannot render an unresolved {value.Describe()}; call Resolve() first");
        }
    }

    public static string ToHocon(ConfigObject root, bool origins)
    {
        var b = new StringBuilder();
        WriteFields(b, root, 0, origins);
        return b.ToString();
    }

    static void WriteFields(StringBuilder b, ConfigObject o, int depth, bool origins)
    {
        var indent = new string(' ', depth * 2);
        foreach (var (key, value) in o.Fields)
        {
            if (origins && value is not ConfigObject) b.Append(indent).Append("# ").Append(value.Origin).Append('\n');
            b.Append(indent).Append(ConfigPath.RenderKey(key));
            if (value is ConfigObject child)
            {
                b.Append(" {\n");
                WriteFields(b, child, depth + 1, origins);
                b.Append(indent).Append("}\n");
            }
            else b.Append(" = ").Append(Inline(value, depth)).Append('\n');
        }
    }

    static string Inline(ConfigValue value, int depth) => value switch
    {
        ConfigString s => ConfigPath.Quote(s.Value),
        ConfigNumber n => n.Text,
        ConfigBoolean v => v.Value ? "true" : "false",
        ConfigNull => "null",
        ConfigList l => "[" + string.Join(", ", l.Items.Select(i => Inline(i, depth + 1))) + "]",
        ConfigObject o => "{ " + string.Join(", ", o.Fields.Select(f => $"{ConfigPath.RenderKey(f.Key)} = {Inline(f.Value, depth + 1)}")) + " }",
        _ => throw new InvalidOperationException($"cannot render an unresolved {value.Describe()}; call Resolve() first"),
    };
}
