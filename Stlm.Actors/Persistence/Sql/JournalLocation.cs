using Stlm.Model;

namespace Stlm.Actors.Persistence.Sql;

/// <summary>
/// Where a journal lives, as written on the command line and in config:
/// "sqlite:PATH" or "postgres:CONNECTION-STRING" (a bare path means SQLite).
/// </summary>
public sealed record JournalLocation(string Engine, string Target)
{
    /// <summary>The one place that knows the default journal file, relative to the current folder.</summary>
    public const string DefaultSqlitePath = ".stlm/journal.db";

    public static JournalLocation Default => new("sqlite", DefaultSqlitePath);

    public static JournalLocation Parse(string? spec)
    {
        if (string.IsNullOrWhiteSpace(spec)) return Default;
        var colon = spec.IndexOf(':');
        var prefix = colon > 0 ? spec[..colon].ToLowerInvariant() : "";
        return prefix switch
        {
            "sqlite" when colon + 1 < spec.Length => new("sqlite", spec[(colon + 1)..]),
            "postgres" or "postgresql" when colon + 1 < spec.Length => new("postgres", spec[(colon + 1)..]),
            "sqlite" or "postgres" or "postgresql" => throw Bad(spec),
            _ when colon > 1 && !spec.Contains('/') => throw Bad(spec),
            _ => new("sqlite", spec),
        };
    }

    public SqlDialect CreateDialect(string? schema = null) => Engine switch
    {
        "sqlite" => new SqliteDialect(Target),
        "postgres" => new PostgresDialect(Target, schema),
        _ => throw Bad($"{Engine}:{Target}"),
    };

    public override string ToString() => Engine == "postgres" ? "postgres:(connection string)" : $"sqlite:{Target}";

    static StlmException Bad(string spec) => new(
        $"journal location '{spec}' is not understood; use sqlite:PATH (default sqlite:{DefaultSqlitePath}) " +
        "or postgres:Host=…;Username=…;Password=…;Database=…");
}
