using System.CommandLine;
using System.Text.Json;
using Stlm.Actors.Configuration;
using Stlm.Actors.Training.DataParallel;
using Stlm.Host.Bench;
using Stlm.Model.LibTorch;
using Stlm.Model.LibTorch.Distributed;

namespace Stlm.Host;

/// <summary>
/// `stlm debug …` (hidden): helpers that tests run as child processes. `allreduce-peer` joins a
/// Gloo group as one rank, runs <see cref="CollectivesCheck"/> and prints its results as JSON;
/// `dp-worker` is one rank of a step-level data-parallel test run (<see cref="DataParallelLaunch"/> starts them);
/// `dp-rank` is rank 1.. of a data-parallel `stlm train` run (<see cref="Training.RankProcesses"/> starts them).
/// </summary>
public static class DebugCommand
{
    public static Command Create()
    {
        var rank = new Option<int>("--rank") { Required = true };
        var world = new Option<int>("--world-size") { Required = true };
        var addr = new Option<string>("--master-addr") { DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--master-port") { Required = true };
        var timeout = new Option<int>("--timeout-seconds") { DefaultValueFactory = _ => 60 };
        var peer = new Command("allreduce-peer", "Join a Gloo group as one rank and run the collectives check") { rank, world, addr, port, timeout };
        peer.SetAction(parse =>
        {
            using var group = ProcessGroup.Create(new ProcessGroupOptions(parse.GetValue(rank), parse.GetValue(world),
                parse.GetValue(addr)!, parse.GetValue(port), Backend.Gloo, TimeSpan.FromSeconds(parse.GetValue(timeout))));
            Console.WriteLine(JsonSerializer.Serialize(CollectivesCheck.Run(group)));
            return 0;
        });
        var workerRank = new Option<int>("--rank") { Required = true };
        var spec = new Option<string>("--spec") { Required = true, Description = "The run, as DataParallelSpec JSON" };
        var worker = new Command("dp-worker", "One rank of a step-level data-parallel test run (started by the tests)") { workerRank, spec };
        worker.SetAction(parse => DataParallelWorker.Run(
            JsonSerializer.Deserialize<DataParallelSpec>(parse.GetValue(spec)!) ?? throw new ArgumentException("--spec is empty"), parse.GetValue(workerRank)));
        var rankRun = new Option<string>("--run-id") { Required = true };
        var rankIndex = new Option<int>("--rank") { Required = true };
        var rankPort = new Option<int>("--port") { Required = true };
        var rankHost = new Option<string>("--master-addr") { DefaultValueFactory = _ => "127.0.0.1", Description = "Where rank 0's TCP store listens" };
        var rankDevice = new Option<string?>("--device") { Description = "The GPU this rank trains on (a GPU trainer node's slot); default: torch.device's, shifted by the rank" };
        var rankCommand = new Command("dp-rank", "Rank 1.. of a data-parallel run (started by `stlm train --nproc N` or a trainer node; reads the run's config on stdin)")
            { rankRun, rankIndex, rankHost, rankPort, rankDevice };
        rankCommand.SetAction(parse =>
        {
            // Ctrl+C in the terminal reaches every process of its group: rank 0 pauses the run
            // (a checkpoint with every rank in it) and then tells this rank to stop.
            Console.CancelKeyPress += (_, e) => e.Cancel = true;
            using var onTerm = System.Runtime.InteropServices.PosixSignalRegistration.Create(
                System.Runtime.InteropServices.PosixSignal.SIGTERM, context => context.Cancel = true);
            var index = parse.GetValue(rankIndex);
            var config = Config.ParseString(Training.RankProcesses.ReadConfigAndWatchLauncher(index), $"run {parse.GetValue(rankRun)} (rank {index})").Resolve();
            var device = parse.GetValue(rankDevice) is { } text ? Device.Parse(text) : (Device?)null;
            RankFollower.Run(config, index, parse.GetValue(rankHost)!, parse.GetValue(rankPort), device);
            return 0;
        });
        return new Command("debug", "Helpers for tests") { Hidden = true, Subcommands = { peer, worker, rankCommand } };
    }
}
