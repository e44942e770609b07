using Stlm.Actors.Training.Recipe;
using Stlm.Actors.Training.Run;
using Stlm.Actors.Training.Session;
using Stlm.Model.Checkpoints;
using Stlm.Model.Eval;
using Stlm.Tests.Support;

namespace Stlm.Tests.Actors.Training.Session;

[Collection(nameof(TorchGlobalState))]
public class SessionChoiceEvalTests(SessionCorpus corpus) : IClassFixture<SessionCorpus>
{
    static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "Eval", name);

    static readonly string Tasks =
        $"eval.tasks=[{{name=hellaswag, data=\"{Fixture("hellaswag_harness_sample.jsonl")}\"}}, {{name=arc_easy, data=\"{Fixture("arc_easy_sample.jsonl")}\", limit=3}}]";

    static double Metric(EvalCompleted e, string name) => e.Metrics.Single(m => m.Name == name).Value;

    [Fact]
    public async Task Each_checkpoint_journals_every_task_with_the_scores_of_that_checkpoint_evaluated_alone()
    {
        await using var rig = new SessionRig(corpus);
        var outcome = await SessionRig.Finish(await TrainingSession.StartNew("graded", rig.Config(Tasks, "eval.workers=2"), rig.Options()));

        Assert.Equal(SessionEnd.Completed, outcome.End);
        var state = await rig.ReadAsync("graded");
        Assert.Equal([3L, 6, 8], state.LiveCheckpoints.Select(c => c.Step));
        foreach (var task in new[] { ("hellaswag", "hellaswag_harness_sample.jsonl", 4), ("arc_easy", "arc_easy_sample.jsonl", 3) })
        {
            var evals = state.Evals.Where(e => e.Task == task.Item1).OrderBy(e => e.Step).ToList();
            Assert.Equal([3L, 6, 8], evals.Select(e => e.Step));
            var items = MultipleChoiceTasks.Read(task.Item1, Fixture(task.Item2)).Take(task.Item3).ToList();
            foreach (var eval in evals)
            {
                var expected = ScoreAlone(state.LiveCheckpoints.Single(c => c.Step == eval.Step), items);
                Assert.Equal(["acc", "acc_norm", "items"], eval.Metrics.Select(m => m.Name));
                Assert.Equal(BitConverter.DoubleToInt64Bits(expected.Acc), BitConverter.DoubleToInt64Bits(Metric(eval, "acc")));
                Assert.Equal(BitConverter.DoubleToInt64Bits(expected.AccNorm), BitConverter.DoubleToInt64Bits(Metric(eval, "acc_norm")));
                Assert.Equal(task.Item3, Metric(eval, "items"));
            }
        }
        Assert.Equal(6, rig.Events.OfType<EvalEvent>().Count(e => e.Eval.Task != EvaluatorActor.HeldOutTask));
    }

    /// <summary>What `stlm eval CHECKPOINT --task` computes: the checkpoint loaded on its own, scored by MultipleChoiceScorer.</summary>
    static MultipleChoiceScorer.Result ScoreAlone(Stlm.Actors.Training.Run.Checkpoint checkpoint, IReadOnlyList<MultipleChoiceItem> items)
    {
        var loaded = CheckpointModel.Load(Stlm.Model.Checkpoints.Checkpoint.Open(checkpoint.Path, checkpoint.Hash));
        var scorer = ScoringModels.For(loaded.Model, loaded.Tokenizer);
        return MultipleChoiceScorer.Score(items, (MultipleChoiceScorer.LogProbability)((c, k) => scorer.LogLikelihood(c, k).LogProb));
    }

    [Theory]
    [InlineData("eval.tasks=[{name=trivia, data=\"x.jsonl\"}]", "eval.tasks[0].name = \"trivia\" is not a task at --set")]
    [InlineData("eval.tasks=[{name=piqa, data=\"/nowhere/piqa.jsonl\"}]", "eval.tasks[0].data = \"/nowhere/piqa.jsonl\": no such file")]
    [InlineData("eval.tasks=[{name=piqa}]", "eval.tasks[0] has no data at --set")]
    [InlineData("eval.tasks=[{name=piqa, data=\"x\", limt=3}]", "unknown key `limt` in eval.tasks[0] at --set")]
    [InlineData("checkpoint.keep-best-metric=\"hellaswag.acc_norm\"", "checkpoint.keep-best-metric = \"hellaswag.acc_norm\" is not a metric the evaluators report")]
    public async Task A_bad_task_config_fails_in_one_line_before_anything_is_journaled(string set, string message)
    {
        await using var rig = new SessionRig(corpus);
        var e = await Assert.ThrowsAnyAsync<Stlm.Model.StlmException>(() => TrainingSession.StartNew("refused", rig.Config(set), rig.Options()));

        Assert.Contains(message, e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.False((await rig.ReadAsync("refused")).Exists);
    }

    [Fact]
    public async Task A_task_file_with_no_questions_fails_before_anything_is_journaled()
    {
        await using var rig = new SessionRig(corpus);
        var empty = Path.Combine(rig.CheckpointsDir, "..", "empty.jsonl");
        await File.WriteAllTextAsync(empty, "");
        var e = await Assert.ThrowsAnyAsync<Stlm.Model.StlmException>(() => TrainingSession.StartNew("empty",
            rig.Config($"eval.tasks=[{{name=hellaswag, data=\"{empty}\"}}]"), rig.Options()));

        Assert.Contains("holds no hellaswag questions", e.Message);
        Assert.False((await rig.ReadAsync("empty")).Exists);
    }

    [Fact]
    public async Task Keep_best_by_a_task_metric_keeps_the_best_checkpoint_by_that_metric_and_the_newest()
    {
        await using var rig = new SessionRig(corpus);
        var outcome = await SessionRig.Finish(await TrainingSession.StartNew("best", rig.Config(Tasks, "checkpoint.every-steps=2",
            "checkpoint.keep-last=1", "checkpoint.keep-best=1", "checkpoint.keep-best-metric=\"arc_easy.acc_norm\"", "eval.workers=2"), rig.Options()));

        Assert.Equal(SessionEnd.Completed, outcome.End);
        var state = await rig.ReadAsync("best");
        var scores = state.Evals.Where(e => e.Task == "arc_easy").ToDictionary(e => e.Step, e => Metric(e, "acc_norm"));
        Assert.Equal([2L, 4, 6, 8], scores.Keys.Order());
        // Higher is better; a tie goes to the earlier step.
        var best = scores.OrderByDescending(p => p.Value).ThenBy(p => p.Key).First().Key;
        Assert.Equal(new[] { best, 8L }.Distinct().Order(), state.LiveCheckpoints.Select(c => c.Step));
        Assert.Equal(new[] { best, 8L }.Distinct().Order(), CheckpointFolders.List(Path.Combine(rig.CheckpointsDir, "best")).Select(l => l.Step));
    }

    [Fact]
    public async Task A_pause_does_not_wait_to_score_its_checkpoint_and_the_resume_scores_it_first()
    {
        await using var rig = new SessionRig(corpus);
        var started = new TaskCompletionSource<TrainingSession>(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = await TrainingSession.StartNew("later", rig.Config(Tasks), rig.Options(beforeStep: (n, _) =>
        {
            if (n == 5) SessionRig.PauseDuringStep(started.Task.Result);
        }));
        started.SetResult(first);
        Assert.Equal(SessionEnd.Paused, (await SessionRig.Finish(first)).End);
        var paused = await rig.ReadAsync("later");
        Assert.Equal(5, paused.LatestCheckpoint()!.Step);
        Assert.DoesNotContain(paused.Evals, e => e.Step == 5);

        Assert.Equal(SessionEnd.Completed, (await SessionRig.Finish(await TrainingSession.Resume("later", rig.Options()))).End);
        var done = await rig.ReadAsync("later");
        Assert.Equal([3L, 5, 6, 8], done.Evals.Where(e => e.Task == "hellaswag").Select(e => e.Step).Order());
        Assert.Equal([3L, 5, 6, 8], done.Evals.Where(e => e.Task == "arc_easy").Select(e => e.Step).Order());
        var expected = ScoreAlone(done.LiveCheckpoints.Single(c => c.Step == 5), MultipleChoiceTasks.Read("hellaswag", Fixture("hellaswag_harness_sample.jsonl")));
        Assert.Equal(expected.AccNorm, Metric(done.Evals.Single(e => e.Step == 5 && e.Task == "hellaswag"), "acc_norm"));
    }

    [Fact]
    public async Task A_resumed_run_rechecks_the_evaluations_of_re_run_steps_instead_of_journaling_them_twice()
    {
        await using var rig = new SessionRig(corpus);
        // No checkpoint after the first (step 3's) can be written, but step 6's evaluations are journaled before the session ends.
        string? firstWrite = null;
        var failing = rig.Options() with
        {
            CheckpointWrite = new CheckpointWriteOptions(Fault: (_, temp) =>
            {
                if ((firstWrite ??= temp) != temp) throw new IOException("disk full");
            }),
        };
        var failed = await SessionRig.Finish(await TrainingSession.StartNew("again", rig.Config(Tasks, "eval.every-steps=2"), failing));
        Assert.Equal(SessionEnd.Failed, failed.End);
        var before = await rig.ReadAsync("again");
        Assert.Equal([3L], before.LiveCheckpoints.Select(c => c.Step));
        Assert.Contains(before.Evals, e => e.Step == 6 && e.Task == "hellaswag");
        Assert.Contains(before.Evals, e => e.Step == 4 && e.Task == EvaluatorActor.HeldOutTask);

        rig.Events.Clear();
        var resumed = await SessionRig.Finish(await TrainingSession.Resume("again", rig.Options()));

        Assert.Equal(SessionEnd.Completed, resumed.End);
        var after = await rig.ReadAsync("again");
        var keys = after.Evals.Select(e => (e.Step, e.Task)).ToList();
        Assert.Equal(keys.Distinct().Count(), keys.Count);
        Assert.Equal([3L, 6, 8], after.Evals.Where(e => e.Task == "hellaswag").Select(e => e.Step).Order());
        Assert.Equal([2L, 3, 4, 6, 8], after.Evals.Where(e => e.Task == EvaluatorActor.HeldOutTask).Select(e => e.Step).Order());
        // Nothing the first session journaled was journaled again: steps 4 and 6 re-ran and matched.
        var journaledBefore = before.Evals.Select(e => (e.Step, e.Task)).ToHashSet();
        Assert.All(rig.Events.OfType<EvalEvent>(), e => Assert.DoesNotContain((e.Eval.Step, e.Eval.Task), journaledBefore));
    }
}
