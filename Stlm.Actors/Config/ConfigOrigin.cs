namespace Stlm.Actors.Configuration;

/// <summary>Where a value was written: a file (or a pseudo-source such as `--set …`), line and column, 1-based.</summary>
public sealed record ConfigOrigin(string Source, int Line, int Column)
{
    public static readonly ConfigOrigin Unknown = new("(unknown)", 0, 0);

    public static ConfigOrigin Environment(string variable) => new($"environment variable {variable}", 0, 0);

    public override string ToString() => Line > 0 ? $"{Source}:{Line}:{Column}" : Source;
}
