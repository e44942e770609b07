using Stlm.Actors.Configuration;
using Akka.Actor;
using Stlm.Actors.Training.Recipe;
using Stlm.Actors.Training.Run;
using Stlm.Model.Checkpoints;
using Stlm.Model.Data;
using DataCursor = Stlm.Model.Data.DataCursor;
using JournalCursor = Stlm.Actors.Training.Run.DataCursor;
using Stlm.Tests.Actors.Training.Run;
using Stlm.Tests.Support;

namespace Stlm.Tests.Actors.Training.Replay;

/// <summary>
/// A run recorded the way training records one, by a bare loop: the recipe of a tiny config,
/// every step journaled through a RunActor (journaled step k ran with the schedules at k - 1),
/// a checkpoint every few steps committed once durable. <paramref name="journaledLoss"/> lets a
/// test journal a loss other than the one computed.
/// </summary>
static class RecordedRun
{
    public const string CodeVersion = "test-build";

    /// <summary>The <see cref="TinyLlama"/> on a 0.1 MB byte-tokenised synthetic corpus under <paramref name="dataDir"/>, two micro-batches a step.</summary>
    public static Config TinyConfig(string dataDir, params string[] more) => TrainConfigLoader.Load(null,
    [
        $"stlm.data-dir=\"{dataDir}\"", .. TinyLlama.Sets, "data.synthetic-megabytes=0.1",
        "training.grad-accum=2", "training.max-steps=20", "training.optimizer.lr=3e-3",
        "schedules.learning-rate.warmup-steps=3", .. more,
    ]);

    public static async Task<RunState> TrainAsync(RunTestJournal journal, string runId, Config config, int steps,
        int checkpointEvery, Func<long, double, double>? journaledLoss = null)
    {
        var recipe = TrainingRecipe.From(config);
        var corpus = recipe.PrepareCorpus(CancellationToken.None);
        using var data = TokenDataset.Open(corpus.ShardDirectory, DataSplit.Train, recipe.Model.ContextLength);
        var model = recipe.BuildModel();
        using var optimizer = recipe.BuildOptimizer(model);
        var step = recipe.BuildStep(model, optimizer);
        var batches = recipe.Batches(data);
        var schedules = recipe.ScheduleSet();
        var checkpoints = Path.Combine(config.GetString("stlm.data-dir"), "checkpoints", runId);

        var system = journal.StartSystem();
        var run = system.ActorOf(RunActor.Props(runId, 1000), "run-" + runId);
        var hocon = config.ToHocon();
        var state = await RunTestJournal.Ask(run, new CreateRun(runId, hocon, config.ContentHash(), (long)recipe.TorchSeed, CodeVersion));
        var cursor = DataCursor.Start;
        long tokens = 0;
        for (long k = 1; k <= steps; k++)
        {
            var (micro, next) = batches.Read(cursor);
            var result = step.Run(schedules.At(k - 1), micro);
            cursor = next;
            tokens += result.Tokens;
            state = await RunTestJournal.Ask(run, new RecordStep(new StepCompleted
            {
                Step = k, Tokens = result.Tokens, Loss = journaledLoss?.Invoke(k, result.Loss) ?? result.Loss,
                Lr = result.LearningRate, Dropout = result.Dropout, GradNorm = result.GradNorm,
                StepTimeMs = result.Elapsed.TotalMilliseconds, Cursor = new JournalCursor { Epoch = cursor.Epoch, Position = cursor.Position },
            }));
            if (k % checkpointEvery != 0) continue;
            using var snapshot = CheckpointSnapshot.Capture(
                CheckpointInfo.Create(runId, k, tokens, cursor, hocon, CodeVersion), model.Module.StateDict(), optimizer);
            var committed = snapshot.Write(checkpoints);
            state = await RunTestJournal.Ask(run, new CommitCheckpoint(k, committed.ContentHash, committed.Path, committed.Bytes));
        }
        await RunTestJournal.StopAsync(system);
        return state;
    }
}
