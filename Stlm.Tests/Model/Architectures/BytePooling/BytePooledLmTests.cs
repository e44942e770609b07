using Stlm.Model.Architectures;
using Stlm.Model.LibTorch;
using Stlm.Model.Tokenizers;

namespace Stlm.Tests.Model.Architectures.BytePooling;

public class BytePooledLmTests
{
    static readonly ModelConfig Tiny = TinyCores.Core(layers: 2, d: 32, context: 16) with
    {
        Architecture = ArchitectureKind.BytePooled,
        BytePooling = new() { ByteDim = 16, ByteHeads = 2, ByteFfnHidden = 32, PoolingLayers = 2, DecoderLayers = 2, MaxTokenBytes = 6 },
    };

    static readonly int MaxTokenBytes = Tiny.BytePooling.MaxTokenBytes;

    static readonly BpeTokenizer Bpe = new(BpeTrainer.Train([SyntheticEnglish.Generate(20_000, seed: 3)], 300), "bpe(300)");

    /// <summary>Mean cross-entropy per predicted byte (end symbols included, pads left out) of a batch of T + 1 chunks.</summary>
    static Tensor ByteLoss(BytePooledLm model, ByteChunkBatch batch)
    {
        var logits = model.Forward(batch);                                                    // [B, T, M + 1, 257]
        var targets = NextChunkByteDecoder.Targets(batch.Targets.Bytes, batch.Targets.Mask);  // [B, T, M + 1]
        return Stlm.Model.LibTorch.Functional.CrossEntropy(logits.Reshape(-1, logits.Size(-1)), targets.Reshape(-1), ignoreIndex: ByteVocabulary.IgnoreIndex);
    }

    /// <summary>Two rows of <paramref name="chunks"/> chunks cut from synthetic English at BPE boundaries.</summary>
    static ByteChunkBatch Batch(int chunks, int seed) => ByteChunkBatch.Collate(Rows(chunks, seed), MaxTokenBytes);

    static List<byte[]>[] Rows(int chunks, int seed)
    {
        var all = ByteChunker.Chunk(SyntheticEnglish.Generate(2_000, seed), Bpe, MaxTokenBytes);
        return [all.Take(chunks).ToList(), all.Skip(100).Take(chunks).ToList()];
    }

    [Fact]
    public void Chunks_follow_the_bpe_boundaries_and_rejoin_to_the_text()
    {
        const string text = "The little robot said hello, and the unexpectedly cheerful cat ran away. Grüße!";
        var ids = Bpe.Encode(text);
        var chunks = ByteChunker.Chunk(text, Bpe, maxTokenBytes: 4);

        Assert.Equal(text, ByteChunker.Join(chunks));
        Assert.All(chunks, c => Assert.InRange(c.Length, 1, 4));
        var lengths = ((ITokenizer)Bpe).TokenByteLengths(ids);
        Assert.Equal(lengths.Sum(l => (l + 3) / 4), chunks.Count);   // a long token becomes ⌈len / 4⌉ chunks
        // From token shards: the ids of the same text give the same chunks.
        Assert.Equal(chunks.Select(Convert.ToHexString), ByteChunker.Chunk(ids, Bpe, maxTokenBytes: 4).Select(Convert.ToHexString));
    }

    [Fact]
    public void Collate_pads_with_the_pad_id_and_marks_real_bytes()
    {
        using var scope = TorchScope.Begin();
        var batch = ByteChunkBatch.Collate([[[65, 66], [67]], [[68], [69, 70, 71]]], maxTokenBytes: 3);

        Assert.Equal([2L, 2, 3], batch.Bytes.Shape);
        Assert.Equal([65L, 66, 256, 67, 256, 256, 68, 256, 256, 69, 70, 71], batch.Bytes.ToArray<long>());
        Assert.Equal([true, true, false, true, false, false, true, false, false, true, true, true], batch.Mask.ToArray<bool>());
    }

    [Fact]
    public void Decoder_targets_are_the_bytes_then_end_then_ignored()
    {
        using var scope = TorchScope.Begin();
        var batch = ByteChunkBatch.Collate([[[65, 66], [67, 68, 69]]], maxTokenBytes: 3);

        var targets = NextChunkByteDecoder.Targets(batch.Bytes, batch.Mask);

        Assert.Equal([65L, 66, 256, -100, 67, 68, 69, 256], targets.ToArray<long>());
    }

    [Fact]
    public void Changing_a_later_byte_never_changes_earlier_predictions()
    {
        using var scope = TorchScope.Begin();
        using var _ = Torch.NoGrad();
        var model = new BytePooledLm(Tiny, Bpe, seed: 3);
        var batch = Batch(chunks: 9, seed: 1);
        // Change byte 1 of the first chunk k ≥ 3 of row 0 that has two bytes (the mask stays the same).
        var k = Enumerable.Range(3, 5).First(i => batch.Mask.Select(0, 0).Select(0, i).Select(0, 1).Item<bool>());
        var changed = batch with { Bytes = batch.Bytes.Clone() };
        var at = changed.Bytes.Select(0, 0).Select(0, k).Narrow(0, 1, 1);
        at.CopyInPlace(at + 1);

        var before = model.Forward(batch);   // [B, 8, M + 1, 257]: position t predicts chunk t + 1
        var after = model.Forward(changed);

        // Positions 0..k-2 predict chunks 1..k-1; position k-1 predicts chunk k, whose outputs 0..1 come before its byte 1.
        Assert.True(TinyCores.MaxAbsDifference(before.Narrow(1, 0, k - 1), after.Narrow(1, 0, k - 1)) < 1e-6);
        Assert.True(TinyCores.MaxAbsDifference(before.Select(1, k - 1).Narrow(1, 0, 2), after.Select(1, k - 1).Narrow(1, 0, 2)) < 1e-6);
        Assert.True(TinyCores.MaxAbsDifference(before.Select(1, k - 1).Narrow(1, 2, 5), after.Select(1, k - 1).Narrow(1, 2, 5)) > 1e-5,
            "the decoder's later outputs read the changed byte");
        Assert.True(TinyCores.MaxAbsDifference(before.Narrow(1, k, 8 - k), after.Narrow(1, k, 8 - k)) > 1e-5,
            "later positions read the changed chunk through the core");
    }

    [Fact]
    public void Pad_ids_never_change_the_loss()
    {
        using var scope = TorchScope.Begin();
        using var _ = Torch.NoGrad();
        var model = new BytePooledLm(Tiny, Bpe, seed: 4);
        var batch = Batch(chunks: 9, seed: 2);
        var randomBytes = TinyCores.Ids(2, 9 * MaxTokenBytes, 256, seed: 5).View(2, 9, MaxTokenBytes);
        var repadded = batch with { Bytes = Torch.Where(batch.Mask, batch.Bytes, randomBytes) };
        Assert.False(repadded.Bytes.Eq(batch.Bytes).All());

        var loss = ByteLoss(model, batch).ToDouble();
        var lossRepadded = ByteLoss(model, repadded).ToDouble();

        Assert.Equal(loss, lossRepadded, 1e-6);
    }

    [Fact]
    public void Parameter_count_equals_the_closed_form()
    {
        using var scope = TorchScope.Begin();
        var model = new BytePooledLm(Tiny, Bpe, seed: 1);
        var bytes = Tiny.BytePooling;
        long e = bytes.ByteDim, d = Tiny.DModel, rows = 257;
        var byteStack = (int layers) => TinyCores.StackParameters(layers, bytes.ByteStack(Tiny, layers, MaxTokenBytes));
        var core = TinyCores.StackParameters(Tiny.NLayers, Tiny);
        var outside = rows * e                                  // one byte table, shared by encoder and decoder
            + byteStack(bytes.PoolingLayers) + e * d            // chunk encoder and its projection to the core
            + d * e + byteStack(bytes.DecoderLayers) + e * rows;  // decoder: condition, blocks, byte head

        Assert.Equal(core + outside, model.CountParameters().Total);
        Assert.Equal(outside, model.EmbeddingAndHeadParameters);
    }

    [Fact]
    public void Overfits_one_small_batch_to_near_zero_loss_and_then_generates_it()
    {
        using var scope = TorchScope.Begin();
        var model = new BytePooledLm(Tiny, Bpe, seed: 5);
        var rows = Rows(chunks: 7, seed: 3);
        var batch = ByteChunkBatch.Collate(rows, MaxTokenBytes);
        var initial = ByteLoss(model, batch).ToDouble();

        var final = TinyCores.Train(model, () => ByteLoss(model, batch), steps: 150, lr: 1e-2);

        Assert.InRange(initial, 4.5, 6.5);   // ≈ ln 257 at init
        Assert.True(final < 0.05, $"loss after 150 steps: {final}");

        // Greedy generation spells the memorised continuation, chunk boundaries included.
        var generated = BytePooledGenerator.Greedy(model, rows[0].Take(3).ToList(), maxNewChunks: 4);
        Assert.Equal(rows[0].Skip(3).Select(Convert.ToHexString), generated.Select(Convert.ToHexString));
    }
}
