using System.Text.RegularExpressions;
using Stlm.Actors.Configuration;
using Stlm.Actors.Training.Recipe;
using Stlm.Actors.Training.Session;

namespace Stlm.Tests.Actors.Training.Session;

public class EvalSettingsTests
{
    static Config Load(params string[] sets) => TrainConfigLoader.Load(null, ["training.preset=\"\"", .. sets]);

    [Fact]
    public void By_default_no_tasks_run_and_keep_best_ranks_by_held_out_bits_per_byte()
    {
        var settings = SessionSettings.From(Load());
        Assert.Empty(settings.Tasks);
        Assert.Equal(new EvalMetricName("heldout", "bpb"), settings.KeepBestMetric);
        Assert.False(settings.Retention.HigherIsBetter);
    }

    [Fact]
    public void A_run_journaled_before_eval_tasks_existed_resumes_with_no_tasks_and_the_held_out_ranking()
    {
        // The resolved config such a run journaled: today's, less the two new keys.
        var hocon = Regex.Replace(Load().ToHocon(), @"^\s*(tasks|keep-best-metric)\s*[=:].*$", "", RegexOptions.Multiline);
        var old = Config.ParseString(hocon, "run r-old").Resolve();
        Assert.False(old.HasPath("eval.tasks") || old.HasPath("checkpoint.keep-best-metric"));

        var settings = SessionSettings.From(old);
        Assert.Empty(settings.Tasks);
        Assert.Equal(new EvalMetricName("heldout", "bpb"), settings.KeepBestMetric);
    }

    [Fact]
    public void A_task_metric_ranks_higher_is_better_and_relative_data_is_under_the_benchmark_folder()
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "Fixtures", "Eval");
        var settings = SessionSettings.From(Load($"eval.benchmark-dir=\"{folder}\"",
            "eval.tasks=[{name=piqa, data=\"piqa_valid.jsonl\", limit=2}]", "checkpoint.keep-best=1", "checkpoint.keep-best-metric=piqa.acc_norm"));

        var task = Assert.Single(settings.Tasks);
        Assert.Equal(new EvalTaskSpec("piqa", Path.Combine(folder, "piqa_valid.jsonl"), 2), task);
        Assert.Equal(2, task.ReadItems().Count);
        Assert.True(settings.Retention.HigherIsBetter);
    }

    [Theory]
    [InlineData("eval.tasks=[piqa]", "eval.tasks[0] is string \"piqa\" at --set")]
    [InlineData("eval.tasks=[{name=piqa, data=\"piqa_valid.jsonl\", limit=-1}]", "eval.tasks[0].limit is number -1 at --set")]
    [InlineData("eval.tasks=[{name=piqa, data=\"piqa_valid.jsonl\"}, {name=piqa, data=\"piqa_valid.jsonl\"}]", "eval.tasks[1].name = \"piqa\" is listed twice")]
    [InlineData("eval.workers=0", "eval.workers = 0 evaluates nothing")]
    public void Bad_task_settings_name_the_entry_and_where_it_was_written(string set, string message)
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "Fixtures", "Eval");
        var sets = set.StartsWith("eval.workers", StringComparison.Ordinal)
            ? new[] { $"eval.benchmark-dir=\"{folder}\"", "eval.tasks=[{name=piqa, data=\"piqa_valid.jsonl\"}]", set }
            : [$"eval.benchmark-dir=\"{folder}\"", set];
        var e = Assert.ThrowsAny<Stlm.Model.StlmException>(() => SessionSettings.From(Load(sets)));
        Assert.Contains(message, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
