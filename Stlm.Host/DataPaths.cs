using System.CommandLine;
using Stlm.Actors.Configuration;
using Stlm.Actors.Persistence.Sql;
using Stlm.Host.CommandLine;
using Stlm.Model;

namespace Stlm.Host;

/// <summary>
/// Where a command keeps its data, from the configuration alone: the data folder
/// (<c>stlm.data-dir</c>, default ./stlm-data, env STLM_DATA_DIR), the journal (section
/// <c>journal</c>: engine sqlite → journal.sqlite.path, postgres → journal.postgres.connection)
/// and the logs (<c>${stlm.data-dir}/logs</c>).
/// </summary>
public sealed record DataPaths(string DataDir, JournalLocation Journal, string LogsDir)
{
    public static DataPaths From(Config config)
    {
        var dataDir = Path.GetFullPath(config.GetString("stlm.data-dir"));
        var engine = config.GetString("journal.engine");
        var journal = engine switch
        {
            "sqlite" => new JournalLocation("sqlite", Path.GetFullPath(config.GetString("journal.sqlite.path"))),
            "postgres" or "postgresql" => new JournalLocation("postgres", config.GetString("journal.postgres.connection")),
            _ => throw new StlmException($"journal.engine = \"{engine}\" is not known: use \"sqlite\" or \"postgres\""),
        };
        return new DataPaths(dataDir, journal, Path.Combine(dataDir, "logs"));
    }

    /// <summary>
    /// The paths a command's --config/--set (when it has them) lead to, for logging before the
    /// command runs; a configuration that does not load falls back to the defaults (the command
    /// itself then reports the problem).
    /// </summary>
    public static DataPaths ForCommand(ParseResult parse)
    {
        var (file, sets) = ConfigOptions.Given(parse);
        try
        {
            return From(ConfigLoader.Load(file, sets));
        }
        catch (Exception e) when (e is StlmException or IOException)
        {
            return From(ConfigLoader.Load(null, []));
        }
    }
}
