using System.Text.Json;
using Akka.Actor;
using Stlm.Actors.Training.Leases;
using Stlm.Actors.Training.Run;
using Stlm.Actors.Training.Views;
using Stlm.Tests.Actors.Training.Run;
using Stlm.Tests.Support;
using static Stlm.Tests.Actors.Training.Run.RunTestJournal;

namespace Stlm.Tests.Actors.Training.Views;

/// <summary>Views rebuilt from events alone, and the commands that print them, on a journal written by RunActors.</summary>
public sealed class RunViewTests : IAsyncLifetime
{
    readonly RunTestJournal _journal = new();
    readonly Dictionary<string, RunState> _actorStates = [];

    // base: steps 1..6, checkpoints at 2 and 4, evals; variant forks base@2 (steps 3..5);
    // deeper forks variant@4 (steps 5..5); other forks base@4 and is paused. This process holds
    // variant's lease (a live trainer); deeper's holder is gone, so it shows as interrupted.
    public async Task InitializeAsync()
    {
        var system = _journal.StartSystem();
        IActorRef Spawn(string id) => system.ActorOf(RunActor.Props(id, snapshotEvery: 4), "run-" + id);
        var b = Spawn("base");
        await Ask(b, Create("base"));
        await Steps(b, 1, 2);
        await Ask(b, new CommitCheckpoint(2, "b2", "/ck/b2", 10));
        await Ask(b, new RecordEval(2, "validation", [new("bpb", 1.5)]));
        await Steps(b, 3, 4);
        await Ask(b, new CommitCheckpoint(4, "b4", "/ck/b4", 10));
        await Ask(b, new RecordEval(4, "validation", [new("bpb", 1.25)]));
        await Steps(b, 5, 6);
        _actorStates["base"] = await Ask(b, new CompleteRun());

        var v = Spawn("variant");
        await Ask(v, Create("variant", new ForkFrom(_actorStates["base"], 2, ["training.optimizer.lr=3e-4"])));
        await Steps(v, 3, 4);
        await Ask(v, new CommitCheckpoint(4, "v4", "/ck/v4", 10));
        await Ask(v, new RecordEval(4, "hellaswag", [new("acc", 0.25), new("acc_norm", 0.5), new("items", 4)]));
        _actorStates["variant"] = await Steps(v, 5, 5);

        var d = Spawn("deeper");
        await Ask(d, Create("deeper", new ForkFrom(_actorStates["variant"], 4, [])));
        _actorStates["deeper"] = await Steps(d, 5, 5);

        var o = Spawn("other");
        await Ask(o, Create("other", new ForkFrom(_actorStates["base"], null, [])));
        _actorStates["other"] = await Ask(o, new PauseRun("operator"));
        await StopAsync(system);

        await using var store = _journal.OpenStore();
        await new RunLeaseStore(store.Dialect).AcquireAsync("variant", LeaseOwner.ThisProcess(), TimeSpan.FromMinutes(10));
    }

    public async Task DisposeAsync() => await _journal.DisposeAsync();

    StlmProcess.Result Stlm(params string[] args) =>
        StlmProcess.Run(_journal.Folder, new Dictionary<string, string> { ["STLM_DATA_DIR"] = _journal.DataDir }, args);

    [Fact]
    public async Task Views_rebuilt_from_events_equal_the_actors_states()
    {
        var reader = new RunJournalReader(_journal.OpenStoreQuery());
        var all = await reader.LoadAllAsync();
        Assert.Equal(["base", "variant", "deeper", "other"], all.Select(r => r.RunId));
        foreach (var run in all)
            Assert.Equal(_actorStates[run.RunId], run);
    }

    [Fact]
    public async Task Lineage_puts_forks_under_their_parent_ordered_by_fork_step()
    {
        var runs = (await new RunJournalReader(_journal.OpenStoreQuery()).LoadAllAsync()).Select(RunSummary.From).ToList();
        var root = Assert.Single(RunLineage.Build(runs));
        Assert.Equal("base", root.Run.Id);
        Assert.Equal([("variant", 2L), ("other", 4L)], root.Children.Select(c => (c.Run.Id, c.Run.ForkStep!.Value)));
        Assert.Equal("deeper", Assert.Single(root.Children[0].Children).Run.Id);
        Assert.Equal(new BestEval("validation", "bpb", 1.25, 4), runs[0].BestEval);
    }

    [Fact]
    public async Task A_runs_series_join_its_ancestors_at_the_fork_steps()
    {
        var chain = await new RunJournalReader(_journal.OpenStoreQuery()).LoadWithAncestorsAsync("deeper");
        var lineage = RunMetrics.Lineage(chain);
        Assert.Equal([("base", 2L), ("variant", 4L), ("deeper", 5L)], lineage.Select(l => (l.RunId, l.UpTo)));
        Assert.Equal([1L, 2L], lineage[0].Loss.Select(p => p.Step));
        Assert.Equal([3L, 4L], lineage[1].Loss.Select(p => p.Step));
        Assert.Equal([new StepPoint(2, 1.5)], Assert.Single(lineage[0].Evals).Points);
        Assert.Equal([null, 2L, 4L], lineage.Select(l => l.ForkStep));
    }

    [Fact]
    public void Runs_json_lists_every_run_with_status_step_loss_and_parent()
    {
        var r = Stlm("runs", "--json");
        Assert.True(r.ExitCode == 0, r.StdErr);
        var runs = JsonDocument.Parse(r.StdOut).RootElement.EnumerateArray().ToList();
        Assert.Equal(["base", "variant", "deeper", "other"], runs.Select(x => x.GetProperty("id").GetString()));
        Assert.Equal(["completed", "running", "interrupted", "paused"], runs.Select(x => x.GetProperty("status").GetString()));
        Assert.EndsWith("resume with: stlm resume deeper", runs[2].GetProperty("statusReason").GetString());
        Assert.Equal(6, runs[0].GetProperty("step").GetInt64());
        Assert.Equal(6 * 1024, runs[0].GetProperty("tokens").GetInt64());
        Assert.Equal(Step(6).Loss, runs[0].GetProperty("lastLoss").GetDouble());
        Assert.Equal(("base", 2), (runs[1].GetProperty("parent").GetString(), runs[1].GetProperty("forkStep").GetInt32()));
    }

    [Fact]
    public void Runs_tree_shows_the_lineage_with_fork_steps()
    {
        var r = Stlm("runs", "--tree");
        Assert.True(r.ExitCode == 0, r.StdErr);
        var lines = r.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        Assert.StartsWith("base  completed  step 6", lines[0]);
        Assert.StartsWith("├─ variant @2  running  step 5", lines[1]);
        Assert.StartsWith("│  └─ deeper @4  interrupted  step 5", lines[2]);
        Assert.StartsWith("└─ other @4  paused  step 4", lines[3]);
    }

    /// <summary>The text of every text element of an SVG file (titles, legend entries, marker labels, ticks).</summary>
    static List<string> SvgTexts(string path) =>
        [.. System.Xml.Linq.XDocument.Load(path).Descendants((System.Xml.Linq.XNamespace)"http://www.w3.org/2000/svg" + "text").Select(t => t.Value.Trim())];

    [Fact]
    public void Show_prints_the_summary_and_writes_the_lineage_curves_as_svg()
    {
        var r = Stlm("show", "deeper", "--out", "deeper.svg");
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains("run deeper  interrupted", r.StdOut);
        Assert.Contains("lineage base -> @2 variant -> @4 deeper", r.StdOut);
        var texts = SvgTexts(Path.Combine(_journal.Folder, "deeper.svg"));
        foreach (var name in new[] { "base loss", "variant loss", "deeper loss", "base validation/bpb", "fork variant @2", "fork deeper @4" })
            Assert.Contains(name, texts);
        Assert.True(File.Exists(Path.Combine(_journal.Folder, "deeper.png")), "the png beside the svg");
    }

    [Fact]
    public void Show_with_log_loss_draws_the_loss_axis_on_a_log_scale()
    {
        var r = Stlm("show", "deeper", "--log-loss", "--out", "deeper-log.svg");
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains("loss / eval (log scale)", SvgTexts(Path.Combine(_journal.Folder, "deeper-log.svg")));
        Assert.Contains("deeper-log.png and ", r.StdOut);
    }

    [Fact]
    public void Show_json_and_png_carry_every_series()
    {
        var r = Stlm("show", "variant", "--json", "--out", "v.png");
        Assert.True(r.ExitCode == 0, r.StdErr);
        var lineage = JsonDocument.Parse(r.StdOut).RootElement.GetProperty("lineage").EnumerateArray().ToList();
        Assert.Equal(["base", "variant"], lineage.Select(l => l.GetProperty("runId").GetString()));
        Assert.Equal(3, lineage[1].GetProperty("loss").GetArrayLength());
        var png = File.ReadAllBytes(Path.Combine(_journal.Folder, "v.png"));
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
    }

    [Fact]
    public void Show_of_several_runs_draws_them_in_one_picture_each_run_once_and_whole()
    {
        var r = Stlm("show", "base", "deeper", "other", "--out", "compare.svg");
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains("run base ", r.StdOut);
        Assert.Contains("run deeper ", r.StdOut);
        Assert.Contains("run other ", r.StdOut);
        Assert.Single(r.StdOut.Split('\n'), l => l.Contains("curves written to"));
        var texts = SvgTexts(Path.Combine(_journal.Folder, "compare.svg"));
        Assert.Contains("run base, deeper, other", texts);
        // base is drawn whole once, not again cut at the steps deeper's and other's lineages fork from it.
        foreach (var name in new[] { "base loss", "base validation/bpb", "variant loss", "deeper loss" })
            Assert.Single(texts, t => t == name);
        Assert.Contains("fork other @4", texts);

        var json = JsonDocument.Parse(Stlm("show", "base", "other", "--json").StdOut).RootElement;
        Assert.Equal(["base", "other"], json.EnumerateArray().Select(e => e.GetProperty("summary").GetProperty("id").GetString()));
    }

    [Fact]
    public void Show_lists_the_newest_result_of_each_eval_task_and_draws_multiple_choice_accuracy_in_its_own_panel()
    {
        var r = Stlm("show", "variant", "--json", "--out", "v.svg");
        Assert.True(r.ExitCode == 0, r.StdErr);
        var latest = JsonDocument.Parse(r.StdOut).RootElement.GetProperty("summary").GetProperty("latestEvals").EnumerateArray().Single();
        Assert.Equal(("hellaswag", 4), (latest.GetProperty("task").GetString(), latest.GetProperty("step").GetInt32()));
        Assert.Equal(0.5, latest.GetProperty("metrics").GetProperty("acc_norm").GetDouble());
        Assert.Equal(4, latest.GetProperty("metrics").GetProperty("items").GetDouble());
        var texts = SvgTexts(Path.Combine(_journal.Folder, "v.svg"));
        Assert.Contains("run variant: multiple-choice accuracy", texts);
        Assert.Contains("variant hellaswag/acc_norm", texts);
        Assert.Contains("base validation/bpb", texts);
        Assert.DoesNotContain(texts, t => t.Contains("hellaswag/items"));

        var text = Stlm("show", "variant");
        Assert.Contains("latest hellaswag @4: acc 0.25  acc_norm 0.5  items 4", text.StdOut);
        Assert.DoesNotContain("latest", Stlm("show", "deeper").StdOut);
    }

    [Fact]
    public void Replay_rebuild_checks_the_snapshot_against_the_events()
    {
        var r = Stlm("replay", "base", "--rebuild", "--json");
        Assert.True(r.ExitCode == 0, r.StdErr);
        var report = JsonDocument.Parse(r.StdOut).RootElement;
        Assert.True(report.GetProperty("snapshotAgrees").GetBoolean());
        Assert.Equal(12, report.GetProperty("snapshotSequenceNr").GetInt64());
        Assert.Equal(_actorStates["base"].Events, report.GetProperty("events").GetInt64());
        var text = Stlm("replay", "base", "--rebuild");
        Assert.Contains("run base: rebuilt from 12 events", text.StdOut);
    }

    [Fact]
    public void An_unknown_run_is_one_line_naming_the_runs_there()
    {
        var r = Stlm("show", "nope");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("no run nope in the journal at", r.StdErr);
        Assert.Contains("runs there: base, variant, deeper, other", r.StdErr);
        Assert.Single(r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
