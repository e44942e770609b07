namespace Stlm.Model.Nn;

public enum FfnActivation
{
    /// <summary>down(silu(gate(x)) · up(x)) — Llama's SwiGLU.</summary>
    Swiglu,
    /// <summary>down(gelu(up(x))) — GPT-2's MLP without biases.</summary>
    Gelu,
}

/// <summary>
/// Everything one pre-norm transformer block needs, independent of any model: the baseline's
/// layers use it, and so can a small chunk encoder or MEGABYTE's local model at another width.
/// </summary>
public sealed record BlockConfig(
    int DModel,
    int NHeads,
    int NKvHeads,
    int FfnHidden,
    FfnActivation Activation = FfnActivation.Swiglu,
    double NormEps = 1e-5,
    double Dropout = 0.0,
    double InitStd = 0.02)
{
    public int HeadDim => DModel / NHeads;

    /// <summary>Query heads per key/value head (1 = plain multi-head attention).</summary>
    public int KvGroups => NHeads / NKvHeads;

    public void Validate()
    {
        if (DModel <= 0 || NHeads <= 0 || NKvHeads <= 0 || FfnHidden <= 0)
            throw new StlmException($"model: d-model ({DModel}), n-heads ({NHeads}), n-kv-heads ({NKvHeads}) and ffn-hidden ({FfnHidden}) must be positive");
        if (DModel % NHeads != 0)
            throw new StlmException($"model: d-model {DModel} is not divisible by n-heads {NHeads}; pick n-heads dividing d-model");
        if (HeadDim % 2 != 0)
            throw new StlmException($"model: head size d-model/n-heads = {HeadDim} is odd; rotary embeddings need an even head size");
        if (NHeads % NKvHeads != 0)
            throw new StlmException($"model: n-heads {NHeads} is not a multiple of n-kv-heads {NKvHeads}; grouped-query attention needs whole groups");
        if (Dropout is < 0 or >= 1)
            throw new StlmException($"model: dropout {Dropout} must be in [0, 1)");
    }
}
