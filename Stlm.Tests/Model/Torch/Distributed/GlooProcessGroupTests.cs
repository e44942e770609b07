using Stlm.Tests.Support;
using System.Diagnostics;
using System.Text.Json;
using Stlm.Host;
using Stlm.Model.LibTorch;
using Stlm.Model.LibTorch.Distributed;

namespace Stlm.Tests.Model.LibTorch.Distributed;

public class GlooProcessGroupTests
{
    [Fact]
    public async Task Two_processes_all_reduce_broadcast_and_meet_at_a_barrier()
    {
        var port = LoopbackPorts.Free();
        using var peer = StartPeer(rank: 1, worldSize: 2, port);
        try
        {
            CollectivesCheck.Results mine;
            using (var group = ProcessGroup.Create(new ProcessGroupOptions(0, 2, "127.0.0.1", port, Timeout: TimeSpan.FromSeconds(60))))
                mine = CollectivesCheck.Run(group);
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var stdout = peer.StandardOutput.ReadToEndAsync(deadline.Token);
            var stderr = peer.StandardError.ReadToEndAsync(deadline.Token);
            await peer.WaitForExitAsync(deadline.Token);
            Assert.True(peer.ExitCode == 0, $"peer failed: {await stderr}");
            var theirs = JsonSerializer.Deserialize<CollectivesCheck.Results>((await stdout).Trim())!;

            foreach (var r in new[] { mine, theirs })
            {
                Assert.Equal([1f + 2f, 10f + 20f, 0f - 1f], r.Sum);
                Assert.Equal([1.5f, 15f, -0.5f], r.AvgA);
                Assert.Equal([1f, 4f], r.AvgB);
                Assert.Equal([2f, 20f, 0f], r.Max);
                Assert.Equal([100f, 100f], r.Broadcast);
            }
        }
        finally
        {
            if (!peer.HasExited) peer.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public void A_group_of_one_reduces_to_itself()
    {
        using var group = ProcessGroup.Create(new ProcessGroupOptions(0, 1, "127.0.0.1", LoopbackPorts.Free()));
        using var t = Torch.From([1f, 2f], 2);
        group.AllReduce(t, ReduceOp.Avg);
        group.Barrier();
        Assert.Equal([1f, 2f], t.ToArray<float>());
    }

    [Fact]
    public void A_rank_outside_the_group_is_refused()
    {
        var error = Assert.Throws<TorchException>(() => ProcessGroup.Create(new ProcessGroupOptions(2, 2, "127.0.0.1", LoopbackPorts.Free())));
        Assert.Contains("rank 2", error.Message);
    }

    static Process StartPeer(int rank, int worldSize, int port)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "stlm.dll"));
        foreach (var a in new[] { "debug", "allreduce-peer", "--rank", $"{rank}", "--world-size", $"{worldSize}",
                     "--master-port", $"{port}", "--timeout-seconds", "60" })
            start.ArgumentList.Add(a);
        return Process.Start(start)!;
    }

}
