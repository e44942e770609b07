using Stlm.Actors.Persistence;
using Stlm.Actors.Persistence.Sql;
using Stlm.Actors.Training.Run;
using Stlm.Actors.Training.Views;
using Stlm.Tests.Support;

namespace Stlm.Tests.Host.Commands;

/// <summary>A data folder for `stlm` child processes with a tiny, fast, deterministic run config, and a reader of their journal.</summary>
sealed class RunCommandRig : IDisposable
{
    /// <summary>A 1-layer, 32-wide model on 0.3 MB of generated stories, one thread: hundreds of steps in seconds.</summary>
    public static readonly string[] Tiny =
    [
        "--set", "data.synthetic-megabytes=0.3", "--set", "torch.threads=1",
        "--set", "model.n-layers=1", "--set", "model.d-model=32", "--set", "model.n-heads=2", "--set", "model.n-kv-heads=1",
        "--set", "model.ffn-hidden=64", "--set", "model.context-length=32",
        "--set", "training.batch-size=4", "--set", "schedules.learning-rate.warmup-steps=2",
        "--set", "eval.every-steps=0", "--set", "eval.batches=2", "--set", "eval.sample-tokens=8",
    ];

    public static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    readonly TempDirectory _dir = new();

    public string Path => _dir.Path;

    public Dictionary<string, string> Environment => new() { ["STLM_DATA_DIR"] = _dir.Path, ["STLM_DATA"] = _dir.Path };

    public StlmProcess.Result Stlm(params string[] args) => StlmProcess.Run(_dir.Path, Environment, args);

    public StlmChild Start(params string[] args) => StlmChild.Start(_dir.Path, Environment, args);

    /// <summary>Trains a new run of the tiny config for <paramref name="steps"/> steps, in this thread.</summary>
    public StlmProcess.Result Train(string runId, int steps, params string[] more) =>
        Stlm(["train", "--run-id", runId, "--set", $"training.max-steps={steps}", .. Tiny, .. more]);

    public StlmChild StartTraining(string runId, int steps) =>
        Start(["train", "--run-id", runId, "--set", $"training.max-steps={steps}", .. Tiny]);

    public async Task<RunState> LoadAsync(string runId)
    {
        await using var store = JournalStore.Open(new JournalLocation("sqlite", System.IO.Path.Combine(_dir.Path, "journal.db")));
        return new DataFolderPaths(_dir.Path).Resolved(await new RunJournalReader(store.Query).LoadAsync(runId));
    }

    /// <summary>Every StepCompleted the run journaled, in journal order.</summary>
    public async Task<IReadOnlyList<StepCompleted>> StepsAsync(string runId)
    {
        await using var store = JournalStore.Open(new JournalLocation("sqlite", System.IO.Path.Combine(_dir.Path, "journal.db")));
        var steps = new List<StepCompleted>();
        await foreach (var e in store.Query.CurrentEventsByPersistenceId(RunIds.PersistenceId(runId), 0, long.MaxValue))
            if (e.Event is StepCompleted s) steps.Add(s);
        return steps;
    }

    /// <summary>Waits until the run has journaled <paramref name="step"/>, failing if <paramref name="child"/> exits first.</summary>
    public async Task<RunState> WaitForStepAsync(string runId, long step, StlmChild child)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            if (File.Exists(System.IO.Path.Combine(_dir.Path, "journal.db")) && await LoadAsync(runId) is { Exists: true } s && s.Step >= step)
                return s;
            if (child.HasExited)
            {
                var r = await child.WaitAsync(TimeSpan.FromSeconds(5));
                throw new InvalidOperationException($"stlm exited ({r.ExitCode}) before {runId} reached step {step}: {r.StdErr}");
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"{runId} did not reach step {step} in {Patience}");
    }

    /// <summary>Checks a command succeeded and returns its stdout lines.</summary>
    public static string[] Ok(StlmProcess.Result r)
    {
        Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}: {r.StdErr}");
        return r.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>Checks a command failed with exactly one error line (besides log lines) and no stack trace; returns it.</summary>
    public static string OneErrorLine(StlmProcess.Result r)
    {
        Assert.NotEqual(0, r.ExitCode);
        Assert.DoesNotContain("   at ", r.StdErr);
        return Assert.Single(r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => !l.Contains(" INF ") && !l.Contains(" WRN "));
    }

    public void Dispose() => _dir.Dispose();
}
