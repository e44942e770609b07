using Stlm.Model.LibTorch;
using Stlm.Model.Nn;

namespace Stlm.Model.Architectures;

/// <summary>What generation and evaluation need of a token-level language model.</summary>
public interface ICausalLanguageModel
{
    int VocabSize { get; }
    int ContextLength { get; }
    int LayerCount { get; }

    /// <summary>
    /// ids [B, T] → logits [B, T, V]. With a cache, the ids continue the cached positions and
    /// their keys/values are appended to it.
    /// </summary>
    Tensor Forward(Tensor ids, KvCache? cache = null);
}
