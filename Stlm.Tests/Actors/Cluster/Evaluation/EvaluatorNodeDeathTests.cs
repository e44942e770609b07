using Akka.Actor;
using MemberStatus = Akka.Cluster.MemberStatus;
using Stlm.Actors.Cluster;
using Stlm.Actors.Cluster.Evaluation;
using Stlm.Actors.Configuration;
using Stlm.Actors.Persistence;
using Stlm.Actors.Training.Recipe;
using Stlm.Actors.Training.Run;
using Stlm.Actors.Training.Views;
using Checkpoint = Stlm.Model.Checkpoints.Checkpoint;
using Stlm.Model.Eval;
using Stlm.Tests.EndToEnd;
using Stlm.Tests.Support;

namespace Stlm.Tests.Actors.Cluster.Evaluation;

/// <summary>
/// Two `stlm node --roles evaluator` processes on loopback, each with its own data folder, and
/// this process as the member that owns the run's journal (PostgreSQL, shared by all):
/// one evaluator is SIGKILLed in the middle of a job.
/// </summary>
public sealed class EvaluatorNodeDeathTests
{
    static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    [PostgresFact]
    public async Task An_evaluator_killed_during_a_job_has_its_job_redone_elsewhere_and_the_result_journaled_once()
    {
        await using var db = new PostgresTestDatabase();
        await using var journal = JournalStore.Open(db.CreateDialect());
        using var dir = new TempDirectory();
        var data = dir.File("owner");
        var config = TinyCheckpoints.Config("llama", data);
        var checkpoint = TinyCheckpoints.Write(config, Path.Combine(data, "checkpoints", "r-kill"), step: 4);
        var questions = ClusterEvaluationTests.Questions(1024);
        var local = CheckpointModel.Load(Checkpoint.Open(checkpoint.Path, checkpoint.ContentHash));
        var expected = MultipleChoiceScorer.Summarise(MultipleChoiceScorer.ScoreItems(questions, ScoringModels.For(local.Model, local.Tokenizer), EvaluationPlan.ItemsPerCall));

        var (seedPort, ports) = (LoopbackPorts.Free(), new[] { LoopbackPorts.Free(), LoopbackPorts.Free() });
        string[] cluster = [$"cluster.seed-nodes=[\"127.0.0.1:{seedPort}\"]", "cluster.hostname=\"127.0.0.1\"", "cluster.failure-detection=2s",
            "cluster.split-brain-resolver.stable-after=2s", "journal.engine=\"postgres\""];
        var settings = ClusterSettings.From(ConfigLoader.Load(null, [.. cluster, $"cluster.port={seedPort}"])) with { Roles = [] };
        await using var owner = await ClusterNode.JoinAsync(settings, journal, data, joinTimeout: TimeSpan.FromSeconds(30));
        var evaluators = ports.Select((port, i) => StlmChild.Start(dir.Path,
            new Dictionary<string, string> { ["STLM_DATA_DIR"] = dir.File($"evaluator-{i}"), ["STLM_PG"] = $"{db.ConnectionString};Search Path={db.Schema}" },
            ["node", "--roles", "evaluator", "--port", port.ToString(), .. cluster.SelectMany(s => new[] { "--set", s })])).ToList();
        try
        {
            await WaitUntil(() => owner.Cluster.State.Members.Count(m => m.Status == MemberStatus.Up) == 3, "both evaluator nodes to come up",
                () => string.Join("\n", evaluators.Select(e => e.StdErr)));

            var run = owner.System.ActorOf(RunActor.Props("r-kill", 1000), "run-r-kill");
            await RunActor.AskAsync(run, new CreateRun("r-kill", config.ToHocon(), "cfg", 1, "test-build"));
            await Stlm.Tests.Actors.Training.Run.RunTestJournal.Steps(run, 1, 4);
            var journalPath = Path.GetRelativePath(data, checkpoint.Path);
            await RunActor.AskAsync(run, new CommitCheckpoint(4, checkpoint.ContentHash, journalPath, checkpoint.Bytes));
            var queue = owner.System.ActorOf(EvaluationWorkQueue.Props(), "eval-queue");
            var evaluations = owner.System.ActorOf(CheckpointEvaluations.Props(queue, run, ActorRefs.Nobody), "evaluations");
            var inbox = Inbox.Create(owner.System);
            // Two jobs of 512 questions: each evaluator takes one.
            inbox.Send(evaluations, new EvaluateCommitted([EvaluationPlan.Choice("r-kill", 4, checkpoint.ContentHash, journalPath, "hellaswag", questions, callsPerJob: 4)]));

            // SIGKILL the first evaluator seen working on a job.
            var killed = -1;
            await WaitUntil(async () =>
            {
                var status = await queue.Ask<WorkQueueStatus>(new WorkQueueStatusWanted());
                var victim = Array.FindIndex(ports, p => status.RunningOn.Values.Any(node => node.EndsWith($":{p}", StringComparison.Ordinal)));
                if (victim < 0) return false;
                evaluators[victim].Kill();
                killed = victim;
                return true;
            }, "a job to start on an evaluator", () => "");

            var done = (EvaluationJournaled)await Task.Run(() => inbox.Receive(Timeout));
            Assert.True(done.Journaled, done.Problem);
            var final = await queue.Ask<WorkQueueStatus>(new WorkQueueStatusWanted());
            Assert.True(final.Redone >= 1, "the killed node's job was handed out again");
            Assert.Equal(2, final.JobsDone);
            Assert.DoesNotContain(final.JobsByNode.Keys, node => node.EndsWith($":{ports[killed]}", StringComparison.Ordinal));

            var state = await new RunJournalReader(journal.Query).LoadAsync("r-kill");
            var eval = Assert.Single(state.Evals);
            Assert.Equal((4L, "hellaswag"), (eval.Step, eval.Task));
            Assert.Equal([expected.Acc, expected.AccNorm, expected.Count], eval.Metrics.Select(m => m.Value));
        }
        finally
        {
            foreach (var e in evaluators) e.Dispose();
        }
    }

    static async Task WaitUntil(Func<bool> done, string what, Func<string> why) => await WaitUntil(() => Task.FromResult(done()), what, why);

    static async Task WaitUntil(Func<Task<bool>> done, string what, Func<string> why)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!await done())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"waited {Timeout.TotalMinutes} min for {what}; {why()}");
            await Task.Delay(15);
        }
    }

}
