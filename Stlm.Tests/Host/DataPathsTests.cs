using Stlm.Actors.Configuration;
using Stlm.Actors.Persistence.Sql;
using Stlm.Host;
using Stlm.Tests.Support;

namespace Stlm.Tests.Host;

public class DataPathsTests
{
    [Fact]
    public void The_journal_and_logs_live_under_the_configured_data_folder()
    {
        var paths = DataPaths.From(ConfigLoader.Load(null, ["stlm.data-dir=/scratch/stlm"], _ => null));
        Assert.Equal("/scratch/stlm", paths.DataDir);
        Assert.Equal(new JournalLocation("sqlite", "/scratch/stlm/journal.db"), paths.Journal);
        Assert.Equal("/scratch/stlm/logs", paths.LogsDir);
    }

    [Fact]
    public void The_data_folder_defaults_to_stlm_data_and_follows_STLM_DATA_DIR()
    {
        Assert.Equal(Path.GetFullPath("stlm-data"), DataPaths.From(ConfigLoader.Load(null, [], _ => null)).DataDir);
        var moved = DataPaths.From(ConfigLoader.Load(null, [], n => n == "STLM_DATA_DIR" ? "/elsewhere" : null));
        Assert.Equal("/elsewhere/journal.db", moved.Journal.Target);
    }

    [Fact]
    public void The_postgres_engine_takes_the_connection_string()
    {
        var paths = DataPaths.From(ConfigLoader.Load(null, ["journal.engine=postgres", "journal.postgres.connection=\"Host=db;Database=stlm\""], _ => null));
        Assert.Equal(new JournalLocation("postgres", "Host=db;Database=stlm"), paths.Journal);
    }

    [Fact]
    public void Journal_dump_reads_the_journal_of_the_data_folder_named_by_set()
    {
        var folder = Directory.CreateTempSubdirectory("stlm-paths-").FullName;
        try
        {
            var r = StlmProcess.Run(folder, "journal", "dump", "--set", "stlm.data-dir=elsewhere");
            Assert.Equal(2, r.ExitCode);
            Assert.Contains($"no journal at {Path.Combine(folder, "elsewhere", "journal.db")}", r.StdErr);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Runs_in_a_data_folder_where_nothing_was_trained_yet_is_an_empty_list_and_creates_no_journal()
    {
        var folder = Directory.CreateTempSubdirectory("stlm-paths-").FullName;
        try
        {
            var json = StlmProcess.Run(folder, "runs", "--json", "--set", "stlm.data-dir=fresh");
            var table = StlmProcess.Run(folder, "runs", "--set", "stlm.data-dir=fresh");

            Assert.True(json.ExitCode == 0, json.StdErr);
            Assert.Equal("[]", json.StdOut.Trim());
            Assert.True(table.ExitCode == 0, table.StdErr);
            Assert.Equal("", table.StdOut.Trim());
            Assert.StartsWith("stlm: no runs yet: nothing was trained with the data folder", table.StdErr);
            Assert.False(File.Exists(Path.Combine(folder, "fresh", "journal.db")));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
