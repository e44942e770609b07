using Stlm.Model.Architectures;
using Stlm.Model.LibTorch;
using Stlm.Model.LibTorch.Optim;
using Stlm.Model.Nn;

namespace Stlm.Tests.Model.Architectures;

/// <summary>Small configs (a few thousand parameters) and helpers shared by the model tests.</summary>
static class TinyModels
{
    public static readonly ModelConfig Base = new()
    {
        NLayers = 4,
        DModel = 32,
        NHeads = 4,
        NKvHeads = 2,
        FfnHidden = 64,
        ContextLength = 32,
        VocabSize = 64,
        Dropout = 0,
        TieEmbeddings = true,
    };

    /// <summary>Every architecture variant under test, by name.</summary>
    public static ModelConfig Variant(string name) => name switch
    {
        "tied" => Base,
        "untied" => Base with { TieEmbeddings = false },
        "mha" => Base with { NKvHeads = 4 },
        "gelu" => Base with { Activation = FfnActivation.Gelu },
        "share-ffn" => Base with { WeightSharing = WeightSharing.Ffn },
        "share-ffn-attention" => Base with { WeightSharing = WeightSharing.FfnAttention, TieEmbeddings = false },
        "interior-lora" => Base with { WeightSharing = WeightSharing.InteriorLora, LoraRank = 4 },
        _ => throw new ArgumentException(name),
    };

    public static TheoryData<string> Variants => new() { "tied", "untied", "mha", "gelu", "share-ffn", "share-ffn-attention", "interior-lora" };

    /// <summary>Deterministic token ids [B, T] in [0, vocab).</summary>
    public static Tensor Ids(int batch, int length, int vocab, int seed)
    {
        var random = new Random(seed);
        var ids = new long[batch * length];
        for (var i = 0; i < ids.Length; i++) ids[i] = random.Next(vocab);
        return Torch.From(ids, batch, length);
    }

    public static double[] Values(Tensor t) => t.To(DType.Float64).ToArray<double>();

    public static double MaxAbsDifference(Tensor a, Tensor b)
    {
        Assert.Equal(a.Shape, b.Shape);
        var (x, y) = (Values(a), Values(b));
        return x.Zip(y, (p, q) => Math.Abs(p - q)).DefaultIfEmpty(0).Max();
    }

    /// <summary>Full-batch training with AdamW (no weight decay); returns the loss of the last step.</summary>
    public static double Train(LlamaForCausalLM model, Tensor ids, Tensor targets, int steps, double lr)
    {
        using var optimizer = new AdamW(model.DecayGroups(new AdamWOptions(Lr: lr, WeightDecay: 0)));
        var loss = double.NaN;
        for (var step = 0; step < steps; step++)
        {
            using var scope = TorchScope.Begin();
            optimizer.ZeroGrad();
            var lossTensor = model.Loss(ids, targets);
            lossTensor.Backward();
            optimizer.Step();
            loss = lossTensor.ToDouble();
        }
        return loss;
    }
}
