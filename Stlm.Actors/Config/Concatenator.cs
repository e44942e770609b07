using System.Text;

namespace Stlm.Actors.Configuration;

/// <summary>
/// Joins the parts of a value concatenation once each part is known: strings (and scalars,
/// as written) join into one string; lists join into one list; objects merge, later winning.
/// Unquoted blanks between lists or objects vanish; any other mix is an error.
/// </summary>
internal static class Concatenator
{
    /// <summary>Returns null when every part was an undefined optional substitution.</summary>
    public static ConfigValue? Join(ConfigOrigin origin, IReadOnlyList<ConfigValue> parts)
    {
        var solid = parts.Where(p => p is not ConfigString { IsWhitespace: true }).ToList();
        if (solid.Count == 0) return null;
        if (solid.Count == 1) return solid[0];

        var first = solid.FirstOrDefault(p => p is ConfigObject or ConfigList);
        if (first is null)
            return new ConfigString(origin, JoinText(TrimBlanks(parts)));

        var odd = solid.FirstOrDefault(p => p.GetType() != first.GetType());
        if (odd is not null)
            throw new ConfigException(odd.Origin,
                $"cannot concatenate {odd.Describe()} with a{(first is ConfigList ? " list" : "n object")} written before it",
                "put a comma or newline between separate values, or quote the text");

        if (first is ConfigList)
            return new ConfigList(first.Origin, solid.SelectMany(p => ((ConfigList)p).Items).ToArray());
        return solid.Cast<ConfigObject>().Aggregate((below, top) => Merger.MergeObjects(top, below));
    }

    static IEnumerable<ConfigValue> TrimBlanks(IReadOnlyList<ConfigValue> parts) =>
        parts.SkipWhile(p => p is ConfigString { IsWhitespace: true })
             .Reverse().SkipWhile(p => p is ConfigString { IsWhitespace: true }).Reverse();

    static string JoinText(IEnumerable<ConfigValue> parts)
    {
        var b = new StringBuilder();
        foreach (var p in parts)
            b.Append(p switch
            {
                ConfigString s => s.Value,
                ConfigNumber n => n.Text,
                ConfigBoolean v => v.Value ? "true" : "false",
                ConfigNull => "null",
                _ => throw new InvalidOperationException($"unexpected {p.Describe()} in a string concatenation"),
            });
        return b.ToString();
    }
}
