using System.Text.Json;
using System.Text.Json.Nodes;
using Stlm.Model.LibTorch;
using Stlm.Model.Nn;
using Stlm.Model.Tokenizers;

namespace Stlm.Model.Architectures;

/// <summary>
/// Writes a model as a Hugging Face Llama checkpoint — config.json + model.safetensors (+ the
/// GPT-2-style tokenizer files) — that transformers' LlamaForCausalLM.from_pretrained loads as is.
/// Shared and LoRA variants are materialised: every layer gets its own full weights (shared
/// weight, plus B·A where a LoRA adapter applies), so the export is a plain Llama with the same
/// function and the parameter savings do not survive the export (they are a training-time idea).
/// </summary>
public static class LlamaExport
{
    public const string ConfigFile = "config.json";
    public const string WeightsFile = "model.safetensors";

    public static void Write(LlamaForCausalLM model, string directory, ITokenizer? tokenizer = null)
    {
        var config = model.Config;
        if (config.Activation != FfnActivation.Swiglu)
            throw new StlmException($"export: Hugging Face Llama needs the SwiGLU FFN, this model uses {config.Activation}; only activation = swiglu models export as hf-llama");
        Directory.CreateDirectory(directory);
        var dtype = model.Model.EmbedTokens.Weight.Value.DType;

        using (var scope = TorchScope.Begin())
        using (var _ = Torch.NoGrad())
            TensorFiles.Write(Path.Combine(directory, WeightsFile), HfTensors(model), new Dictionary<string, string> { ["format"] = "pt" });
        File.WriteAllText(Path.Combine(directory, ConfigFile), HfConfig(config, dtype).ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        if (tokenizer is not null) WriteTokenizer(tokenizer, config, directory);
    }

    /// <summary>Reads an export (ours, or any Llama folder with one model.safetensors) into a plain Llama.</summary>
    public static LlamaForCausalLM Read(string directory)
    {
        var configPath = Path.Combine(directory, ConfigFile);
        if (!File.Exists(configPath)) throw new StlmException($"{directory}: no {ConfigFile}; point at a folder written by export");
        var config = ParseConfig(JsonNode.Parse(File.ReadAllText(configPath)) as JsonObject
            ?? throw new StlmException($"{configPath}: not a JSON object"), configPath);
        var model = new LlamaForCausalLM(config, seed: 0);
        using var scope = TorchScope.Begin();
        var tensors = TensorFiles.Read(Path.Combine(directory, WeightsFile));
        // Some tied checkpoints carry lm_head.weight anyway; it equals the embedding.
        if (config.TieEmbeddings) tensors.RemoveAll(t => t.Key == "lm_head.weight");
        model.LoadStateDict(tensors);
        return model;
    }

    static IEnumerable<KeyValuePair<string, Tensor>> HfTensors(LlamaForCausalLM model)
    {
        yield return KeyValuePair.Create("model.embed_tokens.weight", model.Model.EmbedTokens.Weight.Value.Detach());
        for (var i = 0; i < model.Model.Layers.Count; i++)
        {
            var layer = model.Model.Layers[i];
            var prefix = $"model.layers.{i}.";
            var attention = layer.SelfAttention;
            var mlp = (SwiGluFfn)layer.Mlp;
            yield return KeyValuePair.Create(prefix + "input_layernorm.weight", layer.InputLayerNorm.Weight.Value.Detach());
            yield return KeyValuePair.Create(prefix + "self_attn.q_proj.weight", attention.QProj.EffectiveWeight());
            yield return KeyValuePair.Create(prefix + "self_attn.k_proj.weight", attention.KProj.EffectiveWeight());
            yield return KeyValuePair.Create(prefix + "self_attn.v_proj.weight", attention.VProj.EffectiveWeight());
            yield return KeyValuePair.Create(prefix + "self_attn.o_proj.weight", attention.OProj.EffectiveWeight());
            yield return KeyValuePair.Create(prefix + "post_attention_layernorm.weight", layer.PostAttentionLayerNorm.Weight.Value.Detach());
            yield return KeyValuePair.Create(prefix + "mlp.gate_proj.weight", mlp.GateProj.EffectiveWeight());
            yield return KeyValuePair.Create(prefix + "mlp.up_proj.weight", mlp.UpProj.EffectiveWeight());
            yield return KeyValuePair.Create(prefix + "mlp.down_proj.weight", mlp.DownProj.EffectiveWeight());
        }
        yield return KeyValuePair.Create("model.norm.weight", model.Model.Norm.Weight.Value.Detach());
        // Tied: transformers re-ties lm_head to embed_tokens from tie_word_embeddings.
        if (!model.Config.TieEmbeddings) yield return KeyValuePair.Create("lm_head.weight", model.LmHead.Weight.Value.Detach());
    }

    static JsonObject HfConfig(ModelConfig c, DType dtype) => new()
    {
        ["architectures"] = new JsonArray("LlamaForCausalLM"),
        ["model_type"] = "llama",
        ["hidden_size"] = c.DModel,
        ["intermediate_size"] = c.FfnHidden,
        ["num_attention_heads"] = c.NHeads,
        ["num_hidden_layers"] = c.NLayers,
        ["num_key_value_heads"] = c.NKvHeads,
        ["head_dim"] = c.HeadDim,
        ["max_position_embeddings"] = c.ContextLength,
        ["rms_norm_eps"] = c.NormEps,
        ["rope_theta"] = c.RopeTheta,
        ["vocab_size"] = c.VocabSize,
        ["tie_word_embeddings"] = c.TieEmbeddings,
        ["hidden_act"] = "silu",
        ["attention_bias"] = false,
        ["mlp_bias"] = false,
        ["attention_dropout"] = 0.0,
        ["initializer_range"] = c.InitStd,
        ["bos_token_id"] = c.BosTokenId,
        ["eos_token_id"] = c.EosTokenId,
        ["torch_dtype"] = dtype switch
        {
            DType.BFloat16 => "bfloat16",
            DType.Float16 => "float16",
            _ => "float32",
        },
    };

    static ModelConfig ParseConfig(JsonObject json, string path)
    {
        int Int(string key) => json[key]?.GetValue<int>() ?? throw new StlmException($"{path}: missing \"{key}\"; is this a Llama config.json?");
        double Double(string key, double fallback) => json[key] is { } v ? v.GetValue<double>() : fallback;
        var type = json["model_type"]?.GetValue<string>();
        if (type != "llama") throw new StlmException($"{path}: model_type is \"{type}\", expected \"llama\"");
        var hidden = Int("hidden_size");
        var heads = Int("num_attention_heads");
        return new ModelConfig
        {
            DModel = hidden,
            FfnHidden = Int("intermediate_size"),
            NHeads = heads,
            NLayers = Int("num_hidden_layers"),
            NKvHeads = json["num_key_value_heads"]?.GetValue<int>() ?? heads,
            ContextLength = Int("max_position_embeddings"),
            VocabSize = Int("vocab_size"),
            NormEps = Double("rms_norm_eps", 1e-6),
            RopeTheta = Double("rope_theta", 10000),
            InitStd = Double("initializer_range", 0.02),
            TieEmbeddings = json["tie_word_embeddings"]?.GetValue<bool>() ?? false,
            BosTokenId = json["bos_token_id"]?.GetValue<int>() ?? 0,
            EosTokenId = json["eos_token_id"]?.GetValue<int>() ?? 0,
            Dropout = 0,
        };
    }

    static void WriteTokenizer(ITokenizer tokenizer, ModelConfig config, string directory)
    {
        if (tokenizer is not BpeTokenizer bpe)
            throw new StlmException($"export: tokenizer '{tokenizer.Name}' has no Hugging Face form here; export with a GPT-2-style BPE tokenizer or without one");
        BpeFiles.Save(bpe.Vocabulary, directory);
        var endOfText = bpe.SpecialTokens.FirstOrDefault(s => s.Value == config.EosTokenId).Key ?? SpecialTokens.EndOfTextText;
        var tokenizerConfig = new JsonObject
        {
            ["tokenizer_class"] = "GPT2Tokenizer",
            ["bos_token"] = endOfText,
            ["eos_token"] = endOfText,
            ["unk_token"] = endOfText,
            ["add_prefix_space"] = false,
            ["model_max_length"] = config.ContextLength,
        };
        File.WriteAllText(Path.Combine(directory, "tokenizer_config.json"), tokenizerConfig.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        var specials = new JsonObject { ["bos_token"] = endOfText, ["eos_token"] = endOfText, ["unk_token"] = endOfText };
        File.WriteAllText(Path.Combine(directory, "special_tokens_map.json"), specials.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }
}
