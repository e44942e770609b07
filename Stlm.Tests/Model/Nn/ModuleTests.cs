using Stlm.Model;
using Stlm.Model.Architectures;
using Stlm.Model.LibTorch;
using Stlm.Model.Nn;
using Stlm.Tests.Model.Architectures;
using Stlm.Tests.Support;

namespace Stlm.Tests.Model.Nn;

public class ModuleTests
{
    [Fact]
    public void Parameter_names_follow_hugging_face_llama()
    {
        using var scope = TorchScope.Begin();
        var names = new LlamaForCausalLM(TinyModels.Base with { TieEmbeddings = false }, seed: 1)
            .NamedParameters().Select(p => p.Name).ToList();

        Assert.Equal("model.embed_tokens.weight", names[0]);
        Assert.Contains("model.layers.0.input_layernorm.weight", names);
        foreach (var proj in new[] { "q_proj", "k_proj", "v_proj", "o_proj" })
            Assert.Contains($"model.layers.3.self_attn.{proj}.weight", names);
        foreach (var proj in new[] { "gate_proj", "up_proj", "down_proj" })
            Assert.Contains($"model.layers.3.mlp.{proj}.weight", names);
        Assert.Contains("model.layers.3.post_attention_layernorm.weight", names);
        Assert.Equal(["model.norm.weight", "lm_head.weight"], names.TakeLast(2));
        Assert.Equal(3 + 4 * 9, names.Count);   // embedding, 4 layers of 9, norm, head
    }

    [Fact]
    public void Shared_parameters_are_listed_once_under_their_first_name()
    {
        using var scope = TorchScope.Begin();
        var tied = new LlamaForCausalLM(TinyModels.Base, seed: 1);
        Assert.DoesNotContain(tied.NamedParameters(), p => p.Name == "lm_head.weight");
        Assert.Same(tied.Model.EmbedTokens.Weight, tied.LmHead.Weight);

        var albert = new LlamaForCausalLM(TinyModels.Variant("share-ffn-attention"), seed: 1);
        Assert.All(albert.NamedParameters().Where(p => p.Name.StartsWith("model.layers.", StringComparison.Ordinal)),
            p => Assert.StartsWith("model.layers.0.", p.Name));

        var lora = new LlamaForCausalLM(TinyModels.Variant("interior-lora"), seed: 1);
        var loraNames = lora.NamedParameters().Select(p => p.Name).ToList();
        Assert.Contains("model.layers.1.self_attn.q_proj.weight", loraNames);
        Assert.DoesNotContain("model.layers.2.self_attn.q_proj.weight", loraNames);
        Assert.Contains("model.layers.2.self_attn.q_proj.lora_a", loraNames);
        Assert.Contains("model.layers.3.self_attn.q_proj.weight", loraNames);   // the last layer is its own
    }

    [Fact]
    public void Same_seed_gives_identical_weights_and_another_seed_different_ones()
    {
        using var scope = TorchScope.Begin();
        var a = new LlamaForCausalLM(TinyModels.Base, seed: 7).StateDict();
        var b = new LlamaForCausalLM(TinyModels.Base, seed: 7).StateDict();
        var c = new LlamaForCausalLM(TinyModels.Base, seed: 8).StateDict();

        Assert.All(a.Zip(b), pair => Assert.Equal(0, TinyModels.MaxAbsDifference(pair.First.Value, pair.Second.Value)));
        Assert.True(TinyModels.MaxAbsDifference(a[0].Value, c[0].Value) > 0);
        var std = Math.Sqrt(TinyModels.Values(a[0].Value).Select(x => x * x).Average());
        Assert.InRange(std, 0.018, 0.022);   // initializer_range 0.02
    }

    [Fact]
    public void State_dict_round_trip_reproduces_the_logits()
    {
        using var scope = TorchScope.Begin();
        using var _ = Torch.NoGrad();
        var source = new LlamaForCausalLM(TinyModels.Variant("interior-lora"), seed: 1);
        var target = new LlamaForCausalLM(TinyModels.Variant("interior-lora"), seed: 2);
        var ids = TinyModels.Ids(2, 8, 64, seed: 3);
        Assert.True(TinyModels.MaxAbsDifference(source.Forward(ids), target.Forward(ids)) > 1e-3);

        using var dir = new TempDirectory();
        TensorFiles.Save(source, dir.File("weights.safetensors"));
        TensorFiles.Load(target, dir.File("weights.safetensors"));

        Assert.Equal(0, TinyModels.MaxAbsDifference(source.Forward(ids), target.Forward(ids)));
    }

    [Fact]
    public void Loading_a_mismatched_state_dict_names_every_problem()
    {
        using var scope = TorchScope.Begin();
        var model = new LlamaForCausalLM(TinyModels.Base, seed: 1);
        var state = model.StateDict().Where(e => e.Key != "model.norm.weight").ToList();
        state.Add(KeyValuePair.Create("model.extra.weight", Torch.Zeros([2])));
        state[0] = KeyValuePair.Create(state[0].Key, Torch.Zeros([3, 3]));

        var error = Assert.Throws<StlmException>(() => model.LoadStateDict(state));

        Assert.Contains("missing keys: model.norm.weight", error.Message);
        Assert.Contains("unexpected keys: model.extra.weight", error.Message);
        Assert.Contains("shape mismatch: model.embed_tokens.weight (model [64, 32], given [3, 3])", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Non_strict_load_ignores_missing_and_unexpected_keys()
    {
        using var scope = TorchScope.Begin();
        var model = new LlamaForCausalLM(TinyModels.Base, seed: 1);
        model.LoadStateDict([KeyValuePair.Create("model.norm.weight", Torch.Full([32], 2.0)), KeyValuePair.Create("other", Torch.Zeros([1]))], strict: false);
        Assert.All(TinyModels.Values(model.Model.Norm.Weight.Value), v => Assert.Equal(2.0, v));
    }

    [Fact]
    public void Optimizer_groups_decay_matrices_but_not_norm_gains()
    {
        using var scope = TorchScope.Begin();
        var model = new LlamaForCausalLM(TinyModels.Base, seed: 1);
        var (decay, noDecay) = model.OptimizerGroups();
        Assert.All(decay, p => Assert.Equal(2, p.Shape.Length));
        Assert.All(noDecay, p => Assert.Equal(ParameterGroup.Norm, p.Group));
        Assert.Equal(2 * 4 + 1, noDecay.Count);
        Assert.Equal(model.CountParameters().Total, decay.Concat(noDecay).Sum(p => p.NumEl));
    }

    [Fact]
    public void To_converts_dtype_and_keeps_shared_weights_shared()
    {
        using var scope = TorchScope.Begin();
        var model = new LlamaForCausalLM(TinyModels.Base, seed: 1);
        model.To(DType.Float64);
        Assert.All(model.Parameters(), p => Assert.Equal(DType.Float64, p.Value.DType));
        Assert.Same(model.Model.EmbedTokens.Weight.Value, model.LmHead.Weight.Value);
        Assert.Equal([2L, 3, 64], model.Forward(TinyModels.Ids(2, 3, 64, seed: 1)).Shape);
    }

    [Fact]
    public void A_bfloat16_model_keeps_rope_frequencies_in_float32_and_stays_close_to_float32()
    {
        using var scope = TorchScope.Begin();
        using var _ = Torch.NoGrad();
        var model = new LlamaForCausalLM(TinyModels.Base, seed: 2);
        var ids = TinyModels.Ids(1, 16, 64, seed: 2);
        var reference = model.Forward(ids);

        model.To(DType.BFloat16);

        Assert.Equal(DType.Float32, model.Model.Rotary.Angles(0, 1).Cos.DType);
        Assert.Equal(DType.BFloat16, model.Forward(ids).DType);
        Assert.True(TinyModels.MaxAbsDifference(reference, model.Forward(ids)) < 0.05);
    }

    [Fact]
    public void Train_and_eval_set_the_mode_of_every_submodule()
    {
        using var scope = TorchScope.Begin();
        var model = new LlamaForCausalLM(TinyModels.Base, seed: 1);
        Assert.All(model.NamedModules(), m => Assert.True(m.Module.Training));
        model.Eval();
        Assert.All(model.NamedModules(), m => Assert.False(m.Module.Training));
    }
}
