using Stlm.Model;

namespace Stlm.Actors.Persistence.Sql;

/// <summary>
/// Where a journal lives, as written on the command line and in config:
/// "sqlite:PATH" or "postgres:CONNECTION-STRING" (a bare path means SQLite). The default comes
/// from the configuration (section journal, under stlm.data-dir), never from here.
/// </summary>
public sealed record JournalLocation(string Engine, string Target)
{
    public static JournalLocation Parse(string spec)
    {
        if (string.IsNullOrWhiteSpace(spec)) throw Bad(spec);
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
        $"journal location '{spec}' is not understood; use sqlite:PATH " +
        "or postgres:Host=…;Username=…;Password=…;Database=…");
}
