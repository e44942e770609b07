using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Stlm.Host.CommandLine;
using Stlm.Model;
using Stlm.Model.Data;
using Stlm.Model.Tokenizers;

namespace Stlm.Host.Commands;

/// <summary>
/// `stlm data synth|prepare|info|batch`: write the built-in synthetic corpus, tokenise a corpus
/// once into token shards with a manifest, show what a shard directory holds and what a sampler yields.
/// </summary>
public static class DataCommand
{
    public static Command Create() => new("data", "Make, tokenise and inspect training corpora")
    {
        Synth(),
        Prepare(),
        Info(),
        Batch(),
        new RenamedCommand("generate", Synth(), "data synth"),
    };

    static Command Synth()
    {
        var output = new Option<string>("--out") { Description = "File to write the stories to", Required = true };
        var megabytes = new Option<double>("--megabytes") { Description = "How much text, in MB (10^6 bytes)", Required = true };
        var seed = new Option<ulong>("--seed") { Description = "The same seed gives the same stories", DefaultValueFactory = _ => 0 };
        var command = new Command("synth", "Write a synthetic corpus of TinyStories-style stories (separated by <|endoftext|>)") { output, megabytes, seed };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(output)!;
            var mb = parse.GetValue(megabytes);
            if (mb <= 0) throw new StlmException($"--megabytes {mb.ToString(CultureInfo.InvariantCulture)} must be above 0");
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            var stories = SyntheticStories.WriteFile(path, parse.GetValue(seed), (long)(mb * 1_000_000));
            Console.WriteLine($"wrote {stories:N0} stories, {new FileInfo(path).Length:N0} bytes, to {path}");
            return 0;
        });
        return command;
    }

    static Command Prepare()
    {
        var inputs = new Option<string[]>("--input") { Description = "Source text file(s), read in order as one corpus", Required = true, AllowMultipleArgumentsPerToken = true };
        var format = new Option<string>("--format") { Description = "text | tinystories | jsonl", DefaultValueFactory = _ => "tinystories" };
        var field = new Option<string>("--text-field") { Description = "The jsonl field holding the text", DefaultValueFactory = _ => "text" };
        var tokenizer = new Option<string>("--tokenizer") { Description = "Tokenizer spec", DefaultValueFactory = _ => "bytes" };
        var output = new Option<string>("--out") { Description = "Directory for the shards and manifest.json", Required = true };
        var heldOut = new Option<double>("--val-fraction") { Description = "Fraction of documents held out for validation", DefaultValueFactory = _ => 0.01 };
        var shardTokens = new Option<long>("--shard-tokens") { Description = "Tokens per shard file", DefaultValueFactory = _ => 100_000_000 };
        var workers = new Option<int>("--workers") { Description = "Tokenising threads (0 = one per core)", DefaultValueFactory = _ => 0 };
        var json = SharedOptions.Json;
        var command = new Command("prepare", "Tokenise a corpus once into token shards plus a manifest")
            { inputs, format, field, tokenizer, output, heldOut, shardTokens, workers, json };
        command.SetAction(parse =>
        {
            var options = new PrepareOptions(parse.GetValue(inputs)!, CorpusFormats.Parse(parse.GetValue(format)!),
                parse.GetValue(field)!, parse.GetValue(heldOut), parse.GetValue(shardTokens), parse.GetValue(workers));
            var tok = TokenizerSpec.Load(parse.GetValue(tokenizer)!);
            var outDir = parse.GetValue(output)!;
            var result = ShowsProgress(parse.GetValue(json))
                ? PrepareWithProgressBar(options, tok, outDir)
                : ShardPreparer.Prepare(options, tok, outDir);
            if (parse.GetValue(json)) Console.WriteLine(result.Manifest.ToJson());
            else
            {
                var m = result.Manifest;
                var seconds = Math.Max(result.Elapsed.TotalSeconds, 1e-9);
                var rate = m.Sources.Sum(s => s.Bytes) / 1e6 / seconds;
                Console.WriteLine(result.Reused
                    ? $"{outDir} is up to date: {m.TotalTokens:N0} tokens in {m.Train.Shards.Count + m.Validation.Shards.Count} shards (checked in {seconds:F1} s)"
                    : $"wrote {m.TotalTokens:N0} tokens ({m.Train.Tokens:N0} train, {m.Validation.Tokens:N0} validation) to {outDir} in {seconds:F1} s ({rate:F1} MB/s)");
            }
            return 0;
        });
        return command;
    }

    static bool ShowsProgress(bool json) => !json && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    static PrepareResult PrepareWithProgressBar(PrepareOptions options, Model.Tokenizers.ITokenizer tokenizer, string outDir)
    {
        PrepareResult? result = null;
        AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                     new TransferSpeedColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(context =>
            {
                var tasks = new Dictionary<string, ProgressTask>();
                var progress = new InlineProgress(p =>
                {
                    if (!tasks.TryGetValue(p.Phase, out var task))
                        tasks[p.Phase] = task = context.AddTask(p.Phase, maxValue: Math.Max(1, p.BytesTotal));
                    task.Value = p.BytesDone;
                });
                result = ShardPreparer.Prepare(options, tokenizer, outDir, progress);
            });
        return result!;
    }

    static Command Info()
    {
        var directory = new Argument<string>("DIR") { Description = "A directory written by 'stlm data prepare'" };
        var json = SharedOptions.Json;
        var command = new Command("info", "Show the manifest of a token shard directory") { directory, json };
        command.SetAction(parse =>
        {
            var dir = parse.GetValue(directory)!;
            var m = ShardManifest.Load(dir);
            if (parse.GetValue(json)) { Console.WriteLine(m.ToJson()); return 0; }
            Console.WriteLine($"{Path.GetFullPath(dir)}");
            Console.WriteLine($"  tokenizer   {m.Tokenizer} (vocab {m.VocabSize:N0}, end of text {m.EndOfText?.ToString(CultureInfo.InvariantCulture) ?? "none"}), stored as {m.DType}");
            Console.WriteLine($"  format      {m.Format}{(m.JsonField is { } f ? $" (field \"{f}\")" : "")}, {m.HeldOutFraction.ToString(CultureInfo.InvariantCulture)} held out");
            foreach (var (name, split) in new[] { ("train", m.Train), ("validation", m.Validation) })
                Console.WriteLine($"  {name,-11} {split.Documents,12:N0} documents {split.Tokens,15:N0} tokens {split.Bytes,15:N0} bytes {split.Shards.Count,4} shards" +
                                  (split.Tokens > 0 ? $"  ({(double)split.Bytes / split.Tokens:F2} bytes/token)" : ""));
            foreach (var s in m.Sources)
                Console.WriteLine($"  source      {s.Path} ({s.Bytes:N0} bytes, sha256 {s.Sha256[..16]}…)");
            return 0;
        });
        return command;
    }

    static Command Batch()
    {
        var directory = new Argument<string>("DIR") { Description = "A directory written by 'stlm data prepare'" };
        var split = new Option<string>("--split") { Description = "train | validation", DefaultValueFactory = _ => "train" };
        var context = new Option<int>("--context") { Description = "Context length (a window is context + 1 tokens)", DefaultValueFactory = _ => 64 };
        var batchSize = new Option<int>("--batch-size") { Description = "Windows per batch", DefaultValueFactory = _ => 4 };
        var seed = new Option<ulong>("--seed") { Description = "Sampler seed", DefaultValueFactory = _ => 0 };
        var epoch = new Option<long>("--epoch") { Description = "Cursor: epoch", DefaultValueFactory = _ => 0 };
        var position = new Option<long>("--position") { Description = "Cursor: sample index within the epoch", DefaultValueFactory = _ => 0 };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "Decode the rows with this tokenizer spec" };
        var json = SharedOptions.Json;
        var command = new Command("batch", "Show the batch a sampler yields at a cursor (for checking resume)")
            { directory, split, context, batchSize, seed, epoch, position, tokenizer, json };
        command.SetAction(parse =>
        {
            var which = parse.GetValue(split) switch
            {
                "train" => DataSplit.Train,
                "validation" or "val" => DataSplit.Validation,
                var other => throw new StlmException($"unknown split '{other}': use train or validation"),
            };
            using var data = TokenDataset.Open(parse.GetValue(directory)!, which, parse.GetValue(context));
            var sampler = new BatchSampler(data.WindowCount, parse.GetValue(batchSize), parse.GetValue(seed));
            var batch = sampler.Batch(data, new DataCursor(parse.GetValue(epoch), parse.GetValue(position)));
            var decode = parse.GetValue(tokenizer) is { } spec ? TokenizerSpec.Load(spec) : null;
            var rows = Enumerable.Range(0, batch.BatchSize).Select(i => new
            {
                window = batch.Windows[i],
                tokens = batch.Row(i).ToArray(),
                text = decode?.Decode(batch.Row(i)),
            }).ToList();
            if (parse.GetValue(json))
            {
                Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(new { cursor = batch.Cursor, next = batch.Next, windowsPerEpoch = data.WindowCount, rows },
                    new System.Text.Json.JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase }));
                return 0;
            }
            Console.WriteLine($"cursor ({batch.Cursor}) → next ({batch.Next}); {data.WindowCount:N0} windows per epoch");
            foreach (var row in rows)
                Console.WriteLine($"  window {row.window,10}: {row.text?.ReplaceLineEndings("⏎") ?? string.Join(' ', row.tokens)}");
            return 0;
        });
        return command;
    }

    /// <summary>Calls back on the reporting thread (Progress&lt;T&gt; would post to the thread pool).</summary>
    sealed class InlineProgress(Action<PrepareProgress> report) : IProgress<PrepareProgress>
    {
        public void Report(PrepareProgress value) => report(value);
    }
}
