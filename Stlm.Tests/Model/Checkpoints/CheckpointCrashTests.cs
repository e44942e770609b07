using Stlm.Model.Checkpoints;
using Stlm.Tests.Support;

namespace Stlm.Tests.Model.Checkpoints;

public class CheckpointCrashTests : IDisposable
{
    readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    sealed class InjectedFault(string stage) : Exception($"injected fault at {stage}");

    [Theory]
    [InlineData("model.safetensors")]
    [InlineData("optimizer.safetensors")]
    [InlineData("rng.safetensors")]
    [InlineData("checkpoint.json")]
    [InlineData("rename")]
    public void A_write_failing_midway_commits_nothing_and_leaves_earlier_checkpoints_untouched(string stage)
    {
        using var trainer = new TinyTrainer(seed: 2);
        trainer.Train(1);
        CommittedCheckpoint earlier;
        using (var snapshot = trainer.Capture()) earlier = snapshot.Write(dir.Path);
        var earlierBytes = Directory.GetFiles(earlier.Path).ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);

        trainer.Train(1);
        using (var snapshot = trainer.Capture())
        {
            var options = new CheckpointWriteOptions(Fault: (at, _) => { if (at == stage) throw new InjectedFault(at); });
            Assert.Throws<InjectedFault>(() => snapshot.Write(dir.Path, options));
        }

        Assert.Equal([1L], CheckpointFolders.List(dir.Path).Select(l => l.Step));
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "step-000000002")));
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path, ".tmp-*"));
        Assert.Equal(earlier.ContentHash, Checkpoint.Open(earlier.Path).ContentHash);
        foreach (var (name, bytes) in earlierBytes) Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(earlier.Path, name)));
    }

    [Fact]
    public void What_a_crashed_writer_leaves_is_cleaned_up_but_a_write_in_progress_is_not()
    {
        using var trainer = new TinyTrainer(seed: 2);
        trainer.Train(1);
        // A killed process leaves its temp folder and an unlocked lock file; copy them at the last stage.
        string? crashed = null;
        using (var snapshot = trainer.Capture())
        {
            var options = new CheckpointWriteOptions(Fault: (at, temp) =>
            {
                if (at != "rename") return;
                crashed = temp + "-crashed";
                CopyFolder(temp, crashed);
                File.WriteAllText(crashed + ".lock", "");
                throw new InjectedFault(at);
            });
            Assert.Throws<InjectedFault>(() => snapshot.Write(dir.Path, options));
        }
        var live = Path.Combine(dir.Path, ".tmp-step-000000005-live");
        Directory.CreateDirectory(live);
        using var liveLock = new FileStream(live + ".lock", FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None);
        var unlockedRecent = Path.Combine(dir.Path, ".tmp-step-000000006-starting");
        Directory.CreateDirectory(unlockedRecent);
        var notOurs = Path.Combine(dir.Path, "notes");
        Directory.CreateDirectory(notOurs);

        var removed = CheckpointFolders.CleanStale(dir.Path);

        Assert.Equal([Path.GetFileName(crashed!)], removed);
        Assert.False(Directory.Exists(crashed));
        Assert.False(File.Exists(crashed + ".lock"));
        Assert.True(Directory.Exists(live) && Directory.Exists(unlockedRecent) && Directory.Exists(notOurs));
        Assert.Empty(CheckpointFolders.List(dir.Path));

        var later = new FixedClock(DateTimeOffset.UtcNow + TimeSpan.FromHours(1));
        Assert.Equal([Path.GetFileName(unlockedRecent)], CheckpointFolders.CleanStale(dir.Path, later));
        Assert.True(Directory.Exists(live));
    }

    [Fact]
    public void A_tokenizer_copy_left_half_written_by_a_crash_is_removed_once_it_is_old()
    {
        var temp = Path.Combine(dir.Path, CheckpointTokenizer.TempPrefix + "0123456789abcdef-crashed");
        Directory.CreateDirectory(temp);
        File.WriteAllText(Path.Combine(temp, "vocab.json"), "{");

        Assert.Empty(CheckpointFolders.CleanStale(dir.Path));
        var later = new FixedClock(DateTimeOffset.UtcNow + TimeSpan.FromHours(1));
        Assert.Equal([Path.GetFileName(temp)], CheckpointFolders.CleanStale(dir.Path, later));
        Assert.False(Directory.Exists(temp));
    }

    [Fact]
    public void Deleting_refuses_folders_without_a_manifest()
    {
        Directory.CreateDirectory(Path.Combine(dir.Path, "step-000000009"));
        var e = Assert.Throws<Stlm.Model.StlmException>(() => CheckpointFolders.Delete(dir.Path, 9));
        Assert.Contains("not a checkpoint this program wrote", e.Message);
        Assert.True(Directory.Exists(Path.Combine(dir.Path, "step-000000009")));
    }

    [Fact]
    public void Deleting_a_committed_checkpoint_removes_it_whole()
    {
        using var trainer = new TinyTrainer(seed: 2);
        trainer.Train(3);
        using (var snapshot = trainer.Capture()) snapshot.Write(dir.Path);
        CheckpointFolders.Delete(dir.Path, 3);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from)) File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
    }
}
