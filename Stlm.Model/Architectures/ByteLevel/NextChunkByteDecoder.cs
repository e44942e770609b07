using Stlm.Model.LibTorch;
using Stlm.Model.Nn;

namespace Stlm.Model.Architectures;

/// <summary>
/// Predicts the bytes of the next chunk from one core position, autoregressively over bytes.
/// The sequence for position t is [proj(h_t), e(b₀), …, e(b_{M-1})] (teacher forcing with the
/// true next-chunk bytes b); a small causal transformer reads it, and output j predicts b_j, or
/// <see cref="ByteVocabulary.EndOfChunk"/> right after the chunk's last byte — how generation
/// knows where a token ends. Outputs after that are ignored by the loss.
/// </summary>
public sealed class NextChunkByteDecoder : Module
{
    public Linear FromCore { get; }
    public Embedding EmbedBytes { get; }
    public CausalStack Layers { get; }
    public Linear Head { get; }

    public NextChunkByteDecoder(BytePooledConfig config, Embedding embedBytes)
    {
        var std = config.Core.Block.InitStd;
        FromCore = RegisterModule("proj", new Linear(config.Core.DModel, config.ByteDim, ParameterGroup.Head, initStd: std));
        EmbedBytes = RegisterModule("embed_bytes", embedBytes);
        Layers = RegisterModule("byte_model", new CausalStack(new CoreStackConfig(config.DecoderLayers, config.ByteBlock, config.MaxTokenBytes + 1)));
        Head = RegisterModule("lm_head", new Linear(config.ByteDim, ByteVocabulary.EmbeddingRows, ParameterGroup.Head, initStd: std));
    }

    /// <summary>hidden [B, T, d], next-chunk bytes [B, T, M] → logits [B, T, M + 1, 257].</summary>
    public Tensor Forward(Tensor hidden, Tensor nextBytes)
    {
        using var scope = TorchScope.Begin();
        var (b, t, m) = (nextBytes.Size(0), nextBytes.Size(1), nextBytes.Size(2));
        var start = FromCore.Forward(hidden).Reshape(b * t, 1, -1);        // [B·T, 1, e]: the condition
        var previous = EmbedBytes.Forward(nextBytes.Reshape(b * t, m));    // [B·T, M, e]: teacher forcing
        var x = Torch.Cat([start, previous], 1);                          // [B·T, M + 1, e]
        x = Layers.Forward(x);                                            // [B·T, M + 1, e]
        return scope.Keep(Head.Forward(x).View(b, t, m + 1, -1));         // [B, T, M + 1, 257]
    }

    /// <summary>
    /// What output j of each chunk should predict: [B, T, M + 1] with the bytes, the end symbol
    /// right after the last byte, and the ignore index after that (pads never count).
    /// </summary>
    public static Tensor Targets(Tensor bytes, Tensor mask)
    {
        using var scope = TorchScope.Begin();
        var (b, t) = (bytes.Size(0), bytes.Size(1));
        var real = Torch.Where(mask, bytes, bytes.FullLike(ByteVocabulary.IgnoreIndex));   // [B, T, M]
        var padded = Torch.Cat([real, Torch.Full([b, t, 1], ByteVocabulary.IgnoreIndex, DType.Int64, bytes.Device)], -1);
        var lengths = mask.To(DType.Int64).Sum(-1, keepDim: true);                           // [B, T, 1]
        var end = lengths.FullLike(ByteVocabulary.EndOfChunk);
        return scope.Keep(padded.Scatter(-1, lengths, end));                                 // [B, T, M + 1]
    }
}
