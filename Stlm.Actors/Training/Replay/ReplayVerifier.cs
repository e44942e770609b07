using System.Diagnostics;
using Stlm.Actors.Configuration;
using Stlm.Actors.Training.Recipe;
using Stlm.Actors.Training.Run;
using Stlm.Model;
using Stlm.Model.Data;
using Stlm.Model.Schedules;
using DataCursor = Stlm.Model.Data.DataCursor;
using ModelCheckpoint = Stlm.Model.Checkpoints.Checkpoint;

namespace Stlm.Actors.Training.Replay;

/// <summary>
/// Re-executes a stretch of a run with a bare loop over the run's own recipe — its journaled
/// config, the starting checkpoint restored into a fresh model and optimizer, the batches from
/// the checkpoint's cursor, the schedules with the journaled overrides — and checks every step
/// against the journal (<see cref="StepCheck"/>) and the final state against a committed
/// checkpoint (<see cref="CheckpointComparison"/>). A batch the run skipped for a non-finite
/// loss (StepSkipped) is skipped again: its update was undone, generators included. Stops at the
/// first step that disagrees: everything after it would disagree too.
/// </summary>
public sealed class ReplayVerifier(ReplayPlan plan, RunCreated created, IReadOnlyDictionary<long, StepCompleted> journal,
    IReadOnlyList<ScheduleOverride> overrides, IReadOnlyList<StepSkipped>? skips = null, DataFolderPaths? paths = null)
{
    public ReplayReport Run(Action<ReplayProgress>? progress, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        var verdicts = new List<ReplayVerdict>();
        var config = created.Config();
        // Re-executed in this data folder (its corpus and tokenizer), wherever the run was trained.
        if (paths is not null) config = paths.Relocate(config);
        var recipe = TrainingRecipe.From(config);
        // Its steps' bits depend on how the ranks summed the gradients: one process cannot re-run them exactly.
        if (recipe.WorldSize > 1)
            throw new StlmException($"run {plan.RunId} trains on {recipe.WorldSize} data-parallel ranks, and replay re-runs steps in one process, which cannot reproduce them bit for bit; " +
                                    $"its resume rechecks re-run steps on all ranks instead (stlm resume {plan.RunId})");
        var corpus = recipe.PrepareCorpus(cancel);
        using var trainData = TokenDataset.Open(corpus.ShardDirectory, DataSplit.Train, recipe.WindowLength);
        var model = recipe.BuildModel();
        using var optimizer = recipe.BuildOptimizer(model);
        var step = recipe.BuildStep(model, optimizer);
        var batches = recipe.Batches(trainData);
        var schedules = recipe.ScheduleSet(overrides);

        var cursor = DataCursor.Start;
        long tokens = 0;
        if (plan.Start.Checkpoint is { } start)
        {
            try
            {
                var info = ModelCheckpoint.Open(start.Path, start.Hash).Restore(model.Module.StateDict(), optimizer);
                if (info.Step != start.Step)
                    throw new StlmException($"checkpoint {Path.GetFileName(start.Path)} holds step {info.Step} but the journal names it as step {start.Step}; the checkpoints folder was changed by hand");
                (cursor, tokens) = (info.Cursor, info.TokensSeen);
            }
            catch (StlmException e)
            {
                verdicts.Add(new ReplayVerdict("checkpoint", false, e.Message));
                return Report(verdicts, null, 0, clock);
            }
        }

        StepMismatch? mismatch = null;
        ReplayVerdict? weights = null;
        long ran = 0;
        for (var k = plan.Start.Step + 1; k <= plan.ToStep && mismatch is null; k++)
        {
            cancel.ThrowIfCancellationRequested();
            if (!journal.TryGetValue(k, out var journaled))
                throw new StlmException($"run {plan.RunId}: the journal has no StepCompleted for step {k} although its state says it trained it; check it with 'stlm replay {plan.RunId} --rebuild'");
            while (SkippedAt(k, cursor) is { } skip)
                cursor = new DataCursor(skip.Cursor!.Epoch, skip.Cursor.Position);
            var (micro, next) = batches.Read(cursor);
            var result = step.Run(ReplaySteps.ValuesAt(schedules, k), micro);
            cursor = next;
            tokens += result.Tokens;
            ran++;
            progress?.Invoke(new ReplayProgress(k, plan.ToStep, result.Loss));
            mismatch = StepCheck.Compare(journaled, result, cursor, k);
            if (mismatch is null && plan.Compare?.Step == k)
                weights = CheckpointComparison.Compare(plan.Compare, model, optimizer, tokens, cursor);
        }

        if (mismatch is { } m)
            verdicts.Add(new ReplayVerdict("steps", false,
                $"step {m.Step}: journaled {m.Field} {m.Journaled} but recomputed {m.Recomputed}; the run is not reproducible from step {m.Step} on ({ran - 1} steps before it matched)"));
        else
        {
            verdicts.Add(new ReplayVerdict("steps", true,
                $"{ran} steps ({plan.Start.Step + 1}..{plan.ToStep}) match the journal bit for bit (loss, lr, dropout, grad norm, tokens, data cursor)"));
            verdicts.Add(weights ?? new ReplayVerdict("weights", true,
                $"no checkpoint was committed in steps {plan.Start.Step + 1}..{plan.ToStep}, so the weights were not compared (extend --to to a checkpoint's step)"));
        }
        return Report(verdicts, mismatch, ran, clock);
    }

    StepSkipped? SkippedAt(long step, DataCursor cursor) => skips?.FirstOrDefault(s =>
        s.Step == step && s.From is { } from && from.Epoch == cursor.Epoch && from.Position == cursor.Position);

    ReplayReport Report(List<ReplayVerdict> verdicts, StepMismatch? mismatch, long ran, Stopwatch clock) =>
        new(plan.RunId, plan.FromStep, plan.ToStep, plan.Start.Step, plan.Start.Describe(), ran, clock.Elapsed, verdicts, mismatch);
}
