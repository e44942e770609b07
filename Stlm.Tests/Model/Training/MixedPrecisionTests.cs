using System.Text.RegularExpressions;
using Stlm.Actors.Configuration;
using Stlm.Actors.Training.Recipe;
using Stlm.Model.LibTorch;
using Stlm.Model.Training;
using Stlm.Tests.Support;

namespace Stlm.Tests.Model.Training;

/// <summary>
/// torch.precision = "bf16-mixed": bfloat16 arithmetic in the forward pass, float32 everywhere the
/// state lives, and the same determinism as float32 (exact resume needs it).
/// </summary>
[Collection(nameof(TorchGlobalState))]
public class MixedPrecisionTests(TrainingCorpus corpus) : IClassFixture<TrainingCorpus>
{
    [Fact]
    public void Bf16_mixed_steps_are_bit_identical_across_fresh_runs_and_leave_every_weight_and_moment_float32()
    {
        using var first = new TrainingRig(corpus, gradAccum: 2, precision: Precision.Bf16Mixed);
        var a = first.Train(6);
        var weights = first.Weights();
        using var second = new TrainingRig(corpus, gradAccum: 2, precision: Precision.Bf16Mixed);
        var b = second.Train(6);

        Assert.Equal(a, b);
        Assert.All(second.Weights(), e => Assert.Equal(weights[e.Key], e.Value));
        Assert.All(second.Llama.NamedParameters(), p => Assert.Equal(DType.Float32, p.Parameter.Value.DType));
        using var state = TorchScope.Begin();
        Assert.All(second.Optimizer.ExportState().Tensors, e => Assert.True(e.Value.DType is DType.Float32 or DType.Int64, $"{e.Key} is {e.Value.DType}"));
        Assert.False(Torch.IsAutocastEnabled(Device.Cpu), "the step left its autocast region open");
    }

    [Fact]
    public void Bf16_mixed_trains_a_different_trajectory_than_float32_from_the_same_start_and_close_to_it()
    {
        using var plain = new TrainingRig(corpus, precision: Precision.Float32);
        var f32 = plain.Train(4);
        using var mixed = new TrainingRig(corpus, precision: Precision.Bf16Mixed);
        var bf16 = mixed.Train(4);

        Assert.NotEqual(f32, bf16);   // the switch reaches the arithmetic
        for (var i = 0; i < f32.Count; i++)
            Assert.True(Math.Abs(f32[i] - bf16[i]) < 0.02 * f32[i], $"step {i}: float32 {f32[i]} vs bf16-mixed {bf16[i]}");
    }

    [Fact]
    public void An_autocast_region_runs_matmuls_in_bfloat16_and_restores_the_previous_state_when_closed()
    {
        using var scope = TorchScope.Begin();
        var a = Torch.Randn([4, 8]);
        var b = Torch.Randn([8, 3]);
        using (Torch.Autocast(Device.Cpu, DType.BFloat16))
        {
            Assert.True(Torch.IsAutocastEnabled(Device.Cpu));
            Assert.Equal(DType.BFloat16, a.MatMul(b).DType);
            Assert.Equal(DType.Float32, (a + a).DType);   // elementwise ops keep their inputs' type
            using (Torch.Autocast(Device.Cpu, DType.BFloat16)) Assert.Equal(DType.BFloat16, a.MatMul(b).DType);
            Assert.True(Torch.IsAutocastEnabled(Device.Cpu), "closing the inner region closed the outer one");
        }
        Assert.False(Torch.IsAutocastEnabled(Device.Cpu));
        Assert.Equal(DType.Float32, a.MatMul(b).DType);
    }

    [Theory]
    [InlineData("float32", Precision.Float32)]
    [InlineData("bf16-mixed", Precision.Bf16Mixed)]
    [InlineData("bf16", null)]
    [InlineData("float16-mixed", null)]
    public void Precision_names_parse_to_their_precision_and_nothing_else(string text, Precision? expected)
    {
        Assert.Equal(expected, Precisions.TryParse(text));
        if (expected is { } p) Assert.Equal(text, p.Name());
    }

    [Fact]
    public void The_recipe_steps_in_torch_precision_refuses_an_unknown_one_and_reads_a_config_without_it_as_float32()
    {
        using var dir = new TempDirectory();
        var config = TrainConfigLoader.Load(null, [.. TinyCheckpoints.Sets("llama", dir.Path), "torch.precision=bf16-mixed"]);
        Assert.Equal(Precision.Bf16Mixed, TrainingRecipe.From(config).Precision);

        var wrong = Assert.ThrowsAny<Stlm.Model.StlmException>(() =>
            TrainingRecipe.From(TrainConfigLoader.Load(null, [.. TinyCheckpoints.Sets("llama", dir.Path), "torch.precision=bf16"])));
        Assert.Contains("torch.precision", wrong.Message);
        Assert.Contains("bf16-mixed", wrong.Message);
        Assert.DoesNotContain("\n", wrong.Message);

        // A run journaled before the key existed trained in float32; its config, parsed alone, must resume so.
        var old = Config.ParseString(Regex.Replace(config.ToHocon(), @"^\s*precision\s*[=:].*$", "", RegexOptions.Multiline)).Resolve();
        Assert.False(old.HasPath("torch.precision"));
        Assert.Equal(Precision.Float32, TrainingRecipe.From(old).Precision);
    }
}
