using Stlm.Actors.Training.Run;
using static Stlm.Tests.Host.Commands.RunCommandRig;

namespace Stlm.Tests.Host.Commands;

public sealed class ForkCommandTests : IDisposable
{
    readonly RunCommandRig _rig = new();

    public void Dispose() => _rig.Dispose();

    [Fact]
    public async Task Forks_train_from_the_parents_checkpoint_and_runs_tree_shows_them_under_it()
    {
        var trained = Ok(_rig.Train("r-base", 6));
        Assert.StartsWith("run r-base trained 6 of 6 steps in ", trained[0]);
        Assert.StartsWith("sample: Once upon a time", trained[1]);
        Assert.Contains("\"id\": \"r-base\"", _rig.Stlm("runs", "--json").StdOut);

        var kid = Ok(_rig.Stlm("fork", "r-base@6", "--set", "training.max-steps=9", "--run-id", "r-kid"));
        var idle = Ok(_rig.Stlm("fork", "r-base", "--set", "training.max-steps=10", "--run-id", "r-later", "--no-train"));
        var set = Ok(_rig.Stlm("set", "r-later", "lr=1e-4", "--from-step", "9"));
        var later = Ok(_rig.Stlm("resume", "r-later"));
        var tree = Ok(_rig.Stlm("runs", "--tree"));

        Assert.StartsWith("run r-kid trained steps 7..9 of 9 in ", kid[0]);
        Assert.Equal(["r-later forked from r-base@6 (paused, not trained); train it with: stlm resume r-later"], idle);
        Assert.Equal(["r-later: lr=1e-4 from step 9 (journaled; the run is paused, resume with: stlm resume r-later)"], set);
        Assert.StartsWith("run r-later trained steps 7..10 of 10 in ", later[0]);
        Assert.Equal(3, tree.Length);
        Assert.StartsWith("r-base  completed  step 6", tree[0]);
        Assert.StartsWith("├─ r-kid @6  completed  step 9", tree[1]);
        Assert.StartsWith("└─ r-later @6  completed  step 10", tree[2]);

        var (parent, child) = (await _rig.LoadAsync("r-base"), await _rig.LoadAsync("r-later"));
        Assert.Equal((7L, 10L, "r-base"), (child.FirstStep, child.Step, child.Fork!.ParentRunId));
        Assert.Equal(parent.LatestCheckpoint()!.Hash, child.Fork.ParentCheckpointHash);
        var lrs = (await _rig.StepsAsync("r-later")).ToDictionary(s => s.Step, s => s.Lr);
        Assert.Equal((1e-4, 1e-4), (lrs[9], lrs[10]));
        Assert.NotEqual(1e-4, lrs[8]);
        Assert.Equal(RunStatus.Completed, (await _rig.LoadAsync("r-kid")).Status);
    }

    [Fact]
    public void Forking_a_step_with_no_committed_checkpoint_is_one_line_and_creates_nothing()
    {
        Ok(_rig.Train("r-root", 4));

        var line = OneErrorLine(_rig.Stlm("fork", "r-root@2", "--run-id", "r-no"));

        Assert.Equal("stlm: cannot fork r-root@2: no committed checkpoint at step 2; committed checkpoints are at steps 4", line);
        Assert.Single(Ok(_rig.Stlm("runs")).Skip(1));
    }
}
