using System.Text;
using Stlm.Model.Architectures;
using Stlm.Model.Eval;
using Stlm.Model.LibTorch;
using Stlm.Model.Nn;
using Stlm.Model.Tokenizers;
using Stlm.Tests.Support;

namespace Stlm.Tests.Model.Eval;

public class ScoringTests
{
    /// <summary>
    /// A bigram toy over the byte tokenizer: after id i, id i + 1 has logit 5 and every other id 0,
    /// so P(i + 1 | i) = e^5 / (e^5 + 257) and any other id has 1 / (e^5 + 257), whatever came earlier.
    /// </summary>
    sealed class NextIdBigram(int context) : ICausalLanguageModel
    {
        public int VocabSize => 258;
        public int ContextLength => context;
        public int LayerCount => 1;

        public Tensor Forward(Tensor ids, KvCache? cache = null)
        {
            var input = ids.ToArray<long>();   // [B, L], row-major
            var logits = new float[input.Length * VocabSize];
            for (var t = 0; t < input.Length; t++) logits[t * VocabSize + (int)((input[t] + 1) % VocabSize)] = 5;
            return Torch.From(logits, ids.Size(0), ids.Size(1), VocabSize);
        }
    }

    static readonly double Normaliser = Math.Log(Math.Exp(5) + 257);

    [Fact]
    public void Bits_per_byte_equal_the_hand_computed_value_of_a_toy_model()
    {
        using var scope = TorchScope.Begin();
        var scorer = new TokenScoringModel(new NextIdBigram(context: 16), new ByteTokenizer());

        // "abd" after end-of-text (256): 'a' is not 257 → miss; 'b' follows 'a' → hit; 'd' does not follow 'b' → miss.
        var result = scorer.ScoreText("abd", stride: 8);

        var nll = Normaliser + (Normaliser - 5) + Normaliser;
        Assert.Equal(3, result.Tokens);
        Assert.Equal(3, result.Bytes);
        Assert.Equal(nll / (3 * Math.Log(2)), result.Bpb, 5);
        Assert.Equal(Math.Exp(nll / 3), result.TokenPerplexity, 4);
    }

    [Fact]
    public void Bits_per_byte_divide_by_the_utf8_length_of_the_text_not_its_characters()
    {
        using var scope = TorchScope.Begin();
        var scorer = new TokenScoringModel(new NextIdBigram(context: 16), new ByteTokenizer());
        var result = scorer.ScoreText("é€", stride: 8);   // 2 characters, 5 bytes, 5 byte tokens
        Assert.Equal(5, result.Bytes);
        Assert.Equal(5, result.Tokens);
        Assert.Equal(result.NllNats / (5 * Math.Log(2)), result.Bpb, 12);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    public void A_model_that_reads_one_token_back_scores_a_long_text_the_same_with_any_windowing(int stride)
    {
        using var scope = TorchScope.Begin();
        var scorer = new TokenScoringModel(new NextIdBigram(context: 8), new ByteTokenizer());
        var text = "abcdefgh ijk lmnop abcabc xyz";   // far longer than the 8-token context

        var reference = scorer.ScoreText(text, stride: 7);
        var other = scorer.ScoreText(text, stride);

        Assert.Equal(Encoding.UTF8.GetByteCount(text), other.Tokens);
        Assert.Equal(reference.Bytes, other.Bytes);
        Assert.Equal(reference.NllNats, other.NllNats, 4);
    }

    [Fact]
    public void Sliding_windows_score_every_target_once_within_the_context()
    {
        var windows = SlidingWindows.Over(length: 20, firstTarget: 1, context: 8, stride: 3).ToList();

        var targets = windows.SelectMany(w => Enumerable.Range(w.FirstTarget, w.End - w.FirstTarget)).ToList();
        Assert.Equal(Enumerable.Range(1, 19), targets);
        Assert.All(windows, w => Assert.InRange(w.End - w.Start, 2, 8));
        Assert.All(windows.Skip(2), w => Assert.True(w.FirstTarget - w.Start >= 8 - 3, $"{w} reads at least context − stride units before its targets"));
        Assert.Throws<Stlm.Model.StlmException>(() => SlidingWindows.Over(20, 1, 8, 8).ToList());
    }

    [Theory]
    [MemberData(nameof(TinyCheckpoints.Architectures), MemberType = typeof(TinyCheckpoints))]
    public void A_text_within_the_context_scores_the_same_with_any_stride_and_as_a_continuation(string architecture)
    {
        using var dir = new TempDirectory();
        using var scope = TorchScope.Begin();
        var (model, tokenizer) = TinyCheckpoints.Build(TinyCheckpoints.ConfigIn(architecture, dir));
        var scorer = ScoringModels.For(model, tokenizer);
        var text = architecture == "byte-pooled" ? "The cat saw" : "a cat.";   // fits the context in the model's units

        var fine = scorer.ScoreText(text, stride: 1);
        var coarse = scorer.ScoreText(text, stride: scorer.ContextLength - 1);
        var continuation = scorer.LogLikelihood("", text);

        Assert.Equal(fine.Tokens, coarse.Tokens);
        Assert.Equal(Encoding.UTF8.GetByteCount(text), coarse.Bytes);
        Assert.Equal(fine.NllNats, coarse.NllNats, 3);
        Assert.Equal(-coarse.NllNats, continuation.LogProb, 3);
        Assert.True(coarse.Bpb is > 0 and < 20, $"{architecture}: {coarse.Bpb} bits per byte");
    }

    [Theory]
    [InlineData("llama")]
    [InlineData("megabyte")]
    [InlineData("byte-pooled")]
    public void Multiple_choice_scores_every_question_of_a_sample_file_with_any_architecture(string architecture)
    {
        using var dir = new TempDirectory();
        using var scope = TorchScope.Begin();
        var (model, tokenizer) = TinyCheckpoints.Build(TinyCheckpoints.ConfigIn(architecture, dir));
        var scorer = ScoringModels.For(model, tokenizer);
        var items = MultipleChoiceTasks.Read("arc_easy", Path.Combine(AppContext.BaseDirectory, "Fixtures", "Eval", "arc_easy_sample.jsonl"));

        var result = MultipleChoiceScorer.Score(items, (context, continuation) => scorer.LogLikelihood(context, continuation).LogProb);

        Assert.Equal(items.Count, result.Count);
        Assert.InRange(result.Acc, 0, 1);
        Assert.InRange(result.AccNorm, 0, 1);
    }

    [Fact]
    public void A_continuation_is_scored_after_its_context_as_the_harness_splits_them()
    {
        using var scope = TorchScope.Begin();
        var scorer = new TokenScoringModel(new NextIdBigram(context: 16), new ByteTokenizer());

        // The context's trailing space moves to the continuation: " b" after "a" is one miss (' ' after 'a') and one miss ('b' after ' ').
        var score = scorer.LogLikelihood("a ", "b");

        Assert.Equal(2, score.Units);
        Assert.Equal(1, score.Bytes);
        Assert.Equal(-2 * Normaliser, score.LogProb, 5);
    }
}
