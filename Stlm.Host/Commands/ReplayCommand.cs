using System.CommandLine;
using Stlm.Actors.Persistence;
using Stlm.Actors.Training.Run;
using Stlm.Actors.Training.Views;
using Stlm.Host.Journal;
using Stlm.Host.Runs;
using Stlm.Model;
using Stlm.Host.CommandLine;

namespace Stlm.Host.Commands;

/// <summary>
/// `stlm replay RUN --rebuild [--json]`: rebuilds the run's views from its events alone and
/// checks them against the RunActor's latest snapshot (folded forward with the events after it).
/// `stlm replay RUN [--from S] [--to T] --verify [--json]` re-executes steps from a checkpoint and
/// checks them against the journal (<see cref="ReplayVerification"/>).
/// </summary>
public static class ReplayCommand
{
    public sealed record RebuildReport(
        RunSummary Summary,
        long FirstStep,
        long Events,
        int Evaluations,
        int Overrides,
        IReadOnlyList<Checkpoint> Checkpoints,
        long? SnapshotSequenceNr,
        bool? SnapshotAgrees);

    public static Command Create()
    {
        var run = new Argument<string>("RUN") { Description = "Run id" };
        var rebuild = new Option<bool>("--rebuild") { Description = "Rebuild every view of the run from its events alone" };
        var verify = new Option<bool>("--verify")
        {
            Description = "Re-execute steps from the nearest checkpoint and check every loss and the final weights against the journal",
        };
        var from = new Option<long?>("--from") { Description = "First step to verify (default: the run's first)", HelpName = "S" };
        var to = new Option<long?>("--to") { Description = "Last step to verify (default: the last journaled)", HelpName = "T" };
        var json = SharedOptions.Json;
        var command = new Command("replay", "Replay a run's history: rebuild its views, or re-execute and verify its steps")
        {
            run, rebuild, verify, from, to, json,
        };
        var config = ConfigOptions.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var (doRebuild, doVerify) = (parse.GetValue(rebuild), parse.GetValue(verify));
            if (doRebuild == doVerify)
                throw new StlmException("stlm replay: say what to replay: --rebuild (rebuild the run's views from its events) or --verify (re-execute steps and check them against the journal)");
            if (!doVerify && (parse.GetValue(from) is not null || parse.GetValue(to) is not null))
                throw new StlmException("stlm replay: --from and --to go with --verify");
            await using var store = RunStoreOpener.Open(config, parse);
            if (doVerify)
                return await ReplayVerification.RunAsync(store, RunIds.Validate(parse.GetValue(run)!), parse.GetValue(from), parse.GetValue(to), parse.GetValue(json),
                    DataPaths.From(config.Load(parse)).DataDir, ct);
            var state = await RunStoreOpener.LoadAsync(store, parse.GetValue(run)!, ct);
            var snapshot = await JournalOpener.ReadAsync(store, () => store.Query.LatestSnapshotAsync(RunIds.PersistenceId(state.RunId), ct));
            bool? agrees = null;
            if (snapshot?.Snapshot is RunSnapshot s)
            {
                var tail = new List<object>();
                await foreach (var e in store.Query.CurrentEventsByPersistenceId(RunIds.PersistenceId(state.RunId), snapshot.Metadata.SequenceNr + 1, long.MaxValue, ct))
                    tail.Add(e.Event);
                agrees = RunState.Fold(tail, RunState.FromSnapshot(s)).Equals(state);
            }
            var report = new RebuildReport(RunSummary.From(state), state.FirstStep, state.Events, state.Evals.Count,
                state.Overrides.Count, [.. state.Checkpoints], snapshot?.Metadata.SequenceNr, agrees);
            if (parse.GetValue(json)) RunsJson.Print(report);
            else Print(report);
            return agrees == false ? 1 : 0;
        });
        return command.WithLogging();
    }

    static void Print(RebuildReport r)
    {
        var s = r.Summary;
        Console.Out.WriteLine($"run {s.Id}: rebuilt from {r.Events} events");
        Console.Out.WriteLine($"  status      {s.Status}{(s.StatusReason.Length > 0 ? $" ({s.StatusReason})" : "")}");
        Console.Out.WriteLine($"  steps       {r.FirstStep}..{s.Step}, {RunText.Tokens(s.Tokens)} tokens, last loss {RunText.Number(s.LastLoss)}");
        if (s.Parent is not null) Console.Out.WriteLine($"  forked from {s.Parent}@{s.ForkStep}");
        Console.Out.WriteLine($"  checkpoints {r.Checkpoints.Count(c => !c.Deleted)} live, {r.Checkpoints.Count(c => c.Deleted)} deleted");
        Console.Out.WriteLine($"  evaluations {r.Evaluations}, best {RunText.Best(s.BestEval)}");
        Console.Out.WriteLine($"  overrides   {r.Overrides}");
        Console.Out.WriteLine(r.SnapshotAgrees switch
        {
            true => $"  snapshot    at event {r.SnapshotSequenceNr} + later events agrees with the rebuild",
            false => $"  snapshot    at event {r.SnapshotSequenceNr} + later events DISAGREES with the rebuild from events",
            null => "  snapshot    none",
        });
    }
}
