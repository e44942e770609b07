using System.Text.Json;
using Stlm.Model.Architectures;
using Stlm.Model.LibTorch;

namespace Stlm.Tests.Model.Architectures;

/// <summary>
/// Against Fixtures/Model/hf-llama-tiny: random Llama weights in Hugging Face's layout and the
/// logits a PyTorch transcription of transformers' modeling_llama gives for them
/// (hf_llama_reference.py beside the fixture made both).
/// </summary>
public class HfReferenceTests
{
    static string Fixture => Path.Combine(AppContext.BaseDirectory, "Fixtures", "Model", "hf-llama-tiny");

    [Fact]
    public void A_hugging_face_llama_checkpoint_loads_and_gives_the_reference_logits()
    {
        using var scope = TorchScope.Begin();
        using var _ = Torch.NoGrad();
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixture, "expected.json")));
        var ids = json.RootElement.GetProperty("ids").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetInt64()).ToArray()).ToArray();
        var expected = json.RootElement.GetProperty("logits").EnumerateArray()
            .SelectMany(b => b.EnumerateArray().SelectMany(t => t.EnumerateArray().Select(v => v.GetDouble()))).ToArray();

        var model = LlamaExport.Read(Fixture);
        model.Eval();
        var logits = TinyModels.Values(model.Forward(Torch.From(ids.SelectMany(r => r).ToArray(), ids.Length, ids[0].Length)));

        Assert.Equal(2 * 4, model.Config.NHeads * model.Config.NKvHeads);
        Assert.False(model.Config.TieEmbeddings);
        Assert.Equal(expected.Length, logits.Length);
        var worst = expected.Zip(logits, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(worst < 1e-4, $"largest difference from the reference: {worst}");
    }
}
