using Stlm.Model.Architectures;
using Stlm.Model.Generation;
using Stlm.Model.LibTorch;
using Xunit.Abstractions;
using F = Stlm.Model.LibTorch.Functional;
using Stlm.Tests.Support;

namespace Stlm.Tests.Model.Architectures.EarlyExit;

// Layer dropout draws from libtorch's process-wide generator: tests drawing from it in parallel change its draws.
[Collection(nameof(TorchGlobalState))]
public class LayerSkipLmTests(ITestOutputHelper output)
{
    static readonly ModelConfig Tiny = TinyCores.LayerSkip;

    [Fact]
    public void Changing_later_tokens_never_changes_earlier_logits()
    {
        using var scope = TorchScope.Begin();
        using var _ = Torch.NoGrad();
        var model = new LayerSkipLm(Tiny, seed: 3);
        model.Eval();

        TinyCores.AssertCausal(model);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Parameter_count_equals_the_closed_form(bool tied)
    {
        using var scope = TorchScope.Begin();
        var config = Tiny with { TieEmbeddings = tied };
        long v = config.VocabSize, d = config.DModel;

        var total = new LayerSkipLm(config, seed: 1).CountParameters().Total;

        Assert.Equal(v * d * (tied ? 1 : 2) + TinyCores.StackParameters(config.NLayers, config), total);
    }

    [Fact]
    public void Without_layer_dropout_and_with_only_the_last_exit_the_loss_is_the_plain_models()
    {
        using var scope = TorchScope.Begin();
        var model = new LayerSkipLm(TinyCores.WithEarlyExit(e => e with { MaxLayerDropout = 0 }), seed: 4);
        model.ExitLossWeights = [0, 0, 0, 1];
        var tokens = TinyCores.Ids(2, 13, 64, seed: 6);
        var (ids, targets) = (tokens.Narrow(1, 0, 12), tokens.Narrow(1, 1, 12));

        var loss = model.Loss(ids, targets).ToDouble();
        // The plain model: embedding, the core stack as one call, the head.
        var logits = model.LmHead.Forward(model.Model.Forward(model.EmbedTokens.Forward(ids)));
        var plain = F.CrossEntropy(logits.Reshape(-1, 64), targets.Reshape(-1)).ToDouble();

        Assert.Equal(plain, loss, 1e-6);
    }

    [Fact]
    public void Early_exit_weights_add_each_layers_loss_through_the_shared_head()
    {
        using var scope = TorchScope.Begin();
        using var _ = Torch.NoGrad();
        var model = new LayerSkipLm(TinyCores.WithEarlyExit(e => e with { MaxLayerDropout = 0 }), seed: 4);
        model.ExitLossWeights = [0, 1, 0, 3];
        var tokens = TinyCores.Ids(2, 13, 64, seed: 6);
        var (ids, targets) = (tokens.Narrow(1, 0, 12), tokens.Narrow(1, 1, 12));

        var x = model.EmbedTokens.Forward(ids);
        var rope = model.Model.Rotary.Angles(0, 12);
        var perLayer = new double[4];
        for (var l = 0; l < 4; l++)
        {
            x = model.Model.Layers[l].Forward(x, rope);
            perLayer[l] = F.CrossEntropy(model.Exit(x).Reshape(-1, 64), targets.Reshape(-1)).ToDouble();
        }

        Assert.Equal(0.25 * perLayer[1] + 0.75 * perLayer[3], model.Loss(ids, targets).ToDouble(), 1e-6);
    }

    [Fact]
    public void Layer_dropout_rates_rise_with_depth_and_follow_the_scale()
    {
        var rates = LayerDropoutRates.Of(5, 0.2, LayerDropoutCurve.Exponential);
        Assert.Equal(0, rates[0]);
        Assert.Equal(0.2, rates[4], 1e-12);
        Assert.Equal(0.2 * (Math.Pow(2, 0.5) - 1), rates[2], 1e-12);
        Assert.Equal([0, 0.025, 0.05, 0.075, 0.1], LayerDropoutRates.Of(5, 0.2, LayerDropoutCurve.Linear, scale: 0.5).Select(r => Math.Round(r, 12)));

        using var scope = TorchScope.Begin();
        var model = new LayerSkipLm(Tiny, seed: 1) { LayerDropoutScale = 0 };
        Assert.All(model.LayerDropoutRateByLayer, r => Assert.Equal(0, r));
    }

    [Fact]
    public void Layer_dropout_skips_whole_blocks_for_some_rows_in_training_only()
    {
        using var scope = TorchScope.Begin();
        using var _ = Torch.NoGrad();
        Torch.ManualSeed(7);
        var model = new LayerSkipLm(TinyCores.WithEarlyExit(e => e with { MaxLayerDropout = 0.5, LayerDropoutCurve = LayerDropoutCurve.Constant }), seed: 2);
        var x = model.EmbedTokens.Forward(TinyCores.Ids(64, 4, 64, seed: 3));
        var rope = model.Model.Rotary.Angles(0, 4);

        var trained = model.Layer(0, x, rope, null);
        var skipped = Enumerable.Range(0, 64).Count(r => TinyCores.MaxAbsDifference(trained.Select(0, r), x.Select(0, r)) == 0);
        model.Eval();
        var evaluated = model.Layer(0, x, rope, null);

        Assert.InRange(skipped, 16, 48);   // about half the rows pass through unchanged
        Assert.True(TinyCores.MaxAbsDifference(evaluated, model.Model.Layers[0].Forward(x, rope)) == 0);
    }

    [Fact]
    public void Curriculum_weights_sum_to_one_and_always_include_the_last_layer()
    {
        Assert.Equal([0, 0, 0, 1.0], ExitCurriculum.Weights(ExitCurriculumKind.None, 4, step: 5, period: 2, scale: 1));
        // All: ẽ = Σ_{i≤l} i = 0, 1, 3 for l = 0..2, and 1 for the last; normalised by 5.
        Assert.Equal([0, 0.2, 0.6, 0.2], ExitCurriculum.Weights(ExitCurriculumKind.All, 4, step: 0, period: 2, scale: 1).Select(w => Math.Round(w, 12)));
        // Rotational with period 2: layers with l ≡ step (mod 2).
        Assert.Equal([0, 0, 0.75, 0.25], ExitCurriculum.Weights(ExitCurriculumKind.Rotational, 4, step: 0, period: 2, scale: 1).Select(w => Math.Round(w, 12)));
        Assert.Equal([0, 0.5, 0, 0.5], ExitCurriculum.Weights(ExitCurriculumKind.Rotational, 4, step: 1, period: 2, scale: 1).Select(w => Math.Round(w, 12)));
        // Gradual with period 10: layer 2 from step 10, layer 1 from step 20.
        Assert.Equal([0, 0, 0, 1.0], ExitCurriculum.Weights(ExitCurriculumKind.Gradual, 4, step: 9, period: 10, scale: 1));
        Assert.Equal([0, 0, 0.75, 0.25], ExitCurriculum.Weights(ExitCurriculumKind.Gradual, 4, step: 10, period: 10, scale: 1).Select(w => Math.Round(w, 12)));
    }

    [Fact]
    public void Generation_at_threshold_one_equals_full_depth_greedy_generation()
    {
        using var scope = TorchScope.Begin();
        var model = new LayerSkipLm(Tiny, seed: 8);
        int[] prompt = [1, 2, 3];

        var exited = ConfidenceExitGenerator.Greedy(model, prompt, maxNewTokens: 10, threshold: 1.0);

        model.Eval();
        var sequence = new List<int>(prompt);
        using (Torch.NoGrad())
            for (var i = 0; i < 10; i++)
            {
                var logits = model.Forward(Torch.From(sequence.Select(t => (long)t).ToArray(), 1, sequence.Count));
                sequence.Add((int)logits.Select(1, sequence.Count - 1).ArgMax(-1).ToInt64());
            }
        Assert.Equal(sequence.Skip(3), exited.Tokens);
        Assert.Equal(4.0, exited.AverageExitLayer);
        // The project's KV-cached generator sees the same full-depth model.
        var cached = TextGenerator.Generate(model, prompt, new SamplingOptions { Temperature = 0, MaxNewTokens = 10 });
        Assert.Equal(exited.Tokens, cached.Tokens);
    }

    [Fact]
    public void Generation_at_a_low_threshold_exits_early()
    {
        using var scope = TorchScope.Begin();
        var model = new LayerSkipLm(Tiny, seed: 8);

        // Near init every exit is close to uniform over 64 tokens (≈ 0.016 > 0.01): the first layer answers.
        var exited = ConfidenceExitGenerator.Greedy(model, [1, 2, 3], maxNewTokens: 5, threshold: 0.01);

        Assert.Equal(5, exited.Tokens.Count);
        Assert.Equal(1.0, exited.AverageExitLayer);
    }

    [Fact]
    public void Overfits_one_small_batch_to_near_zero_loss_with_early_exits()
    {
        using var scope = TorchScope.Begin();
        var model = new LayerSkipLm(TinyCores.WithEarlyExit(e => e with { MaxLayerDropout = 0.1 }), seed: 5);
        var tokens = TinyCores.Ids(2, 17, 64, seed: 9);
        var (ids, targets) = (tokens.Narrow(1, 0, 16), tokens.Narrow(1, 1, 16));
        Torch.ManualSeed(1);

        // The curriculum's weights change each step, as the scheduler would set them.
        var step = 0;
        TinyCores.Train(model, () =>
        {
            model.ExitLossWeights = ExitCurriculum.Weights(model.Config, step++);
            return model.Loss(ids, targets);
        }, steps: 150, lr: 1e-2);

        model.Eval();
        model.ExitLossWeights = [0, 0, 0, 1];
        using var _ = Torch.NoGrad();
        var final = model.Loss(ids, targets).ToDouble();
        Assert.True(final < 0.05, $"last-layer loss after 150 steps: {final}");

        // Trained with early-exit losses, shallow layers answer confidently and still continue the row.
        var prompt = tokens.Select(0, 0).ToArray<long>().Select(t => (int)t).ToArray();
        var exited = ConfidenceExitGenerator.Greedy(model, prompt.Take(4).ToList(), maxNewTokens: 13, threshold: 0.9);
        output.WriteLine($"average exit layer at threshold 0.9: {exited.AverageExitLayer:F2} of 4 ({string.Join(" ", exited.ExitLayers)})");
        Assert.Equal(prompt.Skip(4), exited.Tokens);
        Assert.True(exited.AverageExitLayer < 4, "some tokens exit before the last layer");
    }
}
