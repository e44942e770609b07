using Stlm.Actors.Training.Session;
using Stlm.Model.Eval;

namespace Stlm.Tests.Actors.Training.Session;

public class ChoiceTaskTests
{
    static ChoiceTask Task(int questions) => new("piqa",
        [.. Enumerable.Range(0, questions).Select(i => MultipleChoiceItem.SharedContext($"q{i}", $"question {i}", ["a", "bb"], i % 2))]);

    [Theory]
    [InlineData(7, 3, new[] { 0, 2, 4, 7 })]
    [InlineData(4, 2, new[] { 0, 2, 4 })]
    [InlineData(2, 5, new[] { 0, 1, 2 })]
    [InlineData(5, 1, new[] { 0, 5 })]
    public void Shards_are_contiguous_cover_every_question_once_and_are_never_more_than_the_questions(int questions, int workers, int[] bounds)
    {
        var shards = Task(questions).Shards(workers);
        Assert.Equal(bounds.Zip(bounds.Skip(1)), shards.Select(s => (s.From, s.To)));
    }

    [Fact]
    public void Shard_scores_summarised_in_order_equal_scoring_the_whole_list_at_once()
    {
        var task = Task(9);
        // A stand-in model whose log-likelihood depends on the question and the option.
        var scorer = new FakeScorer();
        var pieces = task.Shards(4).SelectMany(s => task.ScoreRange(scorer, s.From, s.To)).ToList();
        var whole = MultipleChoiceScorer.Score(task.Items, (MultipleChoiceScorer.LogProbability)((c, k) => scorer.LogLikelihood(c, k).LogProb));

        Assert.Equal(whole, MultipleChoiceScorer.Summarise(pieces));
        Assert.Equal(9, pieces.Count);
    }

    sealed class FakeScorer : IScoringModel
    {
        public string Unit => "bytes";
        public int ContextLength => 64;
        public BitsPerByte ScoreText(string text, int stride, Action<long, long>? progress = null) => throw new NotSupportedException();
        public ContinuationScore LogLikelihood(string context, string continuation) =>
            new(-((context.Length * 7 + continuation.Length * 3) % 5) - continuation.Length * 0.1, continuation.Length, continuation.Length);
    }
}
