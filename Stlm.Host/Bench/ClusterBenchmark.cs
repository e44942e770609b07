using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Stlm.Actors.Cluster;
using Stlm.Actors.Cluster.Evaluation;
using Stlm.Actors.Cluster.Transfer;
using Stlm.Actors.Persistence;
using Stlm.Actors.Persistence.Sql;
using Stlm.Actors.Training.Recipe;
using Stlm.Host.Commands;
using Stlm.Model;
using Stlm.Model.Checkpoints;
using Stlm.Model.Data;
using Stlm.Model.Eval;
using Stlm.Host.Eval;
using Checkpoint = Stlm.Model.Checkpoints.Checkpoint;

namespace Stlm.Host.Bench;

/// <summary>
/// `stlm bench cluster`, measured in one run on loopback: this process is a cluster member with no
/// role that owns the evaluations; `stlm node --roles evaluator` processes are added one by one.
/// Evaluation items/s with 1, 2, 3 evaluator processes against scoring the same questions in this
/// process (the in-process evaluator's code path: one evaluator, one thread); the round trip of a
/// message to another node against one to this node; what a job costs beyond its scoring
/// (messages, bytes, serialization, wall time the evaluators spend not scoring); and a checkpoint
/// fetched from another node against a plain local copy (File.Copy + fsync) of the same bytes.
/// </summary>
public static class ClusterBenchmark
{
    public sealed record Options(string Postgres, int Questions, int MaxEvaluators, int Rounds, int TransferDModel, int TransferLayers);

    public sealed record Scaling(int Evaluators, double ItemsPerSecond, double RatioToInProcess, double Efficiency, string LoadAverage);

    public sealed record JobCost(int PointToPointMessages, int JobBytes, int ResultBytes, double SerializeMicros, double NonScoringMsPerJob, double ScoringMsPerJob);

    public sealed record Transfer(long Bytes, double FetchMBps, double CopyMBps, double Ratio, double Goal);

    public sealed record Result(int Questions, double InProcessItemsPerSecond, IReadOnlyList<Scaling> Scaling, double RoundTripRemoteMs,
        double RoundTripLocalMs, JobCost Job, Transfer Transfer, int Cores, string LoadAverageBefore, string LoadAverageAfter);

    public static async Task<Result> RunAsync(Options options, Action<string>? log, CancellationToken ct)
    {
        var loadBefore = TrainBenchmark.LoadAverage();
        var root = Directory.CreateTempSubdirectory("stlm-bench-cluster-").FullName;
        var children = new List<Process>();
        try
        {
            var (own, evaluatorData) = (Path.Combine(root, "bench"), Enumerable.Range(1, options.MaxEvaluators).Select(i => Path.Combine(root, $"node-{i}")).ToList());
            var evalCheckpoint = WriteCheckpoint(own, "r-bench", ["model.d-model=64", "model.n-layers=2", "model.n-heads=2", "model.n-kv-heads=1", "model.ffn-hidden=128", "model.context-length=64"]);
            var bigCheckpoint = WriteCheckpoint(evaluatorData[0], "r-bench-transfer", [$"model.d-model={options.TransferDModel}", $"model.n-layers={options.TransferLayers}",
                "model.n-heads=8", "model.n-kv-heads=8", $"model.ffn-hidden={options.TransferDModel * 3}", "model.context-length=64"]);
            var questions = EvalBenchmark.GeneratedQuestions(options.Questions);

            // In this process: the path of `stlm eval --task` and of every evaluator.
            var local = CheckpointModel.Load(Checkpoint.Open(evalCheckpoint.Path, evalCheckpoint.ContentHash));
            var scorer = ScoringModels.For(local.Model, local.Tokenizer);
            MultipleChoiceScorer.ScoreItems(questions, scorer, EvaluationPlan.ItemsPerCall);   // warm-up, as each evaluator's first round is
            var inProcess = questions.Count / Median(Enumerable.Range(0, options.Rounds)
                .Select(_ => Timed(() => MultipleChoiceScorer.ScoreItems(questions, scorer, EvaluationPlan.ItemsPerCall))));
            log?.Invoke($"in process: {inProcess:F1} questions/s");

            var dialect = new PostgresDialect(options.Postgres, "stlm_bench_cluster");
            await using var journal = JournalStore.Open(dialect);
            var seedPort = FreePort();
            string[] clusterSets = [$"cluster.seed-nodes=[\"127.0.0.1:{seedPort}\"]", "cluster.hostname=\"127.0.0.1\"", "journal.engine=\"postgres\""];
            var settings = ClusterSettings.From(Actors.Configuration.ConfigLoader.Load(null, [.. clusterSets, $"cluster.port={seedPort}"])) with { Roles = [] };
            await using var node = await ClusterNode.JoinAsync(settings, journal, own, ct, TimeSpan.FromSeconds(60));
            var evaluation = EvaluationPlan.Choice("r-bench", evalCheckpoint.Step, evalCheckpoint.ContentHash, Path.GetRelativePath(own, evalCheckpoint.Path), "bench", questions);
            var checkpoint = Checkpoint.Open(evalCheckpoint.Path, evalCheckpoint.ContentHash);

            var scaling = new List<Scaling>();
            WorkQueueStatus? last = null;
            double lastWall = 0;
            for (var k = 1; k <= options.MaxEvaluators; k++)
            {
                children.Add(StartEvaluator(evaluatorData[k - 1], clusterSets, options.Postgres));
                await WaitForMembers(node, k + 1, children, ct);
                await EvalOnCluster.RunAsync(node.System, checkpoint, evaluation, null, ct);   // the new node fetches the checkpoint and loads the model
                var walls = new List<double>();
                for (var r = 0; r < options.Rounds; r++)
                {
                    var clock = Stopwatch.StartNew();
                    (_, last) = await EvalOnCluster.RunAsync(node.System, checkpoint, evaluation, null, ct);
                    walls.Add(clock.Elapsed.TotalSeconds);
                }
                lastWall = Median(walls);
                var rate = questions.Count / lastWall;
                scaling.Add(new Scaling(k, rate, rate / inProcess, rate / inProcess / k, TrainBenchmark.LoadAverage()));
                log?.Invoke($"{k} evaluator process(es): {rate:F1} questions/s ({rate / inProcess:F2}x in process)");
            }

            var (remote, localTrip) = await RoundTrips(node, ct);
            var job = Cost(node.System, evaluation, last!, lastWall, options.MaxEvaluators);
            var transfer = await TransferAgainstCopy(node, bigCheckpoint, evaluatorData[0], Path.Combine(root, "fetched"), options.Rounds, log, ct);
            return new Result(questions.Count, inProcess, scaling, remote, localTrip, job, transfer, Environment.ProcessorCount, loadBefore, TrainBenchmark.LoadAverage());
        }
        finally
        {
            foreach (var child in children)
            {
                if (!child.HasExited) child.Kill();
                child.Dispose();
            }
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }

    static CommittedCheckpoint WriteCheckpoint(string dataDir, string runId, string[] model)
    {
        var config = TrainConfigLoader.Load(null, ["training.preset=\"\"", $"stlm.data-dir=\"{dataDir}\"", "model.architecture=llama",
            "tokenizer.kind=bytes", "model.vocab-size=258", "model.dropout=0.0", .. model]);
        var recipe = TrainingRecipe.From(config);
        var built = recipe.BuildModel(recipe.LoadTokenizer());
        var info = CheckpointInfo.Create(runId, 1, 0, DataCursor.Start, config.ToHocon(), "bench");
        using var snapshot = CheckpointSnapshot.Capture(info, built.Module.StateDict(), optimizer: null);
        return snapshot.Write(Path.Combine(dataDir, "checkpoints", runId));
    }

    static Process StartEvaluator(string dataDir, string[] clusterSets, string postgres)
    {
        var host = Environment.ProcessPath ?? throw new StlmException("cannot tell where this stlm runs from");
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet") start.ArgumentList.Add(typeof(ClusterBenchmark).Assembly.Location);
        foreach (var a in (string[])["node", "--roles", "evaluator", "--port", "0", .. clusterSets.SelectMany(s => new[] { "--set", s })]) start.ArgumentList.Add(a);
        start.Environment["STLM_DATA_DIR"] = dataDir;
        start.Environment["STLM_PG"] = postgres;
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    static async Task WaitForMembers(ClusterNode node, int members, IReadOnlyList<Process> children, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (node.Cluster.State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up) < members)
        {
            if (children.FirstOrDefault(c => c.HasExited) is { } gone)
                throw new StlmException($"bench cluster: an evaluator node exited with code {gone.ExitCode} before joining; run `stlm node --roles evaluator` by hand to see why");
            if (DateTime.UtcNow > deadline) throw new StlmException($"bench cluster: {members - 1} evaluator node(s) did not join within 2 minutes");
            await Task.Delay(100, ct);
        }
    }

    /// <summary>Median Ask round trip (a CheckpointWanted its source answers at once) to another node's source and to this node's own.</summary>
    static async Task<(double RemoteMs, double LocalMs)> RoundTrips(ClusterNode node, CancellationToken ct)
    {
        var other = node.Cluster.State.Members.First(m => m.Address != node.Address).Address;
        async Task<double> Trip(ICanTell target)
        {
            var samples = new List<double>();
            for (var i = 0; i < 300; i++)
            {
                var clock = Stopwatch.StartNew();
                await target.Ask<object>(new CheckpointWanted("0", ""), TimeSpan.FromSeconds(10), ct);
                if (i >= 20) samples.Add(clock.Elapsed.TotalMilliseconds);
            }
            return Median(samples);
        }
        return (await Trip(CheckpointSourceActor.At(node.System, other)), await Trip(CheckpointSourceActor.At(node.System, node.Address)));
    }

    static JobCost Cost(ActorSystem system, Evaluation evaluation, WorkQueueStatus status, double wall, int evaluators)
    {
        var serializer = new ClusterMessageSerializer((ExtendedActorSystem)system);
        var job = evaluation.Jobs[0];
        var done = new EvalJobDone(job.JobId, null, null, [.. job.Questions!.Select(q => new double[q.Options.Count])], 1);
        var (jobBytes, doneBytes) = (serializer.ToBinary(job).Length, serializer.ToBinary(done).Length);
        var samples = new List<double>();
        for (var i = 0; i < 50; i++)
        {
            var clock = Stopwatch.StartNew();
            serializer.FromBinary(serializer.ToBinary(job), serializer.Manifest(job));
            serializer.FromBinary(serializer.ToBinary(done), serializer.Manifest(done));
            samples.Add(clock.Elapsed.TotalMicroseconds);
        }
        var jobs = evaluation.Jobs.Count;
        return new JobCost(3, jobBytes, doneBytes, Median(samples), Math.Max(0, (wall * evaluators - status.ScoringSeconds) / jobs * 1000), status.ScoringSeconds / jobs * 1000);
    }

    /// <summary>Fetches (from the evaluator node that holds it) against File.Copy + fsync of the same files, in turns, each round into a fresh folder.</summary>
    static async Task<Transfer> TransferAgainstCopy(ClusterNode node, CommittedCheckpoint checkpoint, string holderData, string scratch, int rounds,
        Action<string>? log, CancellationToken ct)
    {
        var holders = node.Cluster.State.Members.Where(m => m.Roles.Contains(NodeRoles.Evaluator))
            .Select(m => (ICanTell)CheckpointSourceActor.At(node.System, m.Address)).ToList();
        var files = Directory.GetFiles(Path.GetDirectoryName(checkpoint.Path)!, "*", SearchOption.AllDirectories);
        var bytes = files.Sum(f => new FileInfo(f).Length);
        var (fetch, copy) = (new List<double>(), new List<double>());
        for (var r = 0; r < rounds; r++)
        {
            var into = Path.Combine(scratch, $"round-{r}");
            var fetcher = new CheckpointFetcher(new CheckpointCatalog(Path.Combine(into, "data"), Path.Combine(into, "cache")));
            var clock = Stopwatch.StartNew();
            await fetcher.FetchAsync(checkpoint.ContentHash, Path.GetRelativePath(holderData, checkpoint.Path), holders, ct);
            fetch.Add(bytes / clock.Elapsed.TotalSeconds / 1e6);
            clock.Restart();
            foreach (var file in files)
            {
                var target = Path.Combine(into, "copy", Path.GetRelativePath(Path.GetDirectoryName(checkpoint.Path)!, file));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target);
                using var stream = new FileStream(target, FileMode.Open, FileAccess.ReadWrite);
                stream.Flush(flushToDisk: true);
            }
            copy.Add(bytes / clock.Elapsed.TotalSeconds / 1e6);
            Directory.Delete(into, recursive: true);
            log?.Invoke($"transfer round {r + 1}: {fetch[^1]:F0} MB/s fetched, {copy[^1]:F0} MB/s copied");
        }
        var ratios = fetch.Zip(copy, (f, c) => f / c).ToList();
        return new Transfer(bytes, Median(fetch), Median(copy), Median(ratios), 0.5);
    }

    static double Timed(Action action)
    {
        var clock = Stopwatch.StartNew();
        action();
        return clock.Elapsed.TotalSeconds;
    }

    static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
