namespace Stlm.Actors.Configuration;

/// <summary>
/// Replaces every substitution in a merged tree by the value it names. Works lazily: a node is
/// first resolved "shallowly" (to an object, list or scalar whose children may still be
/// unresolved), so that an object may refer to paths inside itself; a substitution met again
/// while it is being resolved is a cycle. Not found in the tree → environment variable → error
/// (or nothing, for `${?…}`).
/// </summary>
internal sealed class Resolver(ConfigObject root, Func<string, string?> environment)
{
    readonly Dictionary<ConfigValue, ConfigValue?> _shallow = new(ReferenceEqualityComparer.Instance);
    readonly Dictionary<ConfigValue, ConfigValue?> _full = new(ReferenceEqualityComparer.Instance);
    readonly List<Substitution> _resolving = [];
    readonly HashSet<ConfigValue> _expanding = new(ReferenceEqualityComparer.Instance);

    public static ConfigObject Resolve(ConfigObject root, Func<string, string?> environment) =>
        (ConfigObject)(new Resolver(root, environment).Full(root, ConfigPath.Root) ?? ConfigObject.Empty(root.Origin));

    /// <summary>The node with every substitution inside it resolved; null when it is an undefined optional substitution.</summary>
    ConfigValue? Full(ConfigValue node, ConfigPath at)
    {
        if (_full.TryGetValue(node, out var done)) return done;
        if (!_expanding.Add(node))
            throw new ConfigException(node.Origin, $"cycle: the value of `{at}` contains itself", "a field cannot include a substitution of one of its parents");
        var shallow = Shallow(node);
        ConfigValue? result = shallow switch
        {
            null => null,
            ConfigObject o => FullObject(o, at),
            ConfigList l => new ConfigList(l.Origin, l.Items.Select((item, i) => Full(item, at.Append(i.ToString()))).OfType<ConfigValue>().ToArray()),
            _ => shallow,
        };
        _expanding.Remove(node);
        _full[node] = result;
        return result;
    }

    ConfigObject FullObject(ConfigObject o, ConfigPath at)
    {
        var fields = new OrderedDictionary<string, ConfigValue>();
        foreach (var (key, value) in o.Fields)
            if (Full(value, at.Append(key)) is { } v) fields[key] = v;
        return new ConfigObject(o.Origin, fields, o.KeyOrigins);
    }

    ConfigValue? Shallow(ConfigValue node)
    {
        if (node is ConfigObject or ConfigList or ConfigString or ConfigNumber or ConfigBoolean or ConfigNull) return node;
        if (_shallow.TryGetValue(node, out var done)) return done;
        var result = node switch
        {
            Substitution s => ResolveSubstitution(s),
            Concatenation c => Concatenator.Join(c.Origin, c.Parts.Select(Shallow).OfType<ConfigValue>().ToArray()),
            MergeStack m => ResolveStack(m),
            _ => throw new InvalidOperationException($"unknown config node {node.GetType().Name}"),
        };
        _shallow[node] = result;
        return result;
    }

    ConfigValue? ResolveStack(MergeStack stack)
    {
        ConfigValue? result = null;
        foreach (var layer in stack.Layers)
        {
            var value = Shallow(layer);
            if (value is null) continue;
            if (result is null) result = value;
            else if (value is ConfigObject below) result = Merger.MergeObjects((ConfigObject)result, below);
            if (result is not ConfigObject) break;
            if (value is not ConfigObject) break;
        }
        return result;
    }

    ConfigValue? ResolveSubstitution(Substitution s)
    {
        var first = _resolving.FindIndex(r => ReferenceEquals(r, s));
        if (first >= 0)
        {
            var cycle = _resolving.Skip(first).Append(s).Select(r => r.Text);
            throw new ConfigException(_resolving[first].Origin, $"substitution cycle {string.Join(" -> ", cycle)}", "make one of these values a literal instead of a substitution");
        }
        _resolving.Add(s);
        try
        {
            var found = s.IsSelfReference ? LookUpBelow(s) : LookUp(s.FullPath) ?? (s.Prefix.IsRoot ? null : LookUp(s.Path));
            found ??= FromEnvironment(s);
            if (found is null && !s.Optional)
                throw new ConfigException(s.Origin, $"could not resolve substitution {s.Text}",
                    $"define `{s.FullPath}` in the configuration or the environment, or write ${{?{s.FullPath}}} to make it optional");
            return found;
        }
        finally { _resolving.RemoveAt(_resolving.Count - 1); }
    }

    ConfigValue? LookUpBelow(Substitution s) =>
        s.Below is null ? null : Walk(Shallow(s.Below), s.FullPath.Skip(s.SelfFieldLength));

    ConfigValue? LookUp(ConfigPath path) => Walk(root, path);

    ConfigValue? Walk(ConfigValue? from, ConfigPath path)
    {
        var current = from;
        foreach (var key in path.Keys)
        {
            if (current is not ConfigObject o || !o.Fields.TryGetValue(key, out var child)) return null;
            current = Shallow(child);
        }
        return current;
    }

    ConfigValue? FromEnvironment(Substitution s)
    {
        var name = string.Join('.', s.Path.Keys);
        return environment(name) is { } value ? new ConfigString(ConfigOrigin.Environment(name), value) : null;
    }
}
