using Stlm.Model.Eval;

namespace Stlm.Tests.Model.Eval;

public class MultipleChoiceScorerTests
{
    static readonly MultipleChoiceItem Item = MultipleChoiceItem.SharedContext("test:1", "Question: pick\nAnswer:", ["ab", "abcdefgh"], gold: 1);

    [Fact]
    public void Acc_takes_the_largest_sum_and_acc_norm_the_largest_sum_per_character()
    {
        // sums: "ab" -3.0, "abcdefgh" -4.0 → acc picks 0; per char: -1.5 vs -0.5 → acc_norm picks 1.
        var logProbs = new Dictionary<string, double> { [" ab"] = -3.0, [" abcdefgh"] = -4.0 };
        var score = MultipleChoiceScorer.ScoreItem(Item, item => item.Options.Select(o => logProbs[o.Continuation]).ToArray());
        Assert.Equal(0, score.Predicted);
        Assert.Equal(1, score.PredictedNorm);
        Assert.False(score.Correct);
        Assert.True(score.CorrectNorm);
    }

    [Fact]
    public void Acc_norm_counts_characters_like_the_harness_and_acc_bytes_counts_utf8_bytes()
    {
        // "éé" is 2 characters but 4 bytes; "abc" is 3 of each. Sums -2.2 and -3.0:
        // per character -1.1 vs -1.0 → option 1; per byte -0.55 vs -1.0 → option 0.
        var item = MultipleChoiceItem.SharedContext("t:1", "c", ["éé", "abc"], gold: 0);
        var score = MultipleChoiceScorer.ScoreItem(item, _ => [-2.2, -3.0]);
        Assert.Equal(1, score.PredictedNorm);
        Assert.Equal(0, score.PredictedBytes);
    }

    [Fact]
    public void The_result_reports_means_counts_and_harness_standard_errors()
    {
        var items = Enumerable.Range(0, 4).Select(i => Item with { Origin = $"t:{i}" }).ToList();
        // The short wrong option wins the sum (-3 > -4), the long right one wins per character.
        var result = MultipleChoiceScorer.Score(items, (context, continuation) => continuation == " ab" ? -3.0 : -4.0);
        Assert.Equal(4, result.Count);
        Assert.Equal(0.0, result.Acc);
        Assert.Equal(1.0, result.AccNorm);

        var mixed = MultipleChoiceScorer.Summarise(
        [
            MultipleChoiceScorer.ScoreItem(Item, _ => [-3.0, -1.0]),
            MultipleChoiceScorer.ScoreItem(Item, _ => [-1.0, -3.0]),
            MultipleChoiceScorer.ScoreItem(Item, _ => [-1.0, -3.0]),
        ]);
        Assert.Equal(1.0 / 3, mixed.Acc, 12);
        // sample sd of (1,0,0) = sqrt(1/3), over sqrt(3) → 1/3
        Assert.Equal(1.0 / 3, mixed.AccStderr, 12);
    }

    [Fact]
    public void Ties_go_to_the_first_option()
    {
        var score = MultipleChoiceScorer.ScoreItem(Item, _ => [-2.0, -2.0]);
        Assert.Equal(0, score.Predicted);
    }

    [Fact]
    public void Each_option_is_scored_with_its_own_context_and_continuation()
    {
        var seen = new List<(string, string)>();
        MultipleChoiceScorer.Score([Item], (c, x) => { seen.Add((c, x)); return -1; });
        Assert.Equal([("Question: pick\nAnswer:", " ab"), ("Question: pick\nAnswer:", " abcdefgh")], seen);
    }
}
