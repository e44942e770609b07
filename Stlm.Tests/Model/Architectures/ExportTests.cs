using System.Text.Json;
using Stlm.Model.Architectures;
using Stlm.Model.LibTorch;
using Stlm.Model.Nn;
using Stlm.Tests.Support;

namespace Stlm.Tests.Model.Architectures;

public class ExportTests
{
    [Theory]
    [InlineData("tied")]
    [InlineData("untied")]
    [InlineData("share-ffn")]
    [InlineData("share-ffn-attention")]
    [InlineData("interior-lora")]
    public void Export_reads_back_as_a_plain_llama_with_the_same_logits(string variant)
    {
        using var scope = TorchScope.Begin();
        using var _ = Torch.NoGrad();
        var model = new LlamaForCausalLM(TinyModels.Variant(variant), seed: 21);
        // Give LoRA adapters a non-zero delta so materialising them matters.
        foreach (var (name, p) in model.NamedParameters().Where(p => p.Name.EndsWith("lora_b", StringComparison.Ordinal)))
            p.Value.CopyInPlace(p.Value.RandnLike() * 0.05);
        using var dir = new TempDirectory();

        LlamaExport.Write(model, dir.Path);
        var loaded = LlamaExport.Read(dir.Path);

        Assert.Equal(WeightSharing.None, loaded.Config.WeightSharing);
        var ids = TinyModels.Ids(2, 10, 64, seed: 5);
        model.Eval();
        loaded.Eval();
        Assert.True(TinyModels.MaxAbsDifference(model.Forward(ids), loaded.Forward(ids)) < 1e-5);
    }

    [Fact]
    public void Config_json_has_the_llama_for_causal_lm_fields()
    {
        using var scope = TorchScope.Begin();
        var config = TinyModels.Base with { TieEmbeddings = false, RopeTheta = 5000, NormEps = 1e-6 };
        using var dir = new TempDirectory();
        LlamaExport.Write(new LlamaForCausalLM(config, seed: 1), dir.Path);

        using var json = JsonDocument.Parse(File.ReadAllText(dir.File("config.json")));
        var root = json.RootElement;
        Assert.Equal("LlamaForCausalLM", root.GetProperty("architectures")[0].GetString());
        Assert.Equal("llama", root.GetProperty("model_type").GetString());
        Assert.Equal(32, root.GetProperty("hidden_size").GetInt32());
        Assert.Equal(64, root.GetProperty("intermediate_size").GetInt32());
        Assert.Equal(4, root.GetProperty("num_attention_heads").GetInt32());
        Assert.Equal(2, root.GetProperty("num_key_value_heads").GetInt32());
        Assert.Equal(4, root.GetProperty("num_hidden_layers").GetInt32());
        Assert.Equal(32, root.GetProperty("max_position_embeddings").GetInt32());
        Assert.Equal(64, root.GetProperty("vocab_size").GetInt32());
        Assert.Equal(1e-6, root.GetProperty("rms_norm_eps").GetDouble());
        Assert.Equal(5000, root.GetProperty("rope_theta").GetDouble());
        Assert.False(root.GetProperty("tie_word_embeddings").GetBoolean());
        Assert.Equal("silu", root.GetProperty("hidden_act").GetString());
        Assert.Equal("float32", root.GetProperty("torch_dtype").GetString());
        Assert.Equal(50256, root.GetProperty("eos_token_id").GetInt32());

        using var file = Stlm.Model.LibTorch.Safetensors.SafetensorsFile.Open(dir.File("model.safetensors"));
        Assert.Contains(file.Tensors, t => t.Name == "lm_head.weight");
        Assert.Contains(file.Tensors, t => t.Name == "model.layers.3.mlp.down_proj.weight" && t.Shape.SequenceEqual([32L, 64]));
    }

    [Fact]
    public void A_gelu_model_is_refused_because_hugging_face_llama_has_no_such_mlp()
    {
        using var scope = TorchScope.Begin();
        using var dir = new TempDirectory();
        var error = Assert.Throws<Stlm.Model.StlmException>(() => LlamaExport.Write(new LlamaForCausalLM(TinyModels.Variant("gelu"), 1), dir.Path));
        Assert.Contains("swiglu", error.Message);
    }
}
