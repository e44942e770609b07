using Stlm.Model.Checkpoints;
using Stlm.Tests.Support;

namespace Stlm.Tests.EndToEnd;

/// <summary>STLM_FAULT stops a real process at its point, where a SIGKILL leaves what a crash there would.</summary>
public class FaultPointProcessTests
{
    [Theory]
    [InlineData("checkpoint:optimizer.safetensors")]
    [InlineData("checkpoint:rename")]
    public void A_process_killed_in_a_checkpoint_write_leaves_no_checkpoint_and_a_stale_temp_folder(string point)
    {
        using var dir = new TempDirectory();
        using var child = StlmChild.Start(dir.Path, new Dictionary<string, string> { ["STLM_FAULT"] = point },
            "bench", "checkpoint", "--params", "4096", "--rounds", "1", "--dir", dir.Path);

        var marker = child.WaitForFault();
        Assert.True(marker is not null, $"no fault marker; exit {(child.HasExited ? "yes" : "no")}: {child.StdErr}");
        Assert.Contains(point, marker);
        child.Kill();

        Assert.Empty(CheckpointFolders.List(dir.Path));
        var temp = Assert.Single(Directory.GetDirectories(dir.Path, CheckpointNames.TempPrefix + "*"));
        Assert.Equal([Path.GetFileName(temp)], CheckpointFolders.CleanStale(dir.Path).Select(Path.GetFileName));
        Assert.Empty(Directory.GetDirectories(dir.Path, CheckpointNames.TempPrefix + "*"));
    }

    [Fact]
    public void An_unknown_fault_point_is_said_and_ignored()
    {
        using var dir = new TempDirectory();
        using var child = StlmChild.Start(dir.Path, new Dictionary<string, string> { ["STLM_FAULT"] = "checkpoint:nowhere" },
            "bench", "checkpoint", "--params", "4096", "--rounds", "1", "--dir", dir.Path);

        Assert.Equal(0, child.WaitForExit());
        Assert.Contains("stlm-fault: STLM_FAULT=checkpoint:nowhere ignored: unknown fault point", child.StdErr);
        Assert.Single(CheckpointFolders.List(dir.Path));
    }
}
