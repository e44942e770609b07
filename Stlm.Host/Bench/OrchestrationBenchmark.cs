using System.Diagnostics;
using Stlm.Actors.Configuration;
using Stlm.Actors.Training.Recipe;
using Stlm.Actors.Training.Session;
using Stlm.Actors.Persistence.Sql;
using Stlm.Model;
using Stlm.Model.Checkpoints;
using Stlm.Model.Data;
using Stlm.Model.Training;

namespace Stlm.Host.Bench;

/// <summary>
/// The same preset trained through the actors (<see cref="TrainingSession"/>: data loader,
/// trainer, schedules, journal, checkpoints, evaluators) and through a bare loop over the same
/// <see cref="Model.Training.TrainStep"/> (batch, step, nothing else), in
/// pairs taken one right after the other (the order alternating), so a machine shared with
/// other work slows both sides of a pair alike: the ratio is the median of the pairs' ratios.
/// Both sides do the same work inside the timed window: no evaluations and no checkpoints
/// unless <c>withEvals</c> (then both evaluate every eval.every-steps on eval.batches; the
/// actors on their evaluator thread). Then a checkpoint of the trained state saved the way the
/// checkpoint actor saves it, paired with `dd conv=fsync` of the same bytes in the same folder;
/// and the time from the start of a resume (in this process, and as `stlm resume`) to its first
/// step, phase by phase. Runs, journal and checkpoints go to a temp folder; the corpus and
/// tokenizer are the data folder's (made once, reused).
/// </summary>
public sealed class OrchestrationBenchmark(Config config, string scratch, TextWriter log, bool withEvals)
{
    readonly TrainingRecipe _recipe = TrainingRecipe.From(config);

    /// <summary>
    /// The preset with the user's --set, trained for <paramref name="steps"/> steps on the schedules
    /// of its own length (so a short bench run sees the preset's learning rate and dropout), with
    /// the journal and checkpoints in <paramref name="scratch"/>.
    /// </summary>
    public static Config Configure(string preset, int steps, IReadOnlyList<string> sets, string scratch, bool withEvals)
    {
        string[] chosen = [$"training.preset=\"{preset}\"", .. sets];
        string[] work = withEvals ? [] : ["eval.every-steps=0"];
        var length = TrainConfigLoader.Load(null, chosen).GetLong("training.max-steps");
        return TrainConfigLoader.Load(null,
        [
            .. chosen, $"training.max-steps={steps}", $"schedules.learning-rate.steps={length}",
            $"schedules.dropout.end-step={length}", $"schedules.early-exit.steps={length}",
            "journal.engine=sqlite", $"journal.sqlite.path=\"{Path.Combine(scratch, "journal.db")}\"",
            $"checkpoint.dir=\"{Path.Combine(scratch, "checkpoints")}\"",
            // Checkpoints only at the end (outside the window): the bare loop takes none.
            "checkpoint.every-steps=0", "checkpoint.every-duration=0s", .. work,
        ]);
    }

    /// <summary>What each side does inside the timed window, as printed.</summary>
    public string Work => withEvals
        ? $"both sides evaluate every {_recipe.EvalEverySteps} steps on {_recipe.EvalBatches} batches, no checkpoints; the actors journal every step"
        : "no evaluations and no checkpoints inside the window on either side; the actors journal every step";

    public async Task<OrchestrationResult> RunAsync(int pairs, int warmup, CancellationToken cancel)
    {
        var steps = (int)_recipe.Training.MaxSteps;
        if (steps <= warmup + StepClock.Tail) throw new StlmException($"--steps {steps}: give more than the {warmup} warm-up steps and the {StepClock.Tail} steps left out at the end");
        var corpus = _recipe.PrepareCorpus(cancel);
        await using var stores = TrainingStores.Open(new JournalLocation("sqlite", config.GetString("journal.sqlite.path")));
        long parameters = 0;
        var training = new List<TrainingPair>();
        for (var r = 0; r < pairs; r++)
        {
            // Alternate the order, so a machine getting busier or quieter hits both sides alike.
            TrainingRunTiming? bare = null, actors = null;
            foreach (var side in r % 2 == 0 ? new[] { "bare", "actors" } : ["actors", "bare"])
            {
                if (side == "bare") (bare, parameters) = Bare(corpus, warmup, cancel);
                else actors = await ActorsAsync(stores, $"bench-{r}", warmup, cancel);
                var t = side == "bare" ? bare! : actors!;
                log.WriteLine($"  pair {r + 1}/{pairs} {side,-6} {t.TokensPerSecond,8:N0} tokens/s, {t.ComputeMs:F0} ms per step in TrainStep.Run, {t.CpuMsPerStep:F0} CPU ms per step, load {t.Load}");
            }
            training.Add(new TrainingPair(bare!, actors!));
            log.WriteLine($"  pair {r + 1}/{pairs}: actors / bare = {training[^1].Ratio:F3} (CPU per step {training[^1].CpuRatio:F3})");
        }

        var (bytes, capture, saves) = CheckpointSaves(pairs);
        var resumes = await ResumesAsync(stores, pairs, cancel);
        var processes = new List<ResumeTiming>();
        for (var r = 0; r < pairs; r++)
        {
            var (ms, phases, cpu) = await ProcessResumeTiming.MeasureAsync(stores.Query!, ResumeRunId, ProcessSets(), cancel);
            processes.Add(new ResumeTiming(ms, phases, TrainBenchmark.LoadAverage(), cpu));
            log.WriteLine($"  stlm resume {r + 1}/{pairs}: first step in the journal {ms:F0} ms after the process started, {cpu:F0} CPU ms (load {processes[^1].Load})");
        }
        return new OrchestrationResult(config.GetString("training.preset"), steps, warmup, parameters,
            (long)_recipe.Training.BatchSize * _recipe.Training.GradAccum * _recipe.Model.ContextLength, Work,
            training, bytes, capture, saves, resumes, processes);
    }

    (TrainingRunTiming Timing, long Parameters) Bare(TrainingCorpus corpus, int warmup, CancellationToken cancel)
    {
        using var trainData = TokenDataset.Open(corpus.ShardDirectory, DataSplit.Train, _recipe.WindowLength);
        using var heldOut = TokenDataset.Open(corpus.ShardDirectory, DataSplit.Validation, _recipe.WindowLength);
        var model = _recipe.BuildModel();
        using var optimizer = _recipe.BuildOptimizer(model);
        var clock = new StepClock();
        // The bare loop: the data, the step and the evaluations the actors do, nothing else (no progress, no logs).
        var step = _recipe.BuildStep(model, optimizer);
        var batches = _recipe.Batches(trainData);
        var schedules = _recipe.ScheduleSet();
        var cursor = DataCursor.Start;
        for (long s = 0; s < _recipe.Training.MaxSteps && !cancel.IsCancellationRequested; s++)
        {
            var (micro, next) = batches.Read(cursor);
            var result = step.Run(schedules.At(s), micro);
            cursor = next;
            clock.Record(s + 1, result.Tokens, result.Elapsed.TotalMilliseconds);
            if (withEvals && _recipe.EvalEverySteps > 0 && (s + 1) % _recipe.EvalEverySteps == 0)
                HeldOutEvaluation.Run(model, heldOut, _recipe.EvalBatches, _recipe.Training.BatchSize);
        }
        return (Timing("bare", clock, warmup), model.Module.CountParameters().Total);
    }

    static TrainingRunTiming Timing(string side, StepClock clock, int warmup) =>
        new(side, clock.TokensPerSecond(warmup), clock.MedianComputeMs(warmup), clock.CpuMsPerStep(warmup), TrainBenchmark.LoadAverage());

    async Task<TrainingRunTiming> ActorsAsync(TrainingStores stores, string runId, int warmup, CancellationToken cancel)
    {
        var clock = new StepClock();
        var options = new TrainingSessionOptions(stores)
        {
            Observer = e => { if (e is StepEvent s) clock.Record(s.Step.Step, s.Step.Tokens, s.Step.StepTimeMs); },
            Cancel = cancel,
        };
        await using var session = await TrainingSession.StartNew(runId, config, options);
        var outcome = await session.Completion;
        if (outcome.End != SessionEnd.Completed)
            throw new StlmException($"the actor run {runId} ended {outcome.End}: {outcome.Reason}");
        return Timing("actors", clock, warmup);
    }

    /// <summary>
    /// A trained-shape checkpoint captured and written as the checkpoint actor does, each write
    /// followed by dd of its bytes; the write's stages timed through the writer's fault hook.
    /// </summary>
    (long Bytes, double CaptureMs, List<CheckpointPair> Pairs) CheckpointSaves(int pairs)
    {
        var model = _recipe.BuildModel();
        using var optimizer = _recipe.BuildOptimizer(model);
        // One step's worth of moments, so the optimizer state has its full size.
        foreach (var p in model.Module.Parameters()) p.Value.Grad = p.Value.OnesLike();
        optimizer.Step();
        var folder = Path.Combine(scratch, "checkpoint-saves");
        var (captures, results) = (new List<double>(), new List<CheckpointPair>());
        long bytes = 0;
        for (var r = 0; r < Math.Max(pairs, 5); r++)
        {
            var info = CheckpointInfo.Create("bench", r + 1, 0, DataCursor.Start, config.ToHocon(), TrainingSession.CodeVersion);
            var clock = Stopwatch.StartNew();
            using var snapshot = CheckpointSnapshot.Capture(info, model.Module.StateDict(), optimizer);
            captures.Add(clock.Elapsed.TotalMilliseconds);
            var stages = new List<(string Stage, double Ms)>();
            var last = 0.0;
            var options = new CheckpointWriteOptions((stage, _) =>
            {
                var now = clock.Elapsed.TotalMilliseconds;
                stages.Add((stage == "rename" ? "fsync files + folder" : "write " + stage, now - last));
                last = now;
            });
            var cpu = Environment.CpuUsage.TotalTime;
            clock.Restart();
            var written = snapshot.Write(folder, options);
            var write = clock.Elapsed.TotalMilliseconds;
            var writeCpu = (Environment.CpuUsage.TotalTime - cpu).TotalMilliseconds;
            stages.Add(("rename + parent fsync", write - last));
            bytes = written.Bytes;
            var (ddSeconds, ddCpu) = DdReference.Write(Path.Combine(folder, $"dd-{r}.bin"), bytes);
            var dd = ddSeconds * 1000;
            results.Add(new CheckpointPair(write, dd, stages, TrainBenchmark.LoadAverage()) { WriteCpuMs = writeCpu, DdCpuMs = ddCpu });
            log.WriteLine($"  checkpoint {r + 1}: write {write:F1} ms ({writeCpu:F0} CPU ms), dd {dd:F1} ms ({ddCpu:F0} CPU ms), ratio {write / dd:F2} (load {results[^1].Load})");
        }
        return (bytes, TrainBenchmark.Median(captures), results);
    }

    const string ResumeRunId = "bench-resume";

    /// <summary>The process settings that lead a child `stlm resume` to this benchmark's journal and data folder.</summary>
    string[] ProcessSets() =>
    [
        $"stlm.data-dir=\"{config.GetString("stlm.data-dir")}\"", "journal.engine=sqlite",
        $"journal.sqlite.path=\"{config.GetString("journal.sqlite.path")}\"",
    ];

    /// <summary>
    /// A run trained a few steps and paused (checkpoint + Paused), then resumed <paramref name="repeats"/>
    /// times: from the call to <see cref="TrainingSession.Resume"/> to its first step in the journal, phase
    /// by phase, each paused again at once.
    /// </summary>
    async Task<List<ResumeTiming>> ResumesAsync(TrainingStores stores, int repeats, CancellationToken cancel)
    {
        const string runId = ResumeRunId;
        var results = new List<ResumeTiming>();
        var clock = new StepClock();
        var options = new TrainingSessionOptions(stores)
        {
            Observer = e => { if (e is StepEvent s) clock.Record(s.Step.Step, s.Step.Tokens, s.Step.StepTimeMs); },
            Cancel = cancel,
        };
        var persistenceId = Stlm.Actors.Training.Run.RunIds.PersistenceId(runId);
        var resumeConfig = ConfigLoader.ParseSet($"training.max-steps={_recipe.Training.MaxSteps + 1000}").WithFallback(config).Resolve();
        await using (var first = await TrainingSession.StartNew(runId, resumeConfig, options))
        {
            while (clock.Count < 2 && !first.Completion.IsCompleted) await Task.Delay(5, cancel);
            first.RequestPause("bench");
            await first.Completion;
        }
        for (var r = 0; r < repeats; r++)
        {
            var seen = await ProcessResumeTiming.LastSequenceNrAsync(stores.Query!, persistenceId, 0, cancel);
            var current = StartupTimeline.StartingNow();
            var cpuBefore = Environment.CpuUsage.TotalTime;
            await using var session = await TrainingSession.Resume(runId, options with { Timeline = current });
            // The journal is polled, as for `stlm resume`: the observer hears of a step only after the trainer's next one.
            while (!await ProcessResumeTiming.StepJournaledAsync(stores.Query!, persistenceId, seen, cancel) && !session.Completion.IsCompleted)
                await Task.Delay(2, cancel);
            current.Mark("journal write seen");
            var cpuMs = (Environment.CpuUsage.TotalTime - cpuBefore).TotalMilliseconds;
            session.RequestPause("bench");
            var outcome = await session.Completion;
            if (outcome.End != SessionEnd.Paused) throw new StlmException($"the resumed run ended {outcome.End}: {outcome.Reason}");
            results.Add(new ResumeTiming(current.TotalMs, current.Phases, TrainBenchmark.LoadAverage(), cpuMs));
            log.WriteLine($"  resume {r + 1}/{repeats}: {current.Describe()}, {cpuMs:F0} CPU ms (load {results[^1].Load})");
        }
        return results;
    }
}
