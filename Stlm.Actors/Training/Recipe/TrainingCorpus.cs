using System.Globalization;
using Serilog;
using Stlm.Actors.Configuration;
using Stlm.Model;
using Stlm.Model.Data;
using Stlm.Model.Tokenizers;

namespace Stlm.Actors.Training.Recipe;

/// <summary>
/// The tokenizer and token shards a run trains on, made once and reused: the corpus text
/// (data.path, or the synthetic stories generated under the data folder), the tokenizer
/// (a corpus-bpe is learned from the text's start and cached) and the shards in
/// ${stlm.data-dir}/shards/{text}-{tokenizer}.
/// </summary>
public sealed record TrainingCorpus(ITokenizer Tokenizer, string TextFile, string ShardDirectory)
{
    public static TrainingCorpus Ensure(Config config, int vocabSize, CancellationToken cancel)
    {
        var dataDir = config.GetString("stlm.data-dir");
        var (textFile, format) = Text(config, dataDir);
        var tokenizer = LoadTokenizer(config, textFile, vocabSize);
        var shards = Path.Combine(dataDir, "shards", SafeName($"{Path.GetFileNameWithoutExtension(textFile)}-{tokenizer.Name}"));
        var options = new PrepareOptions([textFile], format, HeldOutFraction: config.GetDouble("data.validation-fraction"));
        var result = ShardPreparer.Prepare(options, tokenizer, shards, null, cancel);
        Log.Information("Corpus {Text}: {Tokens} train tokens in {Shards} ({State})", textFile,
            result.Manifest.Split(DataSplit.Train).Tokens, shards, result.Reused ? "reused" : $"tokenised in {result.Elapsed.TotalSeconds:F1} s");
        return new TrainingCorpus(tokenizer, textFile, shards);
    }

    static (string File, CorpusFormat Format) Text(Config config, string dataDir)
    {
        var path = config.GetString("data.path");
        if (path.Length > 0)
        {
            if (!File.Exists(path))
                throw new StlmException($"data.path = \"{path}\": no such file; give a text file (--set data.path=FILE) or \"\" for the synthetic stories");
            return (Path.GetFullPath(path), CorpusFormats.Parse(config.GetString("data.format")));
        }
        var megabytes = config.GetDouble("data.synthetic-megabytes");
        var seed = (ulong)config.GetLong("data.seed");
        var file = Path.Combine(dataDir, "synthetic",
            $"stories-seed{seed}-{megabytes.ToString("0.###", CultureInfo.InvariantCulture)}MB.txt");
        if (!File.Exists(file))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            var partial = file + ".partial";
            SyntheticStories.WriteFile(partial, seed, (long)(megabytes * 1_000_000));
            File.Move(partial, file, overwrite: true);
            Log.Information("Generated {MB} MB of synthetic stories in {File}", megabytes, file);
        }
        return (file, CorpusFormat.TinyStories);
    }

    static ITokenizer LoadTokenizer(Config config, string textFile, int vocabSize)
    {
        var kind = config.GetString("tokenizer.kind");
        var path = config.GetString("tokenizer.path");
        return kind switch
        {
            "bytes" => TokenizerSpec.Load("bytes"),
            "gpt2-bpe" => TokenizerSpec.Load("gpt2:" + path),
            "bpe" => TokenizerSpec.Load("bpe:" + path),
            "corpus-bpe" => CorpusBpe(path, textFile, vocabSize, config.GetDouble("tokenizer.train-megabytes")),
            _ => throw new StlmException($"tokenizer.kind = \"{kind}\": use \"bytes\", \"gpt2-bpe\", \"bpe\" or \"corpus-bpe\""),
        };
    }

    /// <summary>
    /// The tokenizer a run's config names, from files that exist already (for evaluating,
    /// generating and exporting a run's checkpoints): a corpus-bpe is loaded, never learned.
    /// </summary>
    public static ITokenizer LoadExistingTokenizer(Config config)
    {
        var kind = config.GetString("tokenizer.kind");
        var path = config.GetString("tokenizer.path");
        if (kind == "corpus-bpe" && BpeFiles.FindIn(path) is null)
            throw new StlmException($"tokenizer.kind = \"corpus-bpe\": no learned vocabulary in {path}; training learns it there, so run `stlm train` with this config first or point tokenizer.path at it");
        return kind == "corpus-bpe" ? TokenizerSpec.Load("bpe:" + path) : LoadTokenizer(config, "", 0);
    }

    /// <summary>A BPE of <paramref name="vocabSize"/> learned once from the start of the corpus text.</summary>
    static ITokenizer CorpusBpe(string directory, string textFile, int vocabSize, double megabytes)
    {
        if (BpeFiles.FindIn(directory) is null)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var chars = (int)Math.Min(int.MaxValue / 2, megabytes * 1_000_000);
            var text = new char[chars];
            using (var reader = new StreamReader(textFile))
                chars = reader.ReadBlock(text, 0, chars);
            var vocabulary = BpeTrainer.Train([new string(text, 0, chars)], vocabSize);
            var partial = directory.TrimEnd('/') + ".partial";
            if (Directory.Exists(partial)) Directory.Delete(partial, recursive: true);
            BpeFiles.Save(vocabulary, partial);
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
            Directory.Move(partial, directory);
            Log.Information("Learned a {Vocab}-token BPE from {Chars} characters of {Text} in {Seconds:F1} s ({Dir})",
                vocabSize, chars, textFile, clock.Elapsed.TotalSeconds, directory);
        }
        return TokenizerSpec.Load("bpe:" + directory);
    }

    static string SafeName(string name) =>
        new(name.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-').ToArray());
}
