using System.Diagnostics;
using Stlm.Actors.Training.Leases;

namespace Stlm.Tests.Actors.Training.Leases;

public class LocalProcessesTests
{
    static LeaseOwner Here(long pid) => new(Environment.MachineName, pid, "x");

    [Fact]
    public void A_process_that_ended_on_this_node_is_gone()
    {
        using var ended = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        ended.WaitForExit();

        Assert.True(LocalProcesses.IsGone(Here(ended.Id)));
    }

    [Fact]
    public void A_running_process_this_process_and_any_process_of_another_node_are_not_gone()
    {
        using var running = Process.Start(new ProcessStartInfo("sleep", "30") { UseShellExecute = false })!;
        try
        {
            Assert.False(LocalProcesses.IsGone(Here(running.Id)));
            Assert.False(LocalProcesses.IsGone(Here(Environment.ProcessId)));
            Assert.False(LocalProcesses.IsGone(new LeaseOwner("elsewhere-" + Environment.MachineName, int.MaxValue - 1, "x")));
        }
        finally
        {
            running.Kill();
            running.WaitForExit();
        }
    }
}
