using Akka.Actor;
using Stlm.Actors.Cluster.Evaluation;
using Stlm.Actors.Cluster.Transfer;
using Stlm.Actors.Training.Recipe;
using Stlm.Model.Checkpoints;
using Stlm.Model.Data;
using Stlm.Model.Eval;
using Stlm.Model.Training;
using Stlm.Tests.Model.Data;
using Stlm.Tests.Support;

namespace Stlm.Tests.Actors.Cluster.Evaluation;

/// <summary>Evaluation jobs pulled by evaluator members (loopback, in this process), each with its own data folder.</summary>
public sealed class ClusterEvaluationTests
{
    internal static IReadOnlyList<MultipleChoiceItem> Questions(int count) =>
        [.. Enumerable.Range(0, count).Select(i => MultipleChoiceItem.SharedContext($"q{i}", $"Question {i}: the cat",
            [" sat on the mat.", " saw a bird" + new string('!', i % 5), " liked the sun", " ran"], i % 4))];

    [Fact]
    public async Task Jobs_pulled_by_two_evaluator_nodes_give_the_numbers_of_one_process_bit_for_bit_and_each_result_is_taken_once()
    {
        using var dir = new TempDirectory();
        var data = dir.File("node-a");
        var corpus = TokenDatasetTests.PrepareStories(dir);
        var config = TinyCheckpoints.Config("llama", data);
        var checkpoint = TinyCheckpoints.Write(config, Path.Combine(data, "checkpoints", "r-test"), step: 4);
        var questions = Questions(300);
        using var heldOut = TokenDataset.Open(corpus, DataSplit.Validation, contextLength: 16);

        // One process: what `stlm eval --task` and the session's held-out evaluation compute.
        var local = CheckpointModel.Load(Checkpoint.Open(checkpoint.Path, checkpoint.ContentHash));
        var expectedScores = MultipleChoiceScorer.ScoreItems(questions, ScoringModels.For(local.Model, local.Tokenizer), EvaluationPlan.ItemsPerCall);
        var expectedBpb = HeldOutEvaluation.Run(local.Model, heldOut, batches: 6, batchSize: 4);

        await using var cluster = await LoopbackCluster.StartAsync(3);
        TransferAkka.StartSource(cluster.Members[0], CheckpointCatalog.InDataFolder(data));
        for (var i = 1; i <= 2; i++)
        {
            TransferAkka.StartSource(cluster.Members[i], CheckpointCatalog.InDataFolder(dir.File($"node-{i}")));
            cluster.Members[i].ActorOf(ClusterEvaluatorActor.Props(new CheckpointFetcher(CheckpointCatalog.InDataFolder(dir.File($"node-{i}")))), ClusterEvaluatorActor.Name);
        }
        var queue = cluster.Members[0].ActorOf(EvaluationWorkQueue.Props(), "eval-queue");
        var path = Path.GetRelativePath(data, checkpoint.Path);
        var evaluations = new[]
        {
            EvaluationPlan.HeldOut("r-test", 4, checkpoint.ContentHash, path, heldOut, batches: 6, batchSize: 4, batchesPerJob: 2),
            EvaluationPlan.Choice("r-test", 4, checkpoint.ContentHash, path, "hellaswag", questions),
        };
        Assert.Equal([3, 3], evaluations.Select(e => e.Jobs.Count));
        var inbox = Inbox.Create(cluster.Members[0]);
        inbox.Send(queue, new EvaluateCheckpoint(evaluations));
        var finished = new[] { inbox.Receive(TimeSpan.FromMinutes(2)), inbox.Receive(TimeSpan.FromMinutes(2)) }.Cast<EvaluationFinished>()
            .ToDictionary(f => f.Evaluation.Task);

        Assert.Null(finished["heldout"].Problem);
        var bpb = finished["heldout"].Result!.HeldOut!;
        Assert.Equal(expectedBpb.NllNats, bpb.NllNats);
        Assert.Equal(expectedBpb.Bpb, bpb.Bpb);
        Assert.Equal(expectedBpb.Tokens, bpb.Tokens);
        var choice = finished["hellaswag"].Result!.Choice!;
        Assert.Equal(MultipleChoiceScorer.Summarise(expectedScores), choice);

        // A result for a job id already taken (as from a retried job) is dropped, never answered again.
        var status = await queue.Ask<WorkQueueStatus>(new WorkQueueStatusWanted(), TimeSpan.FromSeconds(30));
        Assert.Equal((0, 0, 6, 0), (status.Waiting, status.Running, status.JobsDone, status.DuplicatesDropped));
        queue.Tell(new EvalJobDone("r-test@4/hellaswag#1", null, null, [.. questions.Skip(128).Take(128).Select(_ => new[] { 0.0, 0, 0, 0 })], 0.1));
        status = await queue.Ask<WorkQueueStatus>(new WorkQueueStatusWanted(), TimeSpan.FromSeconds(30));
        Assert.Equal(1, status.DuplicatesDropped);
        // Nothing comes: Inbox.Receive times out, as a TimeoutException or (when the inbox's own deadline fires first, as under load) one wrapped in an AggregateException.
        var silence = Record.Exception(() => inbox.Receive(TimeSpan.FromMilliseconds(300)));
        Assert.IsType<TimeoutException>(silence is AggregateException { InnerException: { } inner } ? inner : silence);
        // The evaluators fetched the checkpoint into their caches: no folder was shared.
        Assert.True(status.JobsByNode.Keys.All(node => node != cluster.AddressOf(0).ToString()));
    }
}
