using Stlm.Model;
using Stlm.Model.LibTorch;
using Stlm.Model.LibTorch.Optim;

namespace Stlm.Tests.Model.LibTorch.Optim;

public class AdamWTests
{
    [Fact]
    public void Defaults_are_pytorch_defaults()
    {
        var o = new AdamWOptions();
        Assert.Equal((1e-3, 0.9, 0.999, 1e-8, 1e-2), (o.Lr, o.Beta1, o.Beta2, o.Eps, o.WeightDecay));
    }

    [Fact]
    public void Steps_with_default_options_match_pytorch_bit_for_bit()
    {
        var reference = TorchTrajectory.Load("adamw_defaults");
        var parameters = reference.NewParameters();
        using var adamw = new AdamW(parameters);
        reference.Replay(adamw, parameters, 0, reference.Grads.Length);
        Assert.Equal([4L], adamw.Steps());
    }

    [Fact]
    public void Groups_with_their_own_options_and_lr_changed_every_step_match_pytorch()
    {
        var reference = TorchTrajectory.Load("adamw_groups_lr_changes");
        var parameters = reference.NewParameters();
        using var adamw = TwoGroups(parameters);
        reference.Replay(adamw, parameters, 0, reference.Grads.Length);
    }

    [Fact]
    public void First_steps_follow_the_decoupled_weight_decay_formula()
    {
        const double lr = 0.01, b1 = 0.9, b2 = 0.99, eps = 1e-3, wd = 0.5;
        double[] grads = [0.5, -2.0, 0.25];
        using var p = Torch.From([1f], 1);
        using var adamw = new AdamW([p], new AdamWOptions(lr, b1, b2, eps, wd));
        double value = 1, m = 0, v = 0;
        for (var t = 1; t <= grads.Length; t++)
        {
            var g = grads[t - 1];
            using (var grad = Torch.From([(float)g], 1)) Gradients.Set(p, grad);
            adamw.Step();
            value *= 1 - lr * wd;
            m = b1 * m + (1 - b1) * g;
            v = b2 * v + (1 - b2) * g * g;
            value -= lr / (1 - Math.Pow(b1, t)) * m / (Math.Sqrt(v) / Math.Sqrt(1 - Math.Pow(b2, t)) + eps);
            Assert.Equal(value, p.ToArray<float>()[0], 1e-6);
        }
    }

    [Fact]
    public void Exported_state_resumes_training_bit_identically_in_a_fresh_optimizer()
    {
        var reference = TorchTrajectory.Load("adamw_groups_lr_changes");
        const int split = 2;

        var first = reference.NewParameters();
        string json;
        Dictionary<string, float[]> moments;
        float[][] weights;
        using (var adamw = TwoGroups(first))
        {
            reference.Replay(adamw, first, 0, split);
            adamw.SetLr(1, 0.0042);  // a hand-set lr must survive the round trip too
            var state = adamw.ExportState();
            json = state.Record.ToJson();
            moments = state.Tensors.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray<float>());
            weights = first.Select(p => p.ToArray<float>()).ToArray();
        }

        // Fresh parameters with the same values, a fresh optimizer with default options, then the restore.
        var resumed = weights.Select(w => Torch.From(w, w.Length).DetachFromScopes()).ToArray();
        using var restored = new AdamW([new ParamGroup([resumed[0]], new AdamWOptions()), new ParamGroup([resumed[1]], new AdamWOptions())]);
        var tensors = moments.ToDictionary(kv => kv.Key, kv => Torch.From(kv.Value, kv.Value.Length));
        restored.LoadState(new OptimizerState(OptimizerRecord.FromJson(json), tensors));
        Assert.Equal(0.0042, restored.GetLr(1));
        Assert.Equal(new AdamWOptions(0.02, 0.9, 0.999, 1e-8, 0.1), restored.GetOptions(0));  // the lr of step 1
        Assert.Equal([2L, 2L], restored.Steps());

        // Continue: every step must equal the uninterrupted run's (PyTorch's recorded one and ours).
        reference.Replay(restored, resumed, split, reference.Grads.Length);
        var again = reference.NewParameters();
        using var straight = TwoGroups(again);
        reference.Replay(straight, again, 0, reference.Grads.Length);
        for (var i = 0; i < again.Length; i++)
            Assert.Equal(again[i].ToArray<float>(), resumed[i].ToArray<float>());
    }

    [Fact]
    public void The_record_round_trips_through_json_exactly()
    {
        var record = new OptimizerRecord("adamw",
            [new AdamWOptions(6e-4, 0.9, 0.95, 1e-8, 0.1), new AdamWOptions(1.0 / 3, 0.8, 0.999, 1e-6, 0)], [2, 1], [7, 7, 0]);
        var json = record.ToJson();
        Assert.Contains("\"kind\":\"adamw\"", json);
        Assert.Equal(record, OptimizerRecord.FromJson(json));
    }

    [Fact]
    public void Parameters_without_a_gradient_keep_their_value_and_step()
    {
        using var a = Torch.From([1f, 2f], 2);
        using var b = Torch.From([3f], 1);
        using var adamw = new AdamW([a, b]);
        using (var g = Torch.From([1f, 1f], 2)) Gradients.Set(a, g);
        adamw.Step();
        Assert.Equal([3f], b.ToArray<float>());
        Assert.Equal([1L, 0L], adamw.Steps());
        Assert.DoesNotContain("1.exp_avg", adamw.ExportState().Tensors.Keys);
    }

    [Fact]
    public void State_for_other_groups_or_shapes_is_refused_with_a_clear_error()
    {
        using var a = Torch.Zeros([2]);
        using var b = Torch.Zeros([3]);
        using var one = new AdamW([a]);
        using (var g = Torch.Ones([2])) Gradients.Set(a, g);
        one.Step();
        var state = one.ExportState();

        using var other = new AdamW([b]);
        Assert.Throws<TorchException>(() => other.LoadState(state));
        using var two = new AdamW([a, b]);
        var error = Assert.Throws<StlmException>(() => two.LoadState(state));
        Assert.Contains("groups of [1] parameters", error.Message);
        using var sgd = new Sgd([a], new SgdOptions(0.1));
        Assert.Throws<StlmException>(() => sgd.LoadState(state));
    }

    [Fact]
    public void Invalid_hyperparameters_are_rejected()
    {
        using var a = Torch.Zeros([2]);
        Assert.Throws<ArgumentException>(() => new AdamW([a], new AdamWOptions(Beta1: 1.0)));
        using var adamw = new AdamW([a]);
        Assert.Throws<ArgumentException>(() => adamw.SetLr(-1));
        Assert.Throws<ArgumentException>(() => adamw.SetOptions(0, new SgdOptions(0.1)));
    }

    static AdamW TwoGroups(Tensor[] parameters) => new(
    [
        new ParamGroup([parameters[0]], new AdamWOptions(Lr: 0.01, WeightDecay: 0.1)),
        new ParamGroup([parameters[1]], new AdamWOptions(Lr: 0.003, Beta1: 0.8, Beta2: 0.95, Eps: 1e-6, WeightDecay: 0)),
    ]);
}
