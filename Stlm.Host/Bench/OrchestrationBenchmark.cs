using System.Diagnostics;
using Stlm.Actors.Configuration;
using Stlm.Actors.Training.Recipe;
using Stlm.Actors.Training.Session;
using Stlm.Actors.Persistence.Sql;
using Stlm.Host.Training;
using Stlm.Model;
using Stlm.Model.Checkpoints;
using Stlm.Model.Data;

namespace Stlm.Host.Bench;

/// <summary>What `stlm bench orchestration` measured; ratios are actors / bare and write / dd.</summary>
public sealed record OrchestrationResult(
    string Preset, int Steps, int Warmup, int Repeats, long Parameters,
    IReadOnlyList<double> BareTokensPerSecond, IReadOnlyList<double> ActorTokensPerSecond,
    long CheckpointBytes, double CaptureMs, double WriteMs, double DdMs,
    IReadOnlyList<double> ResumeToFirstStepMs, IReadOnlyList<double> ResumeStartedMs, IReadOnlyList<double> ProcessResumeMs)
{
    /// <summary>Median time per step inside TrainStep.Run on each side: equal compute with unequal tokens/s puts the cost between steps.</summary>
    public IReadOnlyList<double> BareComputeMs { get; init; } = [];
    public IReadOnlyList<double> ActorComputeMs { get; init; } = [];

    public double BareMedian => TrainBenchmark.Median(BareTokensPerSecond);
    public double ActorMedian => TrainBenchmark.Median(ActorTokensPerSecond);

    /// <summary>Actors' tokens/s over the bare loop's (goal: at least 0.98, i.e. at most 2% slower).</summary>
    public double Ratio => ActorMedian / BareMedian;

    public double WriteOverDd => WriteMs / DdMs;
    public double ResumeMedianMs => TrainBenchmark.Median(ResumeToFirstStepMs);

    /// <summary>Of that, until TrainingSession.Resume returned (lease, journal, corpus, models built); the rest is the first step itself.</summary>
    public double ResumeStartedMedianMs => TrainBenchmark.Median(ResumeStartedMs);

    /// <summary>`stlm resume` as a new process: from its start to its first journaled step.</summary>
    public double ProcessResumeMedianMs => TrainBenchmark.Median(ProcessResumeMs);

    /// <summary>The bare loop's time per step, to read the resume time against.</summary>
    public double BareStepMs => BatchTokens / BareMedian * 1000;

    public long BatchTokens { get; init; }
}

/// <summary>
/// The same preset trained through the actors (<see cref="TrainingSession"/>: data loader,
/// trainer, schedules, journal, checkpoints, evaluators) and through the bare
/// <see cref="PlainTrainingLoop"/> over the same <see cref="Model.Training.TrainStep"/>, in
/// alternating repeats; a checkpoint of the trained state saved the way the checkpoint actor
/// saves it, beside `dd conv=fsync` of the same bytes in the same folder; and the time from
/// the start of a resume to its first step. Runs, journal and checkpoints go to a temp folder;
/// the corpus and tokenizer are the data folder's (made once, reused).
/// </summary>
public sealed class OrchestrationBenchmark(Config config, string scratch, TextWriter log)
{
    readonly TrainingRecipe _recipe = TrainingRecipe.From(config);

    /// <summary>
    /// The preset with the user's --set, trained for <paramref name="steps"/> steps on the schedules
    /// of its own length (so a short bench run sees the preset's learning rate and dropout), with
    /// the journal and checkpoints in <paramref name="scratch"/>.
    /// </summary>
    public static Config Configure(string preset, int steps, IReadOnlyList<string> sets, string scratch)
    {
        string[] chosen = [$"training.preset=\"{preset}\"", .. sets];
        var length = TrainConfigLoader.Load(null, chosen).GetLong("training.max-steps");
        return TrainConfigLoader.Load(null,
        [
            .. chosen, $"training.max-steps={steps}", $"schedules.learning-rate.steps={length}",
            $"schedules.dropout.end-step={length}", $"schedules.early-exit.steps={length}",
            "journal.engine=sqlite", $"journal.sqlite.path=\"{Path.Combine(scratch, "journal.db")}\"",
            $"checkpoint.dir=\"{Path.Combine(scratch, "checkpoints")}\"",
        ]);
    }

    public async Task<OrchestrationResult> RunAsync(int repeats, int warmup, CancellationToken cancel)
    {
        var steps = (int)_recipe.Training.MaxSteps;
        if (steps <= warmup) throw new StlmException($"--steps {steps}: give more than the {warmup} warm-up steps");
        var corpus = _recipe.PrepareCorpus(cancel);
        var (bare, actors, bareCompute, actorCompute) = (new List<double>(), new List<double>(), new List<double>(), new List<double>());
        await using var stores = TrainingStores.Open(new JournalLocation("sqlite", config.GetString("journal.sqlite.path")));
        long parameters = 0;
        for (var r = 0; r < repeats; r++)
        {
            // Alternate the order, so a machine getting busier or quieter hits both sides alike.
            foreach (var side in r % 2 == 0 ? new[] { "bare", "actors" } : ["actors", "bare"])
            {
                double tokensPerSecond, computeMs;
                if (side == "bare") (tokensPerSecond, parameters, computeMs) = Bare(corpus, warmup, cancel);
                else (tokensPerSecond, computeMs) = await ActorsAsync(stores, $"bench-{r}", warmup, cancel);
                (side == "bare" ? bare : actors).Add(tokensPerSecond);
                (side == "bare" ? bareCompute : actorCompute).Add(computeMs);
                log.WriteLine($"  repeat {r + 1}/{repeats} {side,-6} {tokensPerSecond,10:N0} tokens/s, {computeMs:F0} ms per step in TrainStep.Run");
            }
        }

        var (bytes, capture, write, dd) = CheckpointSaves(repeats);
        log.WriteLine($"  checkpoint {bytes:N0} bytes: capture {capture:F1} ms, write {write:F1} ms, dd {dd:F1} ms");
        var (resumes, started) = await ResumesAsync(stores, repeats, cancel);
        var processes = new List<double>();
        for (var r = 0; r < repeats; r++)
        {
            processes.Add(await ProcessResumeTiming.MeasureAsync(stores.Query!, ResumeRunId, ProcessSets(), cancel));
            log.WriteLine($"  stlm resume {r + 1}/{repeats}: first step {processes[^1]:F0} ms after the process started");
        }
        return new OrchestrationResult(config.GetString("training.preset"), steps, warmup, repeats, parameters,
            bare, actors, bytes, capture, write, dd, resumes, started, processes)
        {
            BareComputeMs = bareCompute,
            ActorComputeMs = actorCompute,
            BatchTokens = (long)_recipe.Training.BatchSize * _recipe.Training.GradAccum * _recipe.Model.ContextLength,
        };
    }

    (double TokensPerSecond, long Parameters, double ComputeMs) Bare(TrainingCorpus corpus, int warmup, CancellationToken cancel)
    {
        using var trainData = TokenDataset.Open(corpus.ShardDirectory, DataSplit.Train, _recipe.WindowLength);
        using var heldOut = TokenDataset.Open(corpus.ShardDirectory, DataSplit.Validation, _recipe.WindowLength);
        var model = _recipe.BuildModel();
        using var optimizer = _recipe.BuildOptimizer(model);
        var clock = new StepClock();
        var loop = new PlainTrainingLoop(_recipe.BuildStep(model, optimizer), _recipe.Batches(trainData), _recipe.ScheduleSet(), heldOut,
            _recipe.Training.MaxSteps, _recipe.EvalEverySteps, evalBatches: 1, afterStep: s => clock.Record(s.Step + 1, s.Tokens, s.Elapsed.TotalMilliseconds));
        loop.Run(cancel);
        return (clock.TokensPerSecond(warmup), model.Module.CountParameters().Total, clock.MedianComputeMs(warmup));
    }

    async Task<(double TokensPerSecond, double ComputeMs)> ActorsAsync(TrainingStores stores, string runId, int warmup, CancellationToken cancel)
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
        return (clock.TokensPerSecond(warmup), clock.MedianComputeMs(warmup));
    }

    /// <summary>A trained-shape checkpoint captured and written as the checkpoint actor does, then dd of its bytes; medians.</summary>
    (long Bytes, double CaptureMs, double WriteMs, double DdMs) CheckpointSaves(int repeats)
    {
        var model = _recipe.BuildModel();
        using var optimizer = _recipe.BuildOptimizer(model);
        // One step's worth of moments, so the optimizer state has its full size.
        foreach (var p in model.Module.Parameters()) p.Value.Grad = p.Value.OnesLike();
        optimizer.Step();
        var folder = Path.Combine(scratch, "checkpoint-saves");
        var (captures, writes, dds) = (new List<double>(), new List<double>(), new List<double>());
        long bytes = 0;
        for (var r = 0; r < repeats; r++)
        {
            var info = CheckpointInfo.Create("bench", r + 1, 0, DataCursor.Start, config.ToHocon(), TrainingSession.CodeVersion);
            var clock = Stopwatch.StartNew();
            using var snapshot = CheckpointSnapshot.Capture(info, model.Module.StateDict(), optimizer);
            captures.Add(clock.Elapsed.TotalMilliseconds);
            clock.Restart();
            var written = snapshot.Write(folder);
            writes.Add(clock.Elapsed.TotalMilliseconds);
            bytes = written.Bytes;
            dds.Add(DdReference.WriteSeconds(Path.Combine(folder, $"dd-{r}.bin"), bytes) * 1000);
        }
        return (bytes, TrainBenchmark.Median(captures), TrainBenchmark.Median(writes), TrainBenchmark.Median(dds));
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
    /// times: from the call to <see cref="TrainingSession.Resume"/> to its first step, each paused again at once.
    /// </summary>
    async Task<(List<double> FirstStep, List<double> Started)> ResumesAsync(TrainingStores stores, int repeats, CancellationToken cancel)
    {
        const string runId = ResumeRunId;
        var (times, startedTimes) = (new List<double>(), new List<double>());
        var clock = new StepClock();
        var options = new TrainingSessionOptions(stores)
        {
            Observer = e => { if (e is StepEvent s) clock.Record(s.Step.Step, s.Step.Tokens, s.Step.StepTimeMs); },
            Cancel = cancel,
        };
        var resumeConfig = ConfigLoader.ParseSet($"training.max-steps={_recipe.Training.MaxSteps + 1000}").WithFallback(config).Resolve();
        await using (var first = await TrainingSession.StartNew(runId, resumeConfig, options))
        {
            while (clock.Count < 2 && !first.Completion.IsCompleted) await Task.Delay(5, cancel);
            first.RequestPause("bench");
            await first.Completion;
        }
        for (var r = 0; r < repeats; r++)
        {
            var seen = clock.Count;
            var started = Stopwatch.GetTimestamp();
            await using var session = await TrainingSession.Resume(runId, options);
            startedTimes.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            while (clock.Count == seen && !session.Completion.IsCompleted) await Task.Delay(1, cancel);
            times.Add(Stopwatch.GetElapsedTime(started, clock.LastTimestamp!.Value).TotalMilliseconds);
            session.RequestPause("bench");
            var outcome = await session.Completion;
            if (outcome.End != SessionEnd.Paused) throw new StlmException($"the resumed run ended {outcome.End}: {outcome.Reason}");
            log.WriteLine($"  resume {r + 1}/{repeats}: started after {startedTimes[^1]:F0} ms, first step after {times[^1]:F0} ms");
        }
        return (times, startedTimes);
    }
}
