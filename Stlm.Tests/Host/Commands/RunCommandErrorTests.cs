using static Stlm.Tests.Host.Commands.RunCommandRig;

namespace Stlm.Tests.Host.Commands;

/// <summary>Bad input to the run commands: one line, a non-zero exit, and nothing stored.</summary>
public sealed class RunCommandErrorTests : IDisposable
{
    readonly RunCommandRig _rig = new();

    public void Dispose() => _rig.Dispose();

    [Fact]
    public void Bad_hocon_unknown_keys_and_missing_data_are_one_line_each_and_journal_no_run()
    {
        var bad = Path.Combine(_rig.Path, "bad.conf");
        File.WriteAllText(bad, "training {\n  max-steps = 5\n  batch-size = [\n}\n");

        Assert.Contains("bad.conf:", OneErrorLine(_rig.Stlm(["train", "--config", bad, .. Tiny])));
        Assert.Contains("max-stepz", OneErrorLine(_rig.Train("r-1", 5, "--set", "training.max-stepz=5")));
        Assert.Contains("/no/such/stories.txt", OneErrorLine(_rig.Train("r-2", 5, "--set", "data.path=/no/such/stories.txt")));
        Assert.Contains("run id 'bad id!'", OneErrorLine(_rig.Train("bad id!", 5)));

        var runs = _rig.Stlm("runs");
        Assert.True(runs.StdOut.Trim().Length == 0, runs.StdOut);
    }

    [Fact]
    public void Resume_and_fork_of_unknown_runs_and_resume_with_run_settings_are_refused_in_one_line()
    {
        Ok(_rig.Train("r-1", 3));

        Assert.Contains("no run r-404 in the journal", OneErrorLine(_rig.Stlm("resume", "r-404")));
        Assert.Contains("no run r-404 in the journal", OneErrorLine(_rig.Stlm("fork", "r-404", "--set", "training.max-steps=9")));
        Assert.Equal("stlm: run r-1 completed at step 3: there is nothing to resume; to train further, fork it: stlm fork r-1 --set training.max-steps=…",
            OneErrorLine(_rig.Stlm("resume", "r-1")));
        Assert.StartsWith("stlm: --set model.n-layers=4: r-1 resumes with its journaled configuration",
            OneErrorLine(_rig.Stlm("resume", "r-1", "--set", "model.n-layers=4")));
        Assert.Contains("after @ comes the step", OneErrorLine(_rig.Stlm("fork", "r-1@last")));
    }
}
