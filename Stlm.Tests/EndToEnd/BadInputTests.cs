using Stlm.Model.Checkpoints;

namespace Stlm.Tests.EndToEnd;

/// <summary>
/// A data folder holding run "base" whose process died after its checkpoints of steps 2 and 4,
/// made once per class; a test that only starts new runs uses a copy. The journal names
/// checkpoints by absolute path, so a test that damages a checkpoint makes its own (<see cref="Make"/>).
/// </summary>
public sealed class StoredRun : IDisposable
{
    readonly DataFolder _data = Make(new DataFolder());

    internal static DataFolder Make(DataFolder data)
    {
        using var child = StlmChild.Start(data.Path, data.WithFault("checkpoint:rename@3"), TinyRun.Train("base", 12));
        if (child.WaitForFault(TimeSpan.FromMinutes(2)) is null) throw new InvalidOperationException("no fault marker: " + child.StdErr);
        child.Kill();
        data.ExpectLeaseLeftBy("base", child);
        return data;
    }

    internal DataFolder Copy() => _data.CopyTo(new DataFolder());

    public void Dispose() => _data.Dispose();
}

/// <summary>
/// Bad input to `stlm train` and `stlm resume` beside a stored run: one line saying what is
/// wrong, where and how to fix it, a non-zero exit, no stack trace — and the journal and the
/// checkpoints exactly as they were.
/// </summary>
public class BadInputTests(StoredRun stored) : IClassFixture<StoredRun>
{
    static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    static string Refused(DataFolder data, params string[] args)
    {
        var before = data.Inventory();
        using var child = StlmChild.Start(data.Path, data.Environment, args);
        var exit = child.WaitForExit(Timeout);

        Assert.NotEqual(0, exit);
        var said = Assert.Single(TinyRun.Said(child.StdErr));
        Assert.DoesNotContain("   at ", child.StdErr);
        var after = data.Inventory();
        var changed = before.Except(after).Select(l => "- " + l).Concat(after.Except(before).Select(l => "+ " + l)).ToList();
        Assert.True(changed.Count == 0, $"the journal or the checkpoints changed:\n{string.Join("\n", changed)}\nstderr: {child.StdErr}");
        return said;
    }

    [Fact]
    public void Bad_hocon_names_its_file_line_and_column()
    {
        using var data = stored.Copy();
        var file = Path.Combine(data.Path, "bad.conf");
        File.WriteAllText(file, "training {\n  max-steps = 5\n  batch-size = = 4\n}\n");

        var said = Refused(data, ["train", "--config", file, .. TinyRun.Sets(12)]);

        Assert.Contains($"{file}:3:", said);
    }

    [Fact]
    public void An_unknown_key_is_named_with_a_suggestion()
    {
        using var data = stored.Copy();

        var said = Refused(data, TinyRun.Train("other", 12, "training.max-stepz=5"));

        Assert.Contains("max-stepz", said);
        Assert.Contains("max-steps", said);
    }

    [Fact]
    public void A_missing_data_file_is_named()
    {
        using var data = stored.Copy();
        var missing = Path.Combine(data.Path, "no-such-corpus.txt");

        var said = Refused(data, TinyRun.Train("other", 12, $"data.path=\"{missing}\""));

        Assert.Contains("data.path", said);
        Assert.Contains(missing, said);
    }

    [Fact]
    public void A_resume_that_changes_the_architecture_is_refused()
    {
        using var data = stored.Copy();

        var said = Refused(data, "resume", "base", "--set", "model.d-model=64");

        Assert.Contains("model.d-model=64", said);
        Assert.Contains("stlm fork base", said);
    }

    [Fact]
    public void A_corrupt_checkpoint_on_resume_is_named_and_nothing_stored_changes()
    {
        using var data = StoredRun.Make(new DataFolder());
        var newest = Path.Combine(data.Checkpoints, "base", CheckpointNames.Folder(4), CheckpointNames.Model);
        var bytes = File.ReadAllBytes(newest);
        bytes[^5] ^= 0x10;
        File.WriteAllBytes(newest, bytes);

        var said = Refused(data, TinyRun.Resume("base"));

        Assert.Contains("checkpoint step-000000004: model.safetensors is corrupt", said);
    }

    [Fact]
    public void A_truncated_checkpoint_on_resume_is_named_and_nothing_stored_changes()
    {
        using var data = StoredRun.Make(new DataFolder());
        var newest = Path.Combine(data.Checkpoints, "base", CheckpointNames.Folder(4), CheckpointNames.Optimizer);
        using (var file = new FileStream(newest, FileMode.Open)) file.SetLength(file.Length / 2);

        var said = Refused(data, TinyRun.Resume("base"));

        Assert.Contains("checkpoint step-000000004: optimizer.safetensors is truncated", said);
    }
}
