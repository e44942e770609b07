using System.Text;
using Stlm.Model.LibTorch;
using Stlm.Model.Nn;
using Stlm.Model.Tokenizers;
using Stlm.Model.Training;
using F = Stlm.Model.LibTorch.Functional;

namespace Stlm.Model.Architectures;

// The byte-level model with pooling, in reading order:
//   1. ByteChunker          text → chunks of 1..M bytes at the BPE's token boundaries
//   2. ByteChunkBatch       rows of chunks → bytes and mask [B, T, M]
//   3. ByteChunkEncoder     each chunk's bytes → one vector [B, T, d] (pooling)
//   4. BytePooledLm         the core over chunks, and the loss
//   5. NextChunkByteDecoder h_t → the bytes of chunk t + 1 [B, T, M + 1, 257]
// B batch, T chunks, M max-token-bytes, e byte-dim, d d-model.

/// <summary>
/// Cuts UTF-8 text into the byte-pooling model's chunks at the boundaries of a BPE tokenizer:
/// the tokenizer only says where tokens end (<see cref="ITokenizer.TokenByteLengths"/>); its ids
/// are never embedded. A token longer than max-token-bytes becomes several chunks, so no byte is
/// ever dropped and the chunks always concatenate back to the text.
/// </summary>
public static class ByteChunker
{
    /// <summary>Chunks of <paramref name="utf8"/> whose lengths follow <paramref name="tokenByteLengths"/>.</summary>
    public static List<byte[]> Chunk(ReadOnlySpan<byte> utf8, ReadOnlySpan<int> tokenByteLengths, int maxTokenBytes)
    {
        if (maxTokenBytes <= 0) throw new StlmException($"byte-pooling: max-token-bytes must be positive, got {maxTokenBytes}");
        var chunks = new List<byte[]>(tokenByteLengths.Length);
        var offset = 0;
        foreach (var length in tokenByteLengths)
        {
            if (length <= 0 || offset + length > utf8.Length)
                throw new ArgumentException($"token byte lengths do not cover the text: a length {length} at byte {offset} of {utf8.Length}");
            for (var start = 0; start < length; start += maxTokenBytes)
                chunks.Add(utf8.Slice(offset + start, Math.Min(maxTokenBytes, length - start)).ToArray());
            offset += length;
        }
        if (offset != utf8.Length)
            throw new ArgumentException($"token byte lengths add up to {offset} bytes but the text has {utf8.Length}");
        return chunks;
    }

    /// <summary>Chunks of a text at the boundaries <paramref name="boundaries"/> finds in it.</summary>
    public static List<byte[]> Chunk(string text, ITokenizer boundaries, int maxTokenBytes) =>
        Chunk(boundaries.Encode(text), boundaries, maxTokenBytes);

    /// <summary>Chunks of already tokenised ids (e.g. a window read from BPE token shards).</summary>
    public static List<byte[]> Chunk(ReadOnlySpan<int> ids, ITokenizer boundaries, int maxTokenBytes) =>
        Chunk(boundaries.DecodeBytes(ids), boundaries.TokenByteLengths(ids), maxTokenBytes);

    /// <summary>The text back from its chunks (the inverse of <see cref="Chunk(string, ITokenizer, int)"/>).</summary>
    public static string Join(IEnumerable<byte[]> chunks) => Encoding.UTF8.GetString(chunks.SelectMany(c => c).ToArray());
}

/// <summary>
/// A batch for the byte-pooling model: Bytes [B, T, M] (int64 byte ids, each chunk left-aligned
/// and padded with <see cref="ByteVocabulary.Pad"/>) and Mask [B, T, M] (bool, true on real bytes).
/// A training batch holds T + 1 chunks per row: chunks 0..T-1 are the input and each position
/// learns the bytes of the chunk after it (<see cref="Inputs"/>, <see cref="Targets"/>).
/// </summary>
public sealed record ByteChunkBatch(Tensor Bytes, Tensor Mask)
{
    public long BatchSize => Bytes.Size(0);
    public long Chunks => Bytes.Size(1);
    public long MaxTokenBytes => Bytes.Size(2);

    /// <summary>Chunks 0 .. T-2 (what the model reads).</summary>
    public ByteChunkBatch Inputs => new(Bytes.Narrow(1, 0, Chunks - 1), Mask.Narrow(1, 0, Chunks - 1));

    /// <summary>Chunks 1 .. T-1 (what each position predicts, byte by byte).</summary>
    public ByteChunkBatch Targets => new(Bytes.Narrow(1, 1, Chunks - 1), Mask.Narrow(1, 1, Chunks - 1));

    /// <summary>
    /// Pads each chunk to <paramref name="maxTokenBytes"/> and stacks the rows. Every row must
    /// hold the same number of chunks (cut windows of T + 1 chunks first).
    /// </summary>
    public static ByteChunkBatch Collate(IReadOnlyList<IReadOnlyList<byte[]>> rows, int maxTokenBytes, Device? device = null)
    {
        if (rows.Count == 0) throw new ArgumentException("a batch needs at least one row");
        var t = rows[0].Count;
        if (rows.Any(r => r.Count != t))
            throw new ArgumentException($"every row of a batch must hold the same number of chunks; got {string.Join(", ", rows.Select(r => r.Count))}");
        var ids = new long[rows.Count * t * maxTokenBytes];
        var mask = new bool[ids.Length];
        Array.Fill(ids, ByteVocabulary.Pad);
        for (var b = 0; b < rows.Count; b++)
            for (var i = 0; i < t; i++)
            {
                var chunk = rows[b][i];
                if (chunk.Length == 0 || chunk.Length > maxTokenBytes)
                    throw new ArgumentException($"chunk {i} of row {b} has {chunk.Length} bytes; chunks hold 1 to {maxTokenBytes} (use ByteChunker)");
                var at = (b * t + i) * maxTokenBytes;
                for (var j = 0; j < chunk.Length; j++)
                {
                    ids[at + j] = chunk[j];
                    mask[at + j] = true;
                }
            }
        long[] shape = [rows.Count, t, maxTokenBytes];
        var bytes = Torch.From<long>(ids, shape);
        var masks = Torch.From<bool>(mask, shape);
        return device is { } d ? new ByteChunkBatch(bytes.To(d), masks.To(d)) : new ByteChunkBatch(bytes, masks);
    }
}

/// <summary>
/// One vector per chunk: embed its bytes (small dim), run a small transformer over the bytes of
/// each chunk separately, take the masked mean over the real bytes and project it to the core's
/// width. The encoder's attention is causal within the chunk; since padding always comes after
/// the bytes, no real byte ever attends to a pad, and the mean leaves the pads out — so pad ids
/// have no influence at all.
/// </summary>
public sealed class ByteChunkEncoder : Module
{
    public Embedding EmbedBytes { get; }
    public CausalStack Layers { get; }
    public Linear ToCore { get; }

    public ByteChunkEncoder(ModelConfig config, Embedding embedBytes)
    {
        var bytes = config.BytePooling;
        EmbedBytes = RegisterModule("embed_bytes", embedBytes);
        Layers = RegisterModule("byte_model", new CausalStack(bytes.ByteStack(config, bytes.PoolingLayers, bytes.MaxTokenBytes)));
        ToCore = RegisterModule("proj", new Linear(bytes.ByteDim, config.DModel, ParameterGroup.Embedding, initStd: config.InitStd));
    }

    /// <summary>bytes, mask: [B, T, M] → chunk vectors [B, T, d].</summary>
    public Tensor Forward(Tensor bytes, Tensor mask)
    {
        using var scope = TorchScope.Begin();
        var (b, t, m) = (bytes.Size(0), bytes.Size(1), bytes.Size(2));
        var x = EmbedBytes.Forward(bytes.Reshape(b * t, m));              // [B·T, M, e]
        x = Layers.Forward(x);                                            // [B·T, M, e], each chunk on its own
        var weights = mask.Reshape(b * t, m, 1).To(x.DType);              // [B·T, M, 1], 1 on real bytes
        var pooled = (x * weights).Sum(1) / weights.Sum(1).Clamp(min: 1); // [B·T, e], masked mean
        return scope.Keep(ToCore.Forward(pooled).View(b, t, -1));         // [B, T, d]
    }
}

/// <summary>
/// The paper's byte-level tokenizer with pooling, top to bottom:
///   chunks of bytes at BPE boundaries → ByteChunkEncoder → one vector per chunk [B, T, d]
///   → the Llama core (<see cref="CausalStack"/>), causal over chunks → hidden [B, T, d]
///   → NextChunkByteDecoder: the bytes of chunk t + 1 from h_t, one byte at a time.
/// The vocabulary is 257 byte ids instead of a BPE's ~50k, which is where the embedding and
/// head parameters go (<see cref="EmbeddingAndHeadParameters"/>). One byte table is shared by
/// the encoder and the decoder's input. It trains on BPE token shards: the BPE (the run's
/// tokenizer, <see cref="Boundaries"/>) only says where chunks end; its ids are never embedded.
/// </summary>
public sealed class BytePooledLm : Module, ILanguageModel
{
    public ModelConfig Config { get; }
    public ITokenizer Boundaries { get; }
    public Embedding EmbedBytes { get; }
    public ByteChunkEncoder Encoder { get; }
    public CausalStack Model { get; }
    public NextChunkByteDecoder Decoder { get; }
    readonly Dropout embeddingDropout;

    /// <summary>The model section: its stack is the core over chunks, model.byte-pooling the byte encoder and decoder.</summary>
    public BytePooledLm(ModelConfig config, ITokenizer boundaries, ulong seed)
    {
        config.Validate();
        config.BytePooling.Validate(config);
        Config = config;
        Boundaries = boundaries;
        EmbedBytes = new Embedding(ByteVocabulary.EmbeddingRows, config.BytePooling.ByteDim, initStd: config.InitStd);
        Encoder = RegisterModule("encoder", new ByteChunkEncoder(config, EmbedBytes));
        embeddingDropout = RegisterModule("embed_dropout", new Dropout(config.Dropout));
        Model = RegisterModule("model", new CausalStack(config));
        Decoder = RegisterModule("decoder", new NextChunkByteDecoder(config, EmbedBytes));
        InitializeWeights(seed);
    }

    /// <summary>Longest chunk in bytes (M).</summary>
    public int MaxTokenBytes => Config.BytePooling.MaxTokenBytes;

    Module ILanguageModel.Module => this;

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

    /// <summary>
    /// The loss of BPE ids [B, T] against targets [B, T], in nats per target token like a token
    /// model's. Each row's T + 1 ids are spelled back into bytes and cut into chunks at their
    /// token boundaries (a token longer than max-token-bytes gives several chunks), and the first
    /// T + 1 chunks make the row: the core sees T chunks and predicts the bytes of each next one.
    /// The byte cross-entropy is summed over the predicted chunks (end-of-chunk symbols included),
    /// taken per byte predicted, times the target tokens' bytes, over the number of targets. With
    /// no token split the predicted chunks are exactly the targets; a split crops the row, and the
    /// per-byte rate stands in for the cropped bytes. So loss × targets is the batch's negative
    /// log-likelihood over the targets' bytes, which is what held-out bits per byte add up.
    /// </summary>
    public Tensor Loss(Tensor inputs, Tensor targets)
    {
        using var scope = TorchScope.Begin();
        var (rows, targetBytes, predictedBytes) = Rows(inputs, targets);
        var batch = ByteChunkBatch.Collate(rows, MaxTokenBytes, Device);                                      // [B, T + 1, M]
        var logits = Forward(batch);                                                                         // [B, T, M + 1, 257]
        var next = NextChunkByteDecoder.Targets(batch.Targets.Bytes, batch.Targets.Mask);                    // [B, T, M + 1]
        var summed = F.CrossEntropy(logits.Reshape(-1, logits.Size(-1)), next.Reshape(-1), Reduction.Sum, ignoreIndex: ByteVocabulary.IgnoreIndex);
        return scope.Keep(summed * ((double)targetBytes / predictedBytes / targets.NumEl));
    }

    /// <summary>Each row's ids (inputs then the last target) as its first T + 1 chunks; the bytes of the target tokens and of the predicted chunks.</summary>
    (List<IReadOnlyList<byte[]>> Rows, long TargetBytes, long PredictedBytes) Rows(Tensor inputs, Tensor targets)
    {
        var (b, t) = ((int)inputs.Size(0), (int)inputs.Size(1));
        var ins = inputs.To(Device.Cpu).To(DType.Int64).ToArray<long>();
        var outs = targets.To(Device.Cpu).To(DType.Int64).ToArray<long>();
        var rows = new List<IReadOnlyList<byte[]>>(b);
        var ids = new int[t + 1];
        long targetBytes = 0, predictedBytes = 0;
        for (var r = 0; r < b; r++)
        {
            for (var i = 0; i < t; i++) ids[i] = (int)ins[r * t + i];
            ids[t] = (int)outs[r * t + t - 1];
            var row = ByteChunker.Chunk(ids, Boundaries, MaxTokenBytes).Take(t + 1).ToList();
            rows.Add(row);
            targetBytes += Boundaries.TokenByteLengths(ids.AsSpan(1)).Sum();
            predictedBytes += row.Skip(1).Sum(c => (long)c.Length);
        }
        return (rows, targetBytes, predictedBytes);
    }

    /// <summary>Everything but the core: the paper's "embedding + head" of a byte-level model.</summary>
    public long EmbeddingAndHeadParameters => CountParameters().Total - Model.CountParameters().Total;
}

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

    public NextChunkByteDecoder(ModelConfig config, Embedding embedBytes)
    {
        var (bytes, std) = (config.BytePooling, config.InitStd);
        FromCore = RegisterModule("proj", new Linear(config.DModel, bytes.ByteDim, ParameterGroup.Head, initStd: std));
        EmbedBytes = RegisterModule("embed_bytes", embedBytes);
        Layers = RegisterModule("byte_model", new CausalStack(bytes.ByteStack(config, bytes.DecoderLayers, bytes.MaxTokenBytes + 1)));
        Head = RegisterModule("lm_head", new Linear(bytes.ByteDim, ByteVocabulary.EmbeddingRows, ParameterGroup.Head, initStd: std));
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
