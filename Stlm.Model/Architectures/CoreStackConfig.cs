using Stlm.Model.Nn;

namespace Stlm.Model.Architectures;

/// <summary>
/// The Llama-style core the byte-level and early-exit architectures run: n pre-norm blocks of
/// one <see cref="BlockConfig"/> with RoPE over <see cref="ContextLength"/> positions. It is the
/// same stack as the baseline's `model { n-layers, d-model, n-heads, … }` keys, so "the same core"
/// means the same values here.
/// </summary>
public sealed record CoreStackConfig(int NLayers, BlockConfig Block, int ContextLength, double RopeTheta = 10000.0)
{
    public int DModel => Block.DModel;

    public void Validate(string section)
    {
        Block.Validate();
        if (NLayers <= 0) throw new StlmException($"{section}: n-layers must be positive, got {NLayers}");
        if (ContextLength <= 0) throw new StlmException($"{section}: context-length must be positive, got {ContextLength}");
    }
}
