using Stlm.Actors.Configuration;
using Stlm.Actors.Schedules;
using Stlm.Model;
using Stlm.Model.Schedules;

namespace Stlm.Tests.Actors.Schedules;

public class ScheduleConfigTests
{
    static SchedulesConfig Load(params string[] sets) => ConfigLoader.Load(null, sets).Bind<SchedulesConfig>(SchedulesConfig.Section);

    [Fact]
    public void Reference_conf_binds_to_the_records_with_their_defaults()
    {
        var bound = Load();
        Assert.Equal(new SchedulesConfig(), bound);
        bound.Validate();
    }

    [Fact]
    public void Reference_conf_follows_the_run_length_model_depth_and_optimizer_lr()
    {
        var bound = Load("training.max-steps=1000", "model.n-layers=4", "training.optimizer.lr=1e-3");
        Assert.Equal(1000, bound.LearningRate.Steps);
        Assert.Equal(1e-3, bound.LearningRate.Peak);
        Assert.Equal(1000, bound.Dropout.EndStep);
        Assert.Equal(1000, bound.EarlyExit.Steps);
        Assert.Equal(4, bound.EarlyExit.NLayers);
    }

    [Fact]
    public void Kinds_and_shapes_bind_from_kebab_case_names()
    {
        var bound = Load(
            "schedules.learning-rate.kind=warmup-stable-decay", "schedules.learning-rate.decay-shape=sqrt",
            "schedules.dropout.kind=triangle", "schedules.early-exit.curriculum=gradual",
            "schedules.early-exit.layer-dropout-shape=linear", "schedules.early-exit.layer-dropout-ramp=exponential");
        Assert.Equal(LearningRateKind.WarmupStableDecay, bound.LearningRate.Kind);
        Assert.Equal(DecayShape.Sqrt, bound.LearningRate.DecayShape);
        Assert.Equal(DropoutKind.Triangle, bound.Dropout.Kind);
        Assert.Equal(ExitCurriculum.Gradual, bound.EarlyExit.Curriculum);
        Assert.Equal(LayerDropoutShape.Linear, bound.EarlyExit.LayerDropoutShape);
        Assert.Equal(LayerDropoutRamp.Exponential, bound.EarlyExit.LayerDropoutRamp);
    }

    [Fact]
    public void An_unknown_key_in_a_schedule_section_is_refused_with_a_hint()
    {
        var e = Assert.Throws<ConfigException>(() => Load("schedules.learning-rate.warmup-step=10"));
        Assert.Contains("did you mean `schedules.learning-rate.warmup-steps`", e.Message);
    }

    [Theory]
    [InlineData("schedules.learning-rate.warmup-steps", "schedules.learning-rate.warmup-steps=30000")]
    [InlineData("schedules.learning-rate.min-lr", "schedules.learning-rate.min-lr=1e-3")]
    [InlineData("schedules.learning-rate.peak", "schedules.learning-rate.peak=0")]
    [InlineData("schedules.learning-rate.decay-fraction", "schedules.learning-rate.kind=warmup-stable-decay", "schedules.learning-rate.decay-fraction=0.9")]
    [InlineData("schedules.learning-rate.decay-fraction", "schedules.learning-rate.kind=warmup-stable-decay", "schedules.learning-rate.decay-fraction=0")]
    [InlineData("schedules.dropout.p", "schedules.dropout.p=1")]
    [InlineData("schedules.dropout.start-p", "schedules.dropout.start-p=-0.1")]
    [InlineData("schedules.dropout.end-step", "schedules.dropout.kind=linear", "schedules.dropout.end-step=0")]
    [InlineData("schedules.dropout.peak-step", "schedules.dropout.kind=triangle", "schedules.dropout.peak-step=0")]
    [InlineData("schedules.early-exit.max-layer-dropout", "schedules.early-exit.max-layer-dropout=1.0")]
    [InlineData("schedules.early-exit.loss-scale", "schedules.early-exit.loss-scale=-1")]
    [InlineData("schedules.early-exit.rotation-interval", "schedules.early-exit.rotation-interval=0")]
    [InlineData("schedules.early-exit.n-layers", "model.n-layers=0")]
    public void Each_invalid_setting_names_its_key_in_one_line(string key, params string[] sets)
    {
        var config = Load(sets);
        var e = Assert.Throws<ScheduleConfigException>(() => new ScheduleSet(config));
        Assert.StartsWith(key + " = ", e.Message);
        Assert.Contains($"--set {key}=", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Step_orderings_are_checked_only_for_the_kind_that_uses_them()
    {
        // A short run moves end-step before the default peak-step: harmless unless the dropout is a triangle.
        string[] shortRun = ["training.max-steps=1000", "schedules.learning-rate.warmup-steps=100"];
        new ScheduleSet(Load(shortRun));
        var e = Assert.Throws<ScheduleConfigException>(() => new ScheduleSet(Load([.. shortRun, "schedules.dropout.kind=triangle"])));
        Assert.StartsWith("schedules.dropout.end-step = 1000", e.Message);
    }

    [Fact]
    public void Loading_the_section_points_a_bad_value_at_its_file_line_and_column()
    {
        var file = Path.Combine(Path.GetTempPath(), $"stlm-schedules-{Guid.NewGuid():N}.conf");
        File.WriteAllText(file, "# a run\nschedules.dropout {\n  p = 1.5\n}\n");
        try
        {
            var e = Assert.Throws<ScheduleConfigException>(() => SchedulesSection.Load(ConfigLoader.Load(file, [])));
            Assert.Equal("schedules.dropout.p", e.Key);
            Assert.Contains($"{file}:3:", e.Message);
            Assert.StartsWith("schedules.dropout.p = 1.5 must be a probability in [0, 1) at ", e.Message);
            Assert.DoesNotContain('\n', e.Message);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Loading_a_valid_section_gives_the_bound_records()
    {
        Assert.Equal(new SchedulesConfig(), SchedulesSection.Load(ConfigLoader.Load(null, [])));
    }
}
