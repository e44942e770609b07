using System.Text;
using Stlm.Actors.Configuration;
using Stlm.Actors.Training.Recipe;
using Stlm.Model.Architectures;
using Stlm.Model.Eval;
using Stlm.Model.LibTorch;
using Stlm.Tests.Model.Architectures.BytePooling;
using Stlm.Tests.Support;

namespace Stlm.Tests.Model.Eval;

/// <summary>What the byte-level scorers report against the models' probabilities computed by brute force.</summary>
public class ExactScoringTests
{
    [Fact]
    public void Megabyte_scores_a_text_exactly_as_the_chain_rule_of_its_next_byte_distributions_and_as_its_training_loss()
    {
        using var dir = new TempDirectory();
        using var scope = TorchScope.Begin();
        var (built, tokenizer) = TinyCheckpoints.Build(TinyCheckpoints.Config("megabyte", dir.Path));
        var model = (MegabyteLm)built;
        var scorer = ScoringModels.For(built, tokenizer);
        var text = Encoding.UTF8.GetBytes("a cat.");

        var scored = scorer.ScoreText("a cat.", stride: scorer.ContextLength - 1);

        // Brute force: one forward pass per byte, reading the separator and the bytes before it plus a placeholder (as generation does).
        double nll = 0;
        using (Torch.NoGrad())
            for (var i = 0; i < text.Length; i++)
            {
                long[] window = [MegabyteLm.DocumentSeparator, .. text[..i].Select(b => (long)b), 0];
                var logits = model.Forward(Torch.From(window, 1, window.Length)).Select(1, window.Length - 1).Reshape(-1);
                nll -= logits.LogSoftmax(-1, DType.Float32).ToArray<float>()[text[i]];
            }
        // Training: ids of the byte tokenizer, end-of-text (256) first, the loss per target byte.
        long[] ids = [256, .. text.Select(b => (long)b)];
        double loss;
        using (Torch.NoGrad())
            loss = built.Loss(Torch.From(ids[..^1], 1, text.Length), Torch.From(ids[1..], 1, text.Length)).ToDouble();

        Assert.True(scorer.Exactness.IsExact);
        Assert.Equal(text.Length, scored.Tokens);
        Assert.Equal(nll, scored.NllNats, 4);
        Assert.Equal(loss * text.Length, scored.NllNats, 4);
    }

    [Fact]
    public void Byte_pooled_scores_the_bpe_segmentation_which_bounds_the_sum_over_every_segmentation_from_above()
    {
        using var dir = new TempDirectory();
        using var scope = TorchScope.Begin();
        var bpe = TinyCheckpoints.LearnBpe(dir.File("bpe"));
        var (built, tokenizer) = TinyCheckpoints.Build(TinyCheckpoints.Config("byte-pooled", dir.Path, bpe));
        var model = (BytePooledLm)built;
        var scorer = ScoringModels.For(built, tokenizer);
        const string text = "a cat";   // 5 bytes: 15 segmentations into chunks of 1..4 bytes, all within the core's context after end-of-text's 4 chunks
        var start = ByteChunker.Chunk([tokenizer.EndOfText!.Value], tokenizer, model.MaxTokenBytes);
        var canonical = ByteChunker.Chunk(text, tokenizer, model.MaxTokenBytes);

        var scored = scorer.ScoreText(text, stride: scorer.ContextLength - 1);

        var terms = BytePooledReference.Segmentations(Encoding.UTF8.GetBytes(text), model.MaxTokenBytes)
            .Select(s => (Chunks: s, LogProb: BytePooledReference.LogProb(model, [.. start, .. s], start.Count)))
            .ToList();
        var exact = -LogSumExp(terms.Select(t => t.LogProb));
        var bpeTerm = terms.Single(t => t.Chunks.Select(Convert.ToHexString).SequenceEqual(canonical.Select(Convert.ToHexString))).LogProb;

        Assert.Equal(15, terms.Count);
        Assert.False(scorer.Exactness.IsExact);
        Assert.StartsWith("upper bound", scorer.Exactness.Note);
        Assert.Equal(canonical.Count, scored.Tokens);
        Assert.Equal(-bpeTerm, scored.NllNats, 4);
        Assert.True(exact < scored.NllNats, $"−log Σ = {exact} should be below the BPE term's {scored.NllNats}");
        Assert.True(exact > 0);
    }

    [Fact]
    public void Byte_pooled_chunk_probabilities_sum_to_one_over_every_chunk_the_model_can_produce()
    {
        using var dir = new TempDirectory();
        using var scope = TorchScope.Begin();
        var bpe = TinyCheckpoints.LearnBpe(dir.File("bpe"));
        var config = TrainConfigLoader.Load(null, [.. TinyCheckpoints.Sets("byte-pooled", dir.Path, bpe), "model.byte-pooling.max-token-bytes=2"]);
        var recipe = TrainingRecipe.From(config);
        var model = (BytePooledLm)recipe.BuildModel(recipe.LoadTokenizer());
        model.Eval();
        // Every chunk of 1 or 2 bytes (256 + 65,536), each predicted from the same core state.
        var chunks = Enumerable.Range(0, 256).Select(a => new[] { (byte)a })
            .Concat(Enumerable.Range(0, 256 * 256).Select(ab => new[] { (byte)(ab / 256), (byte)(ab % 256) }))
            .ToArray();
        double normalised, raw;
        using (Torch.NoGrad())
        {
            var batch = ByteChunkBatch.Collate([chunks], maxTokenBytes: 2);                                  // [1, N, 2]
            var hidden = Torch.Randn([1, 1, model.Config.DModel]).Expand(1, chunks.Length, -1);         // one state for every chunk
            var logits = model.Decoder.Forward(hidden, batch.Bytes);                                         // [1, N, 3, 257]
            normalised = ChunkLogProbabilities.Of(logits, batch.Bytes, batch.Mask).To(DType.Float64).Exp().Sum().ToDouble();
            var targets = NextChunkByteDecoder.Targets(batch.Bytes, batch.Mask);
            var rawNll = Stlm.Model.LibTorch.Functional.CrossEntropy(logits.Reshape(-1, 257), targets.Reshape(-1), Reduction.None, ignoreIndex: ByteVocabulary.IgnoreIndex);
            raw = rawNll.View(chunks.Length, -1).Sum(-1).Neg().To(DType.Float64).Exp().Sum().ToDouble();
        }

        Assert.Equal(1.0, normalised, 4);
        Assert.True(raw < 0.999, $"the raw softmax leaves mass on impossible chunks: it sums to {raw}");
    }

    static double LogSumExp(IEnumerable<double> xs)
    {
        var list = xs.ToList();
        var max = list.Max();
        return max + Math.Log(list.Sum(x => Math.Exp(x - max)));
    }
}
