using System.CommandLine;
using Serilog;
using Stlm.Actors.Cluster;
using Stlm.Host.Journal;
using Stlm.Model;
using Stlm.Host.CommandLine;

namespace Stlm.Host.Commands;

/// <summary>
/// `stlm node [--roles trainer,evaluator] [--port N] [--set …]`: this process becomes a
/// long-lived member of the Stlm cluster and takes work for its roles until Ctrl+C (or SIGTERM),
/// which leaves the cluster gracefully (Akka's CoordinatedShutdown: runs hosted here are paused
/// at a checkpoint and handed to another trainer node). With no cluster.seed-nodes the node seeds
/// itself: it forms a new cluster that others join with --set 'cluster.seed-nodes=["HOST:PORT"]'.
/// </summary>
public static class NodeCommand
{
    public static Command Create()
    {
        var roles = new Option<string?>("--roles")
        {
            Description = $"Comma-separated roles of this node: {string.Join(", ", NodeRoles.All)} (default: cluster.roles)",
            HelpName = "ROLES",
        };
        var port = new Option<int?>("--port") { Description = "Port to listen on (default: cluster.port; 0 = any free port)", HelpName = "N" };
        var command = new Command("node", "Run a cluster member that takes work (runs, evaluations) until Ctrl+C") { roles, port };
        var configOptions = ConfigOptions.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var config = configOptions.Load(parse);
            var settings = ClusterSettings.From(config).WithNodeOptions(parse.GetValue(roles)?.Split(','), parse.GetValue(port));
            var paths = DataPaths.From(config);
            ClusterSettings.RequireSharedJournal(paths.Journal);
            if (!settings.Enabled)
            {
                if (settings.Port == 0)
                    throw new StlmException("a node with no cluster.seed-nodes forms a new cluster, which others join at its address: give it a port (--port 4053)");
                settings = settings with { SeedNodes = [settings.Address] };
                Log.Information("No cluster.seed-nodes: this node forms a new cluster; others join it with --set 'cluster.seed-nodes=[\"{Host}:{Port}\"]'",
                    settings.Host, settings.Port);
            }
            await using var store = JournalOpener.OpenExisting(paths.Journal);
            await using var node = await ClusterNode.JoinAsync(settings, store, paths.DataDir, ct, rankStarter: Training.RankProcesses.StartOne);
            Log.Information("Node {Address} is up with roles [{Roles}]; Ctrl+C leaves the cluster", node.Address, string.Join(", ", settings.Roles));
            var presses = 0;
            ConsoleCancelEventHandler onCancel = (_, e) =>
            {
                if (Interlocked.Increment(ref presses) > 1) return; // a second Ctrl+C ends the process at once
                e.Cancel = true;
                Log.Information("Ctrl+C: leaving the cluster (runs hosted here pause at a checkpoint and move to another trainer); Ctrl+C again to stop at once");
                _ = node.LeaveAsync();
            };
            Console.CancelKeyPress += onCancel;
            using var onTerm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
            {
                context.Cancel = true;
                Log.Information("SIGTERM: leaving the cluster");
                _ = node.LeaveAsync();
            });
            try
            {
                await node.WhenTerminated;
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
            }
            if (node.Left)
            {
                Log.Information("Node {Address} left the cluster", node.Address);
                return 0;
            }
            Console.Error.WriteLine($"stlm: node {node.Address} was removed from the cluster (downed: unreachable, or on the minority side of a partition); " +
                                    "its runs continue on other trainer nodes; start it again to rejoin");
            return 1;
        });
        return command.WithLogging();
    }
}
