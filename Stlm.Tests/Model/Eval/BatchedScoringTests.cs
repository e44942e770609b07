using Stlm.Model.Eval;
using Stlm.Model.LibTorch;
using Stlm.Tests.Support;

namespace Stlm.Tests.Model.Eval;

/// <summary>
/// Batched scoring gives the numbers of one-window-at-a-time scoring, for every architecture, to
/// float32 rounding: rows are never padded (WindowBatches), but a batch of B windows multiplies
/// [B·L, d] matrices where one window multiplies [L, d], and the BLAS picks its kernels by the
/// row count, so a sum of d float32 products may round differently (measured: ≤ 1.3e-8 relative
/// on these models, i.e. below one float32 ulp of 6e-8); a right-padded row's attention reduces
/// over a longer row of masked zeros, which may round differently too. The bound used, 1e-6
/// relative, is 16 ulps.
/// </summary>
public class BatchedScoringTests
{
    const double Relative = 1e-6;

    const string Story = "Once upon a time there was a little cat. The cat liked the sun. One day the cat saw a bird and ran after it.";

    static (IScoringModel One, IScoringModel Many) Scorers(string architecture, TempDirectory dir)
    {
        var (model, tokenizer) = TinyCheckpoints.Build(TinyCheckpoints.ConfigIn(architecture, dir));
        return (ScoringModels.For(model, tokenizer, 1), ScoringModels.For(model, tokenizer, 8));
    }

    [Theory]
    [MemberData(nameof(TinyCheckpoints.Architectures), MemberType = typeof(TinyCheckpoints))]
    public void Bits_per_byte_of_a_long_text_are_equal_batched_and_one_window_at_a_time(string architecture)
    {
        using var dir = new TempDirectory();
        using var scope = TorchScope.Begin();
        var (one, many) = Scorers(architecture, dir);
        var stride = Math.Max(1, one.ContextLength / 3);   // many windows, most of one length
        var windows = 0;

        var alone = one.ScoreText(Story, stride, (_, _) => windows++);
        var together = many.ScoreText(Story, stride);

        Assert.True(windows >= 4, $"{windows} windows");
        Assert.Equal(alone.Tokens, together.Tokens);
        Assert.Equal(alone.NllNats, together.NllNats, Relative * alone.NllNats);
    }

    [Theory]
    [MemberData(nameof(TinyCheckpoints.Architectures), MemberType = typeof(TinyCheckpoints))]
    public void Multiple_choice_log_likelihoods_are_equal_batched_and_one_option_at_a_time(string architecture)
    {
        using var dir = new TempDirectory();
        using var scope = TorchScope.Begin();
        var (one, many) = Scorers(architecture, dir);
        var items = MultipleChoiceTasks.Read("arc_easy", Path.Combine(AppContext.BaseDirectory, "Fixtures", "Eval", "arc_easy_sample.jsonl"));
        var requests = items.SelectMany(i => i.Options.Select(o => new ContinuationRequest(o.Context, o.Continuation))).ToArray();

        var alone = requests.Select(r => one.LogLikelihood(r.Context, r.Continuation)).ToArray();
        var together = many.LogLikelihoods(requests);
        var scored = MultipleChoiceScorer.ScoreItems(items, many, itemsPerCall: items.Count);   // one call: the same batches as LogLikelihoods

        Assert.Equal(alone.Select(s => s.Units), together.Select(s => s.Units));
        Assert.All(alone.Zip(together), p => Assert.Equal(p.First.LogProb, p.Second.LogProb, Relative * Math.Abs(p.First.LogProb)));
        Assert.Equal(together.Select(s => s.LogProb), scored.SelectMany(s => s.LogProbs));   // the options in order, item by item
    }

    [Theory]
    [InlineData("llama")]
    [InlineData("layerskip")]
    [InlineData("megabyte")]
    public void A_right_padded_shorter_request_scores_as_it_does_alone(string architecture)
    {
        using var dir = new TempDirectory();
        using var scope = TorchScope.Begin();
        var (one, many) = Scorers(architecture, dir);
        ContinuationRequest[] requests = [new("a cats", " sat"), new("a cat", " sat")];   // 11 and 10 bytes after end-of-text: one batch, the second padded

        var together = many.LogLikelihoods(requests);

        for (var i = 0; i < requests.Length; i++)
        {
            var alone = one.LogLikelihood(requests[i].Context, requests[i].Continuation);
            Assert.Equal(alone.Units, together[i].Units);
            Assert.Equal(alone.LogProb, together[i].LogProb, Relative * Math.Abs(alone.LogProb));
        }
    }

    [Fact]
    public void With_padding_a_batch_takes_windows_down_to_its_share_of_the_longest()
    {
        int[] lengths = [10, 9, 8, 7, 10, 3];

        var batches = WindowBatches.Plan(lengths, rows: 8, outputsPerUnit: 1, padding: 0.125);   // ≥ 9 of 10, then ≥ 7 of 8

        Assert.Equal([[0, 4, 1], [2, 3], [5]], batches.Select(b => b.ToArray()).ToArray());
    }

    [Fact]
    public void Windows_share_a_batch_only_with_windows_of_their_length_within_the_row_and_logit_budgets()
    {
        int[] lengths = [5, 3, 5, 5, 3, 7];

        var batches = WindowBatches.Plan(lengths, rows: 2, outputsPerUnit: 10);
        var budgeted = WindowBatches.Plan(lengths, rows: 64, outputsPerUnit: WindowBatches.OutputBudget / 6);   // room for 6 units of logits

        Assert.Equal([[5], [0, 2], [3], [1, 4]], batches.Select(b => b.ToArray()).ToArray());
        Assert.All(budgeted.Where(b => lengths[b[0]] >= 5), b => Assert.Single(b));
        Assert.Equal([1, 4], budgeted.Single(b => lengths[b[0]] == 3));
    }
}
