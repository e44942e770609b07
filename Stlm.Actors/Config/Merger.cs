namespace Stlm.Actors.Configuration;

/// <summary>
/// Merges two definitions of one field: objects merge key by key, anything else hides what is
/// below it. A definition that is still a substitution keeps the one below in a MergeStack (it
/// may turn out to be an object) — unless it refers to itself (`a = ${a} x`): then the
/// self-reference is how it reads the one below, exactly once.
/// </summary>
internal static class Merger
{
    public static ConfigValue Merge(ConfigValue top, ConfigValue below)
    {
        if (top is ConfigObject t && below is ConfigObject b) return MergeObjects(t, b);
        if (!IsUnresolvedKind(top))
            return top is ConfigObject && IsUnresolvedKind(below) ? Stack(top, below) : top;
        // A self-reference already reads the value below; stacking it again would apply it twice.
        var filled = false;
        var anchored = FillSelfReferences(top, below, ref filled);
        return filled ? anchored : Stack(anchored, below);
    }

    /// <summary>Merges key by key; the result takes <paramref name="origin"/> (default: the top object's).</summary>
    public static ConfigObject MergeObjects(ConfigObject top, ConfigObject below, ConfigOrigin? origin = null)
    {
        var fields = below.Copy();
        foreach (var (key, value) in top.Fields)
            fields[key] = fields.TryGetValue(key, out var old) ? Merge(value, old) : value;
        var keyOrigins = new Dictionary<string, ConfigOrigin>(below.KeyOrigins);
        foreach (var (key, at) in top.KeyOrigins) keyOrigins[key] = at;
        return new ConfigObject(origin ?? top.Origin, fields, keyOrigins);
    }

    static bool IsUnresolvedKind(ConfigValue v) => v is Substitution or Concatenation or MergeStack;

    static MergeStack Stack(ConfigValue top, ConfigValue below)
    {
        IEnumerable<ConfigValue> Layers(ConfigValue v) => v is MergeStack s ? s.Layers : [v];
        return new MergeStack(top.Origin, [.. Layers(top), .. Layers(below)]);
    }

    /// <summary>Points the not-yet-anchored self-references in <paramref name="value"/> at <paramref name="below"/>; <paramref name="filled"/> tells whether there was one.</summary>
    static ConfigValue FillSelfReferences(ConfigValue value, ConfigValue below, ref bool filled)
    {
        switch (value)
        {
            case Substitution { IsSelfReference: true, Below: null } s:
                filled = true;
                return s.WithBelow(below);
            case Substitution { IsSelfReference: true, Below: { } earlier } s:
                // An earlier definition this one already reads may itself read further down.
                return s.WithBelow(FillSelfReferences(earlier, below, ref filled));
            case Concatenation c:
                return new Concatenation(c.Origin, FillAll(c.Parts, below, ref filled));
            case MergeStack m:
                return new MergeStack(m.Origin, FillAll(m.Layers, below, ref filled));
            default:
                return value;
        }
    }

    static ConfigValue[] FillAll(IReadOnlyList<ConfigValue> values, ConfigValue below, ref bool filled)
    {
        var result = new ConfigValue[values.Count];
        for (var i = 0; i < values.Count; i++) result[i] = FillSelfReferences(values[i], below, ref filled);
        return result;
    }

    /// <summary>Marks the substitutions written directly in the value of field <paramref name="field"/> that refer to it or inside it.</summary>
    public static ConfigValue MarkSelfReferences(ConfigValue value, ConfigPath field) => value switch
    {
        Substitution s when s.FullPath.StartsWith(field) => s.AsSelfReference(field.Count),
        Concatenation c => new Concatenation(c.Origin, c.Parts.Select(p => MarkSelfReferences(p, field)).ToArray()),
        _ => value,
    };
}
