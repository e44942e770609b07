using Stlm.Actors.Persistence;
using System.CommandLine;
using Stlm.Actors.Persistence.Sql;
using Stlm.Actors.Training.Run;
using Stlm.Actors.Training.Views;
using Stlm.Host.Commands;
using Stlm.Host.Journal;
using Stlm.Model;
using Stlm.Host.CommandLine;

namespace Stlm.Host.Runs;

/// <summary>Opens the configured journal for the run commands and reads runs from it.</summary>
public static class RunStoreOpener
{
    public static JournalStore Open(ConfigOptions config, ParseResult parse) =>
        JournalOpener.OpenExisting(DataPaths.From(config.Load(parse)).Journal);

    /// <summary>The journal, or null where a SQLite journal has not been created yet (nothing was trained in that data folder).</summary>
    public static JournalStore? OpenIfCreated(ConfigOptions config, ParseResult parse)
    {
        var journal = DataPaths.From(config.Load(parse)).Journal;
        return journal.Engine == "sqlite" && !File.Exists(journal.Target) ? null : JournalOpener.OpenExisting(journal);
    }

    /// <summary>The run from its events; an unknown id is one line naming the runs that exist.</summary>
    public static async Task<RunState> LoadAsync(JournalStore store, string runId, CancellationToken ct)
    {
        var reader = new RunJournalReader(store.Query);
        var run = await JournalOpener.ReadAsync(store, () => reader.LoadAsync(runId, ct));
        if (run.Exists) return run;
        throw await UnknownRunAsync(store, runId, ct);
    }

    /// <summary>The one line for a run the journal does not hold, naming the runs it does.</summary>
    public static async Task<StlmException> UnknownRunAsync(JournalStore store, string runId, CancellationToken ct)
    {
        var reader = new RunJournalReader(store.Query);
        var known = (await JournalOpener.ReadAsync(store, () => reader.LoadAllAsync(ct))).Select(r => r.RunId).ToList();
        return new StlmException(known.Count == 0
            ? $"no run {runId}: the journal at {store.Dialect.Where} holds no runs"
            : $"no run {runId} in the journal at {store.Dialect.Where}; runs there: {string.Join(", ", known.Take(10))}{(known.Count > 10 ? ", …" : "")}");
    }
}
