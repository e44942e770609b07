using System.Diagnostics;
using Stlm.Model.Eval;
using Stlm.Model.Tokenizers;
using Stlm.Model.Training;

namespace Stlm.Host.Bench;

/// <summary>One side's speed: median multiple-choice questions/s and bits-per-byte windows/s over the rounds.</summary>
public sealed record EvalSpeed(int BatchRows, double QuestionsPerSecond, double WindowsPerSecond);

/// <summary>
/// The result of <see cref="EvalBenchmark.Run"/>: batched against one-window-at-a-time scoring of
/// the same questions and text in the same process, and whether every number came out the same.
/// </summary>
public sealed record EvalBenchResult(
    string Model, long Parameters, string Unit, int Questions, int Options, int Windows, int Rounds,
    EvalSpeed Unbatched, EvalSpeed Batched, double QuestionRatio, double WindowRatio,
    int BitEqualOptions, double MaxOptionDifference, bool TextBitEqual, double TextDifference);

/// <summary>
/// Times multiple-choice scoring (<see cref="MultipleChoiceScorer.ScoreItems"/>) and sliding-window
/// text scoring with one window per forward pass and with batches, alternating the two sides in
/// every round so both see the same machine load, and compares their numbers bit by bit.
/// </summary>
public static class EvalBenchmark
{
    public static EvalBenchResult Run(string modelName, ILanguageModel model, ITokenizer tokenizer,
        IReadOnlyList<MultipleChoiceItem> items, string text, int batchRows, int rounds, Action<string>? log = null)
    {
        var one = ScoringModels.For(model, tokenizer, 1);
        var many = ScoringModels.For(model, tokenizer, batchRows);
        var stride = SlidingWindows.DefaultStride(one.ContextLength);

        // Warm-up (the allocator's caches, the JIT) and the numbers to compare; one window at a time reports progress once per window.
        var alone = MultipleChoiceScorer.ScoreItems(items, one);
        var together = MultipleChoiceScorer.ScoreItems(items, many);
        var windows = 0;
        var textAlone = one.ScoreText(text, stride, (_, _) => windows++);
        var textTogether = many.ScoreText(text, stride);

        var samples = new List<(double Q1, double QB, double W1, double WB)>();
        for (var r = 0; r < rounds; r++)
        {
            var oneFirst = r % 2 == 0;
            var (q1, qb) = Pair(oneFirst, () => Rate(items.Count, () => MultipleChoiceScorer.ScoreItems(items, one)),
                () => Rate(items.Count, () => MultipleChoiceScorer.ScoreItems(items, many)));
            var (w1, wb) = Pair(oneFirst, () => Rate(windows, () => one.ScoreText(text, stride)), () => Rate(windows, () => many.ScoreText(text, stride)));
            samples.Add((q1, qb, w1, wb));
            log?.Invoke($"round {r + 1}/{rounds}: questions/s {q1:F1} vs {qb:F1}, windows/s {w1:F1} vs {wb:F1}");
        }

        var pairs = alone.Zip(together).SelectMany(p => p.First.LogProbs.Zip(p.Second.LogProbs)).ToList();
        var unbatched = new EvalSpeed(1, TrainBenchmark.Median(samples.Select(s => s.Q1)), TrainBenchmark.Median(samples.Select(s => s.W1)));
        var batched = new EvalSpeed(batchRows, TrainBenchmark.Median(samples.Select(s => s.QB)), TrainBenchmark.Median(samples.Select(s => s.WB)));
        return new EvalBenchResult(modelName, model.Module.CountParameters().Total, one.Unit, items.Count, pairs.Count, windows, rounds,
            unbatched, batched,
            TrainBenchmark.Median(samples.Select(s => s.QB / s.Q1)), TrainBenchmark.Median(samples.Select(s => s.WB / s.W1)),
            pairs.Count(p => BitConverter.DoubleToInt64Bits(p.First) == BitConverter.DoubleToInt64Bits(p.Second)),
            pairs.Select(p => Math.Abs(p.First - p.Second)).DefaultIfEmpty(0).Max(),
            BitConverter.DoubleToInt64Bits(textAlone.NllNats) == BitConverter.DoubleToInt64Bits(textTogether.NllNats),
            Math.Abs(textAlone.NllNats - textTogether.NllNats));
    }

    /// <summary>Generated questions (seeded): contexts of 60–400 characters of synthetic English and four continuations of 1–8 words.</summary>
    public static IReadOnlyList<MultipleChoiceItem> GeneratedQuestions(int count, int seed = 7)
    {
        var source = SyntheticEnglish.Generate(count * 800 + 4096, seed).Replace('\n', ' ');
        var words = source.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var random = new Random(seed);
        var items = new List<MultipleChoiceItem>(count);
        for (var q = 0; q < count; q++)
        {
            var start = random.Next(0, source.Length - 500);
            var context = source.Substring(start, random.Next(60, 400)).Trim();
            var choices = Enumerable.Range(0, 4)
                .Select(_ => string.Join(' ', Enumerable.Range(0, random.Next(1, 9)).Select(_ => words[random.Next(words.Length)])))
                .ToArray();
            items.Add(MultipleChoiceItem.SharedContext($"generated:{q + 1}", context, choices, random.Next(4)));
        }
        return items;
    }

    /// <summary>Both measurements, in the order the round asks for, as (one at a time, batched).</summary>
    static (double One, double Many) Pair(bool oneFirst, Func<double> one, Func<double> many)
    {
        if (oneFirst)
        {
            var a = one();
            return (a, many());
        }
        var b = many();
        return (one(), b);
    }

    static double Rate(int count, Action work)
    {
        var clock = Stopwatch.StartNew();
        work();
        return count / clock.Elapsed.TotalSeconds;
    }
}
