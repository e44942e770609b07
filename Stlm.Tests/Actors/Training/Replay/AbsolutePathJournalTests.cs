using Stlm.Actors.Persistence.Sql;
using Stlm.Actors.Training.Replay;
using Stlm.Actors.Training.Run;
using Stlm.Actors.Training.Session;
using Stlm.Actors.Training.Views;
using Stlm.Tests.Actors.Training.Run;
using Stlm.Tests.Support;

namespace Stlm.Tests.Actors.Training.Replay;

/// <summary>
/// A journal written before checkpoint paths were journaled relative to the data folder (they
/// are absolute here, as RecordedRun commits them), in a data folder copied elsewhere with the
/// original's checkpoints gone: replay --verify and resume still find every checkpoint.
/// </summary>
[Collection(nameof(TorchGlobalState))]
public sealed class AbsolutePathJournalTests : IAsyncLifetime
{
    readonly RunTestJournal _journal = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _journal.DisposeAsync();

    [Fact]
    public async Task A_journal_with_absolute_checkpoint_paths_in_a_copied_data_folder_replays_and_resumes_there()
    {
        var recorded = await RecordedRun.TrainAsync(_journal, "r-old", RecordedRun.TinyConfig(_journal.DataDir, "training.max-steps=10"), steps: 6, checkpointEvery: 2);
        Assert.All(recorded.Checkpoints, c => Assert.StartsWith(_journal.DataDir + "/checkpoints/", c.Path));
        var copy = Path.Combine(_journal.Folder, "copied");
        foreach (var file in Directory.GetFiles(_journal.DataDir, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(copy, Path.GetRelativePath(_journal.DataDir, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        Directory.Delete(Path.Combine(_journal.DataDir, "checkpoints"), recursive: true);
        var paths = new DataFolderPaths(copy);

        await using var stores = TrainingStores.Open(new JournalLocation("sqlite", Path.Combine(copy, "journal.db")));
        var run = paths.Resolved(await new RunJournalReader(stores.Query!).LoadAsync("r-old"));
        var plan = ReplayPlan.For(run, null, 3, 6);
        var steps = await JournaledSteps.LoadAsync(stores.Query!, "r-old", plan.Start.Step + 1, plan.ToStep);
        var report = new ReplayVerifier(plan, run.Created!, steps, ReplaySteps.Overrides(run.Overrides), run.Skips, paths).Run(null, CancellationToken.None);
        Assert.True(report.Ok, string.Join("\n", report.Verdicts));

        await using (var session = await TrainingSession.Resume("r-old", new TrainingSessionOptions(stores) { DataDir = copy }))
            Assert.Equal(SessionEnd.Completed, (await session.Completion.WaitAsync(TimeSpan.FromSeconds(60))).End);
        var resumed = await new RunJournalReader(stores.Query!).LoadAsync("r-old");
        Assert.Equal((RunStatus.Completed, 10L), (resumed.Status, resumed.Step));
        Assert.Equal("checkpoints/r-old/step-000000010", resumed.LatestCheckpoint()!.Path);
        Assert.True(Directory.Exists(Path.Combine(copy, "checkpoints", "r-old", "step-000000010")));
        Assert.False(Directory.Exists(Path.Combine(_journal.DataDir, "checkpoints")));
    }
}
