using Stlm.Model.LibTorch;
using Stlm.Model.Nn;
using Stlm.Model.Tokenizers;
using Stlm.Model.Training;
using F = Stlm.Model.LibTorch.Functional;

namespace Stlm.Model.Architectures;

/// <summary>
/// The byte-pooling model trained on BPE token shards: the BPE (the run's tokenizer) only says
/// where chunks end. Each row's T + 1 ids are spelled back into bytes and cut into chunks at
/// their token boundaries (a token longer than max-token-bytes gives several chunks), and the
/// first T + 1 chunks make the row: the core sees T chunks and predicts the bytes of each next
/// one. The loss is nats per target token, like a token model's: the byte cross-entropy summed
/// over the predicted chunks (end-of-chunk symbols included), per byte predicted, times the
/// target tokens' bytes, over the number of targets. With no token split the predicted chunks are
/// exactly the targets; a split crops the row, and the per-byte rate stands in for the cropped
/// bytes. So loss × targets is the batch's negative log-likelihood over the targets' bytes, which
/// is what held-out bits per byte add up.
/// </summary>
public sealed class BytePooledLanguageModel(BytePooledLm model, ITokenizer boundaries) : ILanguageModel
{
    public BytePooledLm Model { get; } = model;
    public ITokenizer Boundaries { get; } = boundaries;
    public Module Module => Model;

    public Tensor Loss(Tensor inputs, Tensor targets)
    {
        using var scope = TorchScope.Begin();
        var (rows, targetBytes, predictedBytes) = Rows(inputs, targets);
        var batch = ByteChunkBatch.Collate(rows, Model.Config.MaxTokenBytes, Model.Device);                   // [B, T + 1, M]
        var logits = Model.Forward(batch);                                                                   // [B, T, M + 1, 257]
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
            var row = ByteChunker.Chunk(ids, Boundaries, Model.Config.MaxTokenBytes).Take(t + 1).ToList();
            rows.Add(row);
            targetBytes += Boundaries.TokenByteLengths(ids.AsSpan(1)).Sum();
            predictedBytes += row.Skip(1).Sum(c => (long)c.Length);
        }
        return (rows, targetBytes, predictedBytes);
    }
}
