using System.Diagnostics;
using Stlm.Model.Eval;
using Stlm.Model.Tokenizers;
using Stlm.Model.Training;

namespace Stlm.Host.Bench;

/// <summary>
/// One side's speed: median multiple-choice questions/s and bits-per-byte windows/s over the
/// rounds, per wall-clock second and per second of this process's CPU time (steadier on a shared machine).
/// </summary>
public sealed record EvalSpeed(int BatchRows, double QuestionsPerSecond, double WindowsPerSecond, double QuestionsPerCpuSecond, double WindowsPerCpuSecond);

/// <summary>
/// The result of <see cref="EvalBenchmark.Run"/>: batched against one-window-at-a-time scoring of
/// the same questions and text in the same process, and whether every number came out the same.
/// </summary>
public sealed record EvalBenchResult(
    string Model, long Parameters, string Unit, int Questions, int Options, int Windows, int Rounds,
    EvalSpeed Unbatched, EvalSpeed Batched, double QuestionRatio, double WindowRatio, double QuestionCpuRatio, double WindowCpuRatio,
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

        var samples = new List<(Speed Q1, Speed QB, Speed W1, Speed WB)>();
        for (var r = 0; r < rounds; r++)
        {
            var oneFirst = r % 2 == 0;
            var (q1, qb) = Pair(oneFirst, () => Rate(items.Count, () => MultipleChoiceScorer.ScoreItems(items, one)),
                () => Rate(items.Count, () => MultipleChoiceScorer.ScoreItems(items, many)));
            var (w1, wb) = Pair(oneFirst, () => Rate(windows, () => one.ScoreText(text, stride)), () => Rate(windows, () => many.ScoreText(text, stride)));
            samples.Add((q1, qb, w1, wb));
            log?.Invoke($"round {r + 1}/{rounds}, one at a time vs batched: questions/s {q1.Wall:F1} vs {qb.Wall:F1} (per CPU s {q1.Cpu:F1} vs {qb.Cpu:F1}), windows/s {w1.Wall:F1} vs {wb.Wall:F1} (per CPU s {w1.Cpu:F1} vs {wb.Cpu:F1})");
        }

        var pairs = alone.Zip(together).SelectMany(p => p.First.LogProbs.Zip(p.Second.LogProbs)).ToList();
        var unbatched = new EvalSpeed(1, Median(samples, s => s.Q1.Wall), Median(samples, s => s.W1.Wall), Median(samples, s => s.Q1.Cpu), Median(samples, s => s.W1.Cpu));
        var batched = new EvalSpeed(batchRows, Median(samples, s => s.QB.Wall), Median(samples, s => s.WB.Wall), Median(samples, s => s.QB.Cpu), Median(samples, s => s.WB.Cpu));
        return new EvalBenchResult(modelName, model.Module.CountParameters().Total, one.Unit, items.Count, pairs.Count, windows, rounds,
            unbatched, batched,
            Median(samples, s => s.QB.Wall / s.Q1.Wall), Median(samples, s => s.WB.Wall / s.W1.Wall),
            Median(samples, s => s.QB.Cpu / s.Q1.Cpu), Median(samples, s => s.WB.Cpu / s.W1.Cpu),
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
    static (Speed One, Speed Many) Pair(bool oneFirst, Func<Speed> one, Func<Speed> many)
    {
        if (oneFirst)
        {
            var a = one();
            return (a, many());
        }
        var b = many();
        return (one(), b);
    }

    readonly record struct Speed(double Wall, double Cpu);

    static double Median<T>(IEnumerable<T> samples, Func<T, double> value) => TrainBenchmark.Median(samples.Select(value));

    static Speed Rate(int count, Action work)
    {
        var cpu = Environment.CpuUsage.TotalTime;
        var clock = Stopwatch.StartNew();
        work();
        var wall = clock.Elapsed.TotalSeconds;
        return new Speed(count / wall, count / Math.Max(1e-6, (Environment.CpuUsage.TotalTime - cpu).TotalSeconds));
    }
}
