using System.Data.Common;
using Stlm.Actors.Persistence.Serialization;
using Stlm.Actors.Persistence.Sql;
using Stlm.Model;

namespace Stlm.Host.Journal;

/// <summary>Opens the journal a command names with --journal, with one-line errors for the usual mistakes.</summary>
public static class JournalOpener
{
    public const string OptionHelp =
        "Where the journal is: sqlite:PATH or postgres:CONNECTION-STRING (default: the configuration's journal section, under stlm.data-dir)";

    /// <summary>An existing journal (a missing SQLite file is an error, not a new empty journal).</summary>
    public static SqlPersistence OpenExisting(JournalLocation location)
    {
        if (location.Engine == "sqlite" && !File.Exists(location.Target))
            throw new StlmException(
                $"no journal at {Path.GetFullPath(location.Target)}: nothing was persisted there; " +
                "point to another data folder with --set stlm.data-dir=DIR or STLM_DATA_DIR (or journal dump --journal sqlite:PATH|postgres:CONNECTION-STRING)");
        return SqlPersistence.Open(location, StlmSerializers.Default);
    }

    /// <summary>Runs a journal read, turning a database that cannot be reached or read into one line.</summary>
    public static async Task<T> ReadAsync<T>(SqlPersistence store, Func<Task<T>> read)
    {
        try
        {
            return await read();
        }
        catch (Microsoft.Data.Sqlite.SqliteException e) when (e.SqliteErrorCode is 5 or 6 /* SQLITE_BUSY, SQLITE_LOCKED */)
        {
            throw new StlmException($"the sqlite journal at {store.Dialect.Where} is locked by another process (still, after waiting for it): " +
                                    "close whatever holds it (an open sqlite3 shell, a backup) and run the command again", e);
        }
        catch (Exception e) when (e is DbException or System.Net.Sockets.SocketException or TimeoutException)
        {
            throw new StlmException($"cannot read the {store.Dialect.Engine} journal at {store.Dialect.Where}: {e.Message}", e);
        }
    }
}
