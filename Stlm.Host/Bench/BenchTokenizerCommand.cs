using System.CommandLine;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Stlm.Host.CommandLine;
using Stlm.Model;
using Stlm.Model.Tokenizers;

namespace Stlm.Host.Bench;

/// <summary>
/// `stlm bench tokenizer`: MB/s of UTF-8 text encoded on one core, median of several rounds,
/// against the 5 MB/s goal. "Cold" rounds start with an empty piece cache (a fresh tokenizer on
/// the same loaded vocabulary); "warm" rounds reuse a tokenizer that has seen the text.
/// Encoding runs on one thread; the rate is given per second of this process's CPU time (what
/// one core does, even when a shared machine's other work slows the wall clock) and per
/// wall-clock second. Beside it, the hand-written pre-tokeniser against GPT-2's pattern run by
/// .NET's compiled Regex on the same text (the same pieces on BMP text; .NET's \p{L} does not see
/// letters outside the BMP).
/// </summary>
public static class BenchTokenizerCommand
{
    public const double GoalMBps = 5.0;
    const string DefaultSpec = "gpt2:Stlm.Tests/Fixtures/Gpt2";

    public static Command Create()
    {
        var spec = new Option<string>("--tokenizer") { Description = $"Tokenizer spec ({TokenizerSpec.Forms}); the default is the test fixture, relative to the repository root", DefaultValueFactory = _ => DefaultSpec };
        var textFile = new Option<string?>("--text") { Description = "UTF-8 text to encode (default: generated English-like prose)" };
        var megabytes = new Option<int>("--mb") { Description = "Size of the generated text in MB", DefaultValueFactory = _ => 4 };
        var rounds = new Option<int>("--rounds") { Description = "Rounds per measurement (the median is reported)", DefaultValueFactory = _ => 5 };
        var json = SharedOptions.Json;
        var command = new Command("tokenizer", "Tokenizer encoding speed in MB/s against the 5 MB/s goal") { spec, textFile, megabytes, rounds, json };
        command.SetAction(parse => Run(parse.GetValue(spec)!, parse.GetValue(textFile), parse.GetValue(megabytes), parse.GetValue(rounds), parse.GetValue(json)));
        return command;
    }

    static int Run(string spec, string? textFile, int megabytes, int rounds, bool json)
    {
        if (rounds < 1 || megabytes < 1)
            throw new StlmException("--rounds and --mb must be at least 1");
        if (textFile is not null && !File.Exists(textFile))
            throw new StlmException($"text file {Path.GetFullPath(textFile)} does not exist; pass --text with a UTF-8 file or leave it out to use generated text");
        var loadClock = Stopwatch.StartNew();
        var tokenizer = TokenizerSpec.Load(spec);
        var loadMs = loadClock.Elapsed.TotalMilliseconds;
        var text = textFile is null ? SyntheticEnglish.Generate(megabytes * 1_000_000) : File.ReadAllText(textFile);
        var megabytesOfText = Encoding.UTF8.GetByteCount(text) / 1e6;
        Func<ITokenizer> fresh = tokenizer is BpeTokenizer bpe ? () => new BpeTokenizer(bpe.Vocabulary, bpe.Name) : () => tokenizer;

        var tokens = fresh().Encode(text).Length; // also warms up the JIT
        var coldRounds = Enumerable.Range(0, rounds).Select(_ => Measure(fresh(), text, megabytesOfText)).ToList();
        var warmTokenizer = fresh();
        warmTokenizer.Encode(text);
        var warmRounds = Enumerable.Range(0, rounds).Select(_ => Measure(warmTokenizer, text, megabytesOfText)).ToList();
        var (cold, coldWall) = (Median(coldRounds.Select(r => r.Cpu)), Median(coldRounds.Select(r => r.Wall)));
        var (warm, warmWall) = (Median(warmRounds.Select(r => r.Cpu)), Median(warmRounds.Select(r => r.Wall)));

        var scanner = Median(Enumerable.Range(0, rounds).Select(_ => Measure(() => CountPieces(text), megabytesOfText).Cpu));
        var regex = Median(Enumerable.Range(0, rounds).Select(_ => Measure(() => Gpt2Pattern.Count(text), megabytesOfText).Cpu));
        var samePieces = CountPieces(text) == Gpt2Pattern.Count(text);

        var source = textFile ?? $"generated English-like text (seed 1)";
        if (json)
            Console.Out.WriteLine(JsonSerializer.Serialize(new
            {
                tokenizer = tokenizer.Name, loadMs, text = source, megabytes = megabytesOfText, tokens, rounds,
                coldMBps = cold, warmMBps = warm, coldWallMBps = coldWall, warmWallMBps = warmWall,
                goalMBps = GoalMBps, coldRatio = cold / GoalMBps, warmRatio = warm / GoalMBps,
                preTokenizerMBps = scanner, regexMBps = regex, preTokenizerVsRegex = scanner / regex, samePieceCount = samePieces,
            }));
        else
        {
            Console.Out.WriteLine($"tokenizer {tokenizer.Name} on {source}: {megabytesOfText:F2} MB, {tokens} tokens ({megabytesOfText * 1e6 / tokens:F2} bytes/token), one core, median of {rounds} rounds; loaded in {loadMs:F0} ms");
            Console.Out.WriteLine($"cold cache: {cold,8:F2} MB/s of CPU time = {cold / GoalMBps:F2}x the {GoalMBps} MB/s goal ({coldWall:F2} MB/s wall clock)");
            Console.Out.WriteLine($"warm cache: {warm,8:F2} MB/s of CPU time = {warm / GoalMBps:F2}x the {GoalMBps} MB/s goal ({warmWall:F2} MB/s wall clock)");
            Console.Out.WriteLine($"pre-tokeniser alone: {scanner:F2} MB/s vs .NET Regex {regex:F2} MB/s = {scanner / regex:F2}x ({(samePieces ? "same" : "DIFFERENT")} number of pieces)");
        }
        return 0;
    }

    static readonly Regex Gpt2Pattern = new(@"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+", RegexOptions.Compiled);

    static int CountPieces(string text)
    {
        var count = 0;
        PreTokenizer.Split(text, ref count, static (ref int n, int _, int _) => n++);
        return count;
    }

    static (double Cpu, double Wall) Measure(ITokenizer tokenizer, string text, double megabytes) =>
        Measure(() => tokenizer.Encode(text), megabytes);

    static (double Cpu, double Wall) Measure(Action work, double megabytes)
    {
        var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        work();
        var wall = clock.Elapsed.TotalSeconds;
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
        return (megabytes / Math.Max(cpu, 1e-6), megabytes / wall);
    }

    static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
