using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using Stlm.Model.Checkpoints;

namespace Stlm.Tests.EndToEnd;

/// <summary>
/// A data folder holding real runs, made once per class: "base", SIGKILLed after its checkpoints
/// of steps 2 and 4 (so it reads as interrupted), and "done", trained to its end (step 4). Each
/// case of <see cref="BadInputSuiteTests"/> gets its own copy.
/// </summary>
public sealed class RealRuns : IDisposable
{
    readonly DataFolder _data = Make();

    static DataFolder Make()
    {
        var data = StoredRun.Make(new DataFolder());
        using var child = StlmChild.Start(data.Path, data.Environment, TinyRun.Train("done", 4));
        if (child.WaitForExit(TimeSpan.FromMinutes(2)) != 0) throw new InvalidOperationException("training run done failed: " + child.StdErr);
        return data;
    }

    internal DataFolder Copy(string? path = null) => _data.CopyTo(new DataFolder(path));

    public void Dispose() => _data.Dispose();
}

/// <summary>
/// Bad input to every command, as child processes against a copy of <see cref="RealRuns"/>: each
/// case prints one line on stderr (what, where, how to fix), exits non-zero with no stack trace,
/// and leaves the journal's events and every checkpoint file byte for byte as they were. The cases
/// that need a mount (a full disk, a read-only folder) make one, and are skipped with the reason
/// where this process may not mount.
/// </summary>
public class BadInputSuiteTests(RealRuns runs) : IClassFixture<RealRuns>
{
    static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    /// <summary>A case: what to damage in the copy first, the command, a fragment of the line it must print.</summary>
    internal sealed record Case(Func<DataFolder, string[]> Args, string Expected, Action<DataFolder>? Damage = null);

    static string File(DataFolder d, string name, string text)
    {
        var path = Path.Combine(d.Path, name);
        System.IO.File.WriteAllText(path, text);
        return path;
    }

    static string Checkpoint(DataFolder d, string run, long step, string file = "") =>
        Path.Combine(d.Checkpoints, run, CheckpointNames.Folder(step), file);

    static string[] Train(string run, params string[] sets) => TinyRun.Train(run, 4, sets);

    static readonly Dictionary<string, Case> Cases = new()
    {
        // Configuration of a new run: unknown keys at any depth, bad values, bad files.
        ["misspelled section"] = new(_ => Train("new", "trainig.max-steps=5"), "unknown key `trainig` at --set trainig.max-steps=5:1:1; did you mean `training`?"),
        ["unknown key anywhere"] = new(_ => Train("new", "nosuch.key.anywhere=1"), "unknown key `nosuch`"),
        ["journal.path"] = new(_ => Train("new", "journal.path=\"/somewhere/journal.db\""), "did you mean `journal.sqlite.path`?"),
        ["misspelled key"] = new(_ => Train("new", "training.max-step=5"), "did you mean `training.max-steps`?"),
        ["misspelled nested key"] = new(_ => Train("new", "model.byte-pooling.byte-dimm=3"), "did you mean `model.byte-pooling.byte-dim`?"),
        ["unknown key in a config file"] = new(d => ["train", "--config", File(d, "my.conf", "training {\n  optimiser { lr = 1e-3 }\n}\n"), .. TinyRun.Sets(4)],
            "my.conf:2:3; did you mean `training.optimizer`?"),
        ["bad hocon in a config file"] = new(d => ["train", "--config", File(d, "bad.conf", "training {\n  max-steps = 5\n  batch-size = = 4\n}\n"), .. TinyRun.Sets(4)],
            "bad.conf:3:"),
        ["missing config file"] = new(d => ["train", "--config", Path.Combine(d.Path, "none.conf")], "none.conf"),
        ["unquoted colon"] = new(_ => Train("new", "torch.device=cuda:0"), "quote the value: --set 'torch.device=\"cuda:0\"'"),
        ["set without a value"] = new(_ => Train("new", "training.max-steps"), "expected key=value"),
        ["wrong type"] = new(_ => Train("new", "training.max-steps=many"), "`training.max-steps` must be"),
        ["unknown preset"] = new(_ => Train("new", "training.preset=\"nope\""), "no such preset"),
        ["missing corpus"] = new(d => Train("new", $"data.path=\"{d.Path}/no-such-corpus.txt\""), "no-such-corpus.txt"),
        ["unknown eval task"] = new(_ => Train("new", "eval.tasks=[{name=trivia, data=\"x.jsonl\"}]"), "is not a task"),
        ["missing eval task file"] = new(_ => Train("new", "eval.tasks=[{name=hellaswag, data=\"no-such.jsonl\"}]"), "no-such.jsonl"),
        ["unknown key in an eval task"] = new(_ => Train("new", "eval.tasks=[{name=hellaswag, data=\"x.jsonl\", limt=3}]"), "unknown key `limt`"),
        ["data-parallel ranks not matching the world size"] = new(_ => [.. Train("new", "training.data-parallel.world-size=2"), "--nproc", "3"],
            "--nproc 3 does not match training.data-parallel.world-size = 2"),
        ["data-parallel without a rank"] = new(_ => [.. Train("new"), "--nproc", "0"], "--nproc 0 starts no rank"),
        ["resume on another number of ranks"] = new(_ => ["resume", "base", "--nproc", "2"],
            "a resume keeps the world size (resume with --nproc 1, or leave --nproc out); to train on 2, fork it: stlm fork base --set training.data-parallel.world-size=2"),
        ["existing run id"] = new(_ => Train("base"), "run base already exists"),
        ["bad run id"] = new(_ => Train("bad id!"), "run id 'bad id!'"),

        // Forks: checked before anything is journaled.
        ["fork changing the width"] = new(_ => ["fork", "base", "--set", "model.d-model=64"], "cannot fork base with model.d-model = 64 (the parent has 32)"),
        ["fork changing the tokenizer"] = new(_ => ["fork", "base", "--set", "tokenizer.kind=corpus-bpe"], "cannot fork base with tokenizer.kind"),
        ["fork changing the dtype"] = new(_ => ["fork", "base", "--set", "torch.dtype=bfloat16", "--no-train"], "cannot fork base with torch.dtype"),
        ["fork at a step without a checkpoint"] = new(_ => ["fork", "base@3"], "base"),
        ["fork of an unknown run"] = new(_ => ["fork", "r-404"], "no run r-404"),
        ["fork at a bad step"] = new(_ => ["fork", "base@last"], "after @ comes the step"),
        ["fork with an unknown key"] = new(_ => ["fork", "base", "--set", "trainig.max-steps=9"], "did you mean `training`?"),
        ["fork with a config file"] = new(d => ["fork", "base", "--config", File(d, "f.conf", "training.max-steps = 9\n")], "a fork takes its changes as --set"),
        ["fork onto an existing id"] = new(_ => ["fork", "base", "--run-id", "done", "--no-train"], "done already exists"),

        // Resume: only where things are may change.
        ["resume changing the width"] = new(_ => ["resume", "base", "--set", "model.d-model=64"], "stlm fork base"),
        ["resume with an unknown key"] = new(_ => ["resume", "base", "--set", "journal.path=\"/x.db\""], "did you mean `journal.sqlite.path`?"),
        ["resume of an unknown run"] = new(_ => ["resume", "r-404"], "no run r-404"),
        ["resume of a completed run"] = new(_ => ["resume", "done"], "run done completed at step 4"),
        ["resume with a run setting in a file"] = new(d => ["resume", "base", "--config", File(d, "r.conf", "training.max-steps = 9\n")], "may only hold"),

        // Reading commands.
        ["eval of an unknown task"] = new(d => ["eval", "done", "--task", "trivia", "--data", File(d, "t.jsonl", "{}\n")], "trivia"),
        ["eval of a file in neither hellaswag form"] = new(d => ["eval", "done", "--task", "hellaswag", "--data", File(d, "h.txt", "a context\nnot a label\na\nb\nc\nd\n")],
            "h.txt:2: expected the gold ending's index (0-3)"),
        ["eval of a missing file"] = new(d => ["eval", "done", "--task", "hellaswag", "--data", Path.Combine(d.Path, "none.jsonl")], "none.jsonl"),
        ["eval with an unknown key"] = new(d => ["eval", "done", "--text", File(d, "t.txt", "hello"), "--set", "evl.batches=1"], "did you mean `eval`?"),
        ["show of an unknown run"] = new(_ => ["show", "r-404"], "no run r-404"),
        ["show into a bad image"] = new(d => ["show", "done", "--out", Path.Combine(d.Path, "x.gif")], "must end in .png or .svg"),
        ["runs with an unknown key"] = new(_ => ["runs", "--set", "stlm.data-dri=x"], "did you mean `stlm.data-dir`?"),
        ["pause of a completed run"] = new(_ => ["pause", "done"], "done"),
        ["set of a bad value"] = new(_ => ["set", "base", "lr=fast"], "lr"),
        ["set of an unknown schedule"] = new(_ => ["set", "base", "momentum=0.5"], "momentum"),
        ["replay of an unknown run"] = new(_ => ["replay", "r-404", "--verify"], "no run r-404"),
        ["export in an unknown format"] = new(d => ["export", "done", "--format", "onnx", "--out", Path.Combine(d.Path, "x")], "onnx"),
        ["sample from an unknown run"] = new(_ => ["sample", "r-404", "Once"], "r-404"),

        // Damaged storage.
        ["corrupt checkpoint"] = new(_ => TinyRun.Resume("base"), "checkpoint step-000000004: model.safetensors is corrupt", d =>
        {
            var path = Checkpoint(d, "base", 4, CheckpointNames.Model);
            var bytes = System.IO.File.ReadAllBytes(path);
            bytes[^5] ^= 0x10;
            System.IO.File.WriteAllBytes(path, bytes);
        }),
        ["truncated checkpoint"] = new(_ => TinyRun.Resume("base"), "checkpoint step-000000004: optimizer.safetensors is truncated", d =>
        {
            using var file = new FileStream(Checkpoint(d, "base", 4, CheckpointNames.Optimizer), FileMode.Open);
            file.SetLength(file.Length / 2);
        }),
        ["checkpoint deleted behind the journal's back"] = new(_ => TinyRun.Resume("base"), "step-000000004",
            d => Directory.Delete(Checkpoint(d, "base", 4), recursive: true)),
        ["checkpoint manifest deleted"] = new(_ => ["eval", "done@4", "--text", "/etc/hostname"], "step-000000004",
            d => System.IO.File.Delete(Checkpoint(d, "done", 4, "checkpoint.json"))),
        ["journal that is not a database"] = new(_ => ["runs"], "journal", d =>
        {
            foreach (var f in Directory.GetFiles(d.Path, "journal.db*")) System.IO.File.Delete(f);
            System.IO.File.WriteAllText(d.Journal, "these are my notes, not a database\n");
        }),
    };

    public static TheoryData<string> Names() => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(Names))]
    public void Bad_input_is_one_line_a_failing_exit_and_leaves_runs_and_checkpoints_as_they_were(string name)
    {
        var c = Cases[name];
        using var data = runs.Copy();
        c.Damage?.Invoke(data);

        var said = Refused(data, data.Environment, c.Args(data));

        Assert.Contains(c.Expected, said);
    }

    [Fact]
    public void There_are_at_least_forty_cases() =>
        Assert.True(Cases.Count + 3 >= 40, $"{Cases.Count} cases here and 3 below (locked journal, full disk, read-only folder)");

    [Fact]
    public async Task A_fork_journaled_with_another_shape_fails_at_its_start_with_the_reason()
    {
        using var data = runs.Copy();
        // What an older Stlm journaled for `stlm fork base --set model.d-model=64 --no-train` (now refused before journaling).
        await using (var store = Stlm.Actors.Persistence.JournalStore.Open(new Stlm.Actors.Persistence.Sql.JournalLocation("sqlite", data.Journal)))
        {
            var parent = data.JournaledRun("base");
            var config = Stlm.Actors.Configuration.ConfigLoader.ParseSet("model.d-model=64")
                .WithFallback(Stlm.Actors.Configuration.Config.ParseString(parent.Created!.ConfigHocon)).Resolve();
            await Stlm.Actors.Training.Control.IdleRunControl.ApplyAsync(store, "wide",
                [Stlm.Actors.Training.Session.RunCreation.Command("wide", config, new Stlm.Actors.Training.Run.ForkFrom(parent, 4, ["model.d-model=64"])),
                 new Stlm.Actors.Training.Run.PauseRun("forked with --no-train")], 1000);
        }

        using var resume = StlmChild.Start(data.Path, data.Environment, TinyRun.Resume("wide"));
        Assert.NotEqual(0, resume.WaitForExit(Timeout));
        var said = Assert.Single(resume.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("stlm: run wide cannot start: it was forked from base@4 with model.d-model = 64 (the checkpoint has 32)", said);

        var wide = data.JournaledRun("wide");
        Assert.Equal(Stlm.Actors.Training.Run.RunStatus.Failed, wide.Status);
        Assert.Contains("model.d-model = 64", wide.StatusReason);
    }

    [Sqlite3Fact]
    public void A_journal_locked_by_another_process_is_one_line()
    {
        using var data = runs.Copy();
        // A sqlite3 shell holds the journal in exclusive locking mode: no other connection may read or write it.
        using var holder = Process.Start(new ProcessStartInfo("sqlite3", [data.Journal]) { RedirectStandardInput = true, RedirectStandardOutput = true })!;
        holder.StandardInput.WriteLine("PRAGMA locking_mode=EXCLUSIVE;");
        holder.StandardInput.WriteLine("BEGIN EXCLUSIVE;");
        holder.StandardInput.WriteLine("SELECT 'held', count(*) FROM sqlite_master;");
        holder.StandardInput.Flush();
        Assert.StartsWith("exclusive", holder.StandardOutput.ReadLine());
        Assert.StartsWith("held", holder.StandardOutput.ReadLine());
        try
        {
            var said = Refused(data, data.Environment, ["fork", "base", "--no-train", "--run-id", "f-1"], compareEvents: false);

            Assert.Contains("is locked by another process", said);
        }
        finally
        {
            holder.StandardInput.Close();
            holder.WaitForExit();
        }
    }

    [MountFact]
    public void A_full_disk_is_one_line()
    {
        using var mount = Mount.Tmpfs("size=6m");
        using var data = runs.Copy(Path.Combine(mount.Path, "data"));
        var fill = Path.Combine(mount.Path, "fill");

        // The disk is filled once the fingerprint is taken, and emptied before it is taken again (reading SQLite writes its -shm file).
        var said = Refused(data, data.Environment, ["fork", "base", "--run-id", "f-1"], during: (() => Fill(fill), () => System.IO.File.Delete(fill)));

        Assert.Contains("is full", said);
    }

    [MountFact]
    public void A_read_only_data_folder_is_one_line()
    {
        using var data = runs.Copy();
        using var mount = Mount.ReadOnlyBind(data.Path);
        var env = new Dictionary<string, string> { ["STLM_DATA_DIR"] = mount.Path };

        var said = Refused(data, env, ["fork", "base", "--run-id", "f-1", "--no-train"]);

        Assert.Contains("is read-only", said);
    }

    static void Fill(string path)
    {
        using var fill = new FileStream(path, FileMode.Create);
        var block = new byte[1 << 16];
        try
        {
            while (true) fill.Write(block);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Runs the command; checks one stderr line, a failing exit, no stack trace, nothing stored changed. Returns the line.</summary>
    static string Refused(DataFolder data, IReadOnlyDictionary<string, string> env, string[] args, bool compareEvents = true,
        (Action Before, Action After)? during = null)
    {
        var before = Fingerprint(data, compareEvents);
        during?.Before();
        using var child = StlmChild.Start(data.Path, env, args);
        var exit = child.WaitForExit(Timeout);
        during?.After();

        Assert.True(exit != 0, $"stlm {child.Args} exited 0; stdout: {child.StdOut}");
        var lines = child.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"stlm {child.Args} printed {lines.Length} lines on stderr:\n{child.StdErr}");
        Assert.StartsWith("stlm: ", lines[0]);
        Assert.DoesNotContain("   at ", child.StdErr);
        var after = Fingerprint(data, compareEvents);
        var changed = before.Except(after).Select(l => "- " + l).Concat(after.Except(before).Select(l => "+ " + l)).ToList();
        Assert.True(changed.Count == 0, $"stored runs changed:\n{string.Join("\n", changed)}\nstderr: {child.StdErr}");
        return lines[0];
    }

    /// <summary>Every journaled event (when the journal can be read) and every checkpoint file's SHA-256; a journal that is not a database by its bytes.</summary>
    static IReadOnlyList<string> Fingerprint(DataFolder data, bool events)
    {
        var lines = new List<string>();
        if (events && IsDatabase(data.Journal)) lines.AddRange(data.Inventory());
        else
        {
            if (System.IO.File.Exists(data.Journal)) lines.Add($"journal.db {Convert.ToHexStringLower(SHA256.HashData(System.IO.File.ReadAllBytes(data.Journal)))}");
            if (Directory.Exists(data.Checkpoints))
                foreach (var file in Directory.GetFiles(data.Checkpoints, "*", SearchOption.AllDirectories).Where(f => !f.Contains(CheckpointNames.TempPrefix)))
                    lines.Add($"{Path.GetRelativePath(data.Checkpoints, file)} {Convert.ToHexStringLower(SHA256.HashData(System.IO.File.ReadAllBytes(file)))}");
        }
        return [.. lines.Order(StringComparer.Ordinal)];
    }

    static bool IsDatabase(string path)
    {
        if (!System.IO.File.Exists(path)) return false;
        var header = new byte[16];
        using var file = System.IO.File.OpenRead(path);
        return file.Read(header) == 16 && System.Text.Encoding.ASCII.GetString(header) == "SQLite format 3\0";
    }
}

/// <summary>A [Fact] that is skipped, with the reason, where the sqlite3 shell (Debian's sqlite3 package) is not installed.</summary>
public sealed class Sqlite3FactAttribute : FactAttribute
{
    public Sqlite3FactAttribute()
    {
        var found = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(dir => dir.Length > 0 && System.IO.File.Exists(Path.Combine(dir, "sqlite3")));
        if (!found) Skip = "needs the sqlite3 shell on PATH (apt-get install sqlite3) to lock the journal from another process";
    }
}

/// <summary>A [Fact] that is skipped, with the reason, where this process cannot mount a tmpfs (not root, no CAP_SYS_ADMIN, a container without it).</summary>
public sealed class MountFactAttribute : FactAttribute
{
    public MountFactAttribute()
    {
        if (Mount.Unavailable.Value is { } why) Skip = $"needs mount(8) (a tmpfs, a read-only bind mount): {why}";
    }
}

/// <summary>A mount made by a test (tmpfs or read-only bind), unmounted and removed on Dispose.</summary>
sealed class Mount : IDisposable
{
    public string Path { get; }

    Mount(string path) => Path = path;

    static string NewDir()
    {
        var dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "stlm-mount-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>Null where mounting works here, else why not.</summary>
    public static readonly Lazy<string?> Unavailable = new(() =>
    {
        try
        {
            using var probe = Tmpfs("size=1m");
            return null;
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return e.Message;
        }
    });

    public static Mount Tmpfs(string options)
    {
        var dir = NewDir();
        Run("mount", "-t", "tmpfs", "-o", options, "tmpfs", dir);
        return new Mount(dir);
    }

    /// <summary><paramref name="source"/> seen read-only at a new path (root ignores file modes, not a read-only mount).</summary>
    public static Mount ReadOnlyBind(string source)
    {
        var dir = NewDir();
        Run("mount", "--bind", source, dir);
        try
        {
            Run("mount", "-o", "remount,ro,bind", dir);
        }
        catch
        {
            Run("umount", dir);
            throw;
        }
        return new Mount(dir);
    }

    static void Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var err = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)}: {err.Trim()}");
    }

    public void Dispose()
    {
        Run("umount", "-l", Path);
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}
