namespace Stlm.Actors.Runtime;

/// <summary>
/// Where an actor lives in the hierarchy: <c>akka://stlm/user/run-1/trainer</c>. The scheme is
/// Akka's so paths read the same after a move to Akka.NET.
/// </summary>
public sealed class ActorPath : IEquatable<ActorPath>
{
    public string SystemName { get; }
    public string Name { get; }
    public ActorPath? Parent { get; }
    readonly string _text;

    ActorPath(string systemName, string name, ActorPath? parent)
    {
        SystemName = systemName;
        Name = name;
        Parent = parent;
        _text = parent is null ? $"akka://{systemName}/"
            : parent.Parent is null ? parent._text + name
            : parent._text + "/" + name;
    }

    public static ActorPath Root(string systemName) => new(systemName, "", null);

    public ActorPath Child(string name) => new(SystemName, name, this);

    /// <summary>The names below the root, e.g. ["user", "run-1", "trainer"].</summary>
    public IReadOnlyList<string> Elements
    {
        get
        {
            var names = new List<string>();
            for (var p = this; p.Parent is not null; p = p.Parent)
                names.Insert(0, p.Name);
            return names;
        }
    }

    public override string ToString() => _text;
    public bool Equals(ActorPath? other) => other is not null && other._text == _text;
    public override bool Equals(object? obj) => obj is ActorPath p && Equals(p);
    public override int GetHashCode() => _text.GetHashCode();

    /// <summary>Throws when a child name could not be a path element.</summary>
    public static void ValidateName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.StartsWith('$') || name.Contains('/') || name.Contains('#')
            || name.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            throw new InvalidActorNameException(
                $"invalid actor name '{name}': use a non-empty name without '/', '#', spaces, and not starting with '$'");
    }
}
