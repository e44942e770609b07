using Stlm.Model.LibTorch;
using Stlm.Model.Nn;
using F = Stlm.Model.LibTorch.Functional;

namespace Stlm.Model.Architectures;

/// <summary>
/// The paper's byte-level tokenizer with pooling, top to bottom:
///   chunks of bytes at BPE boundaries → ByteChunkEncoder → one vector per chunk [B, T, d]
///   → the Llama-style core, causal over chunks → hidden [B, T, d]
///   → NextChunkByteDecoder: the bytes of chunk t + 1 from h_t, one byte at a time.
/// The vocabulary is 257 byte ids instead of a BPE's ~50k, which is where the embedding and
/// head parameters go (<see cref="EmbeddingAndHeadParameters"/>). One byte table is shared by
/// the encoder and the decoder's input.
/// </summary>
public sealed class BytePooledLm : Module
{
    public BytePooledConfig Config { get; }
    public Embedding EmbedBytes { get; }
    public ByteChunkEncoder Encoder { get; }
    public CausalStack Model { get; }
    public NextChunkByteDecoder Decoder { get; }
    readonly Dropout embeddingDropout;

    public BytePooledLm(BytePooledConfig config, ulong seed)
    {
        config.Validate();
        Config = config;
        EmbedBytes = new Embedding(ByteVocabulary.EmbeddingRows, config.ByteDim, initStd: config.Core.Block.InitStd);
        Encoder = RegisterModule("encoder", new ByteChunkEncoder(config, EmbedBytes));
        embeddingDropout = RegisterModule("embed_dropout", new Dropout(config.Core.Block.Dropout));
        Model = RegisterModule("model", new CausalStack(config.Core));
        Decoder = RegisterModule("decoder", new NextChunkByteDecoder(config, EmbedBytes));
        InitializeWeights(seed);
    }

    /// <summary>Logits for the bytes of each next chunk: inputs [B, T, M], next bytes [B, T, M] → [B, T, M + 1, 257].</summary>
    public Tensor Forward(ByteChunkBatch inputs, Tensor nextBytes)
    {
        using var scope = TorchScope.Begin();
        var chunks = embeddingDropout.Forward(Encoder.Forward(inputs.Bytes, inputs.Mask));   // [B, T, d]
        var hidden = Model.Forward(chunks);                                                  // [B, T, d]
        return scope.Keep(Decoder.Forward(hidden, nextBytes));                               // [B, T, M + 1, 257]
    }

    /// <summary>Logits of a training batch of T + 1 chunks: [B, T, M + 1, 257].</summary>
    public Tensor Forward(ByteChunkBatch batch) => Forward(batch.Inputs, batch.Targets.Bytes);

    /// <summary>Mean cross-entropy per predicted byte (end symbols included, pads excluded) of a batch of T + 1 chunks.</summary>
    public Tensor Loss(ByteChunkBatch batch)
    {
        using var scope = TorchScope.Begin();
        var logits = Forward(batch);                                                          // [B, T, M + 1, 257]
        var targets = NextChunkByteDecoder.Targets(batch.Targets.Bytes, batch.Targets.Mask);  // [B, T, M + 1]
        return scope.Keep(F.CrossEntropy(logits.Reshape(-1, logits.Size(-1)), targets.Reshape(-1), ignoreIndex: ByteVocabulary.IgnoreIndex));
    }

    /// <summary>Everything but the core: the paper's "embedding + head" of a byte-level model.</summary>
    public long EmbeddingAndHeadParameters => CountParameters().Total - Model.CountParameters().Total;
}
