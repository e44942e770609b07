using System.Globalization;
using Stlm.Model.Tokenizers;

namespace Stlm.Model.Data;

/// <summary>
/// The corpus a run uses when it is given none: <see cref="SyntheticStories"/> written once to
/// "{directory}/stories-seed{S}-{MB}MB.txt" and tokenised into "{directory}/{tokenizer}/".
/// Both steps are skipped when their output is already there and intact, so every run after
/// the first costs a hash of the text and the shards.
/// </summary>
public static class SyntheticCorpus
{
    public sealed record Prepared(string StoriesFile, string ShardDirectory, PrepareResult Result);

    public static Prepared Ensure(string directory, ITokenizer tokenizer, double megabytes = 20, ulong seed = 0,
        double heldOutFraction = 0.01, IProgress<PrepareProgress>? progress = null, CancellationToken cancel = default)
    {
        Directory.CreateDirectory(directory);
        var mb = megabytes.ToString("0.###", CultureInfo.InvariantCulture);
        var stories = Path.Combine(directory, $"stories-seed{seed}-{mb}MB.txt");
        if (!File.Exists(stories))
            SyntheticStories.WriteFile(stories, seed, (long)(megabytes * 1_000_000));
        var shards = Path.Combine(directory, SafeName(tokenizer.Name));
        var options = new PrepareOptions([stories], CorpusFormat.TinyStories, HeldOutFraction: heldOutFraction);
        return new Prepared(stories, shards, ShardPreparer.Prepare(options, tokenizer, shards, progress, cancel));
    }

    /// <summary>"gpt2-bpe(50257)" → "gpt2-bpe-50257-": a tokenizer name usable as a folder name.</summary>
    static string SafeName(string name) =>
        new(name.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-').ToArray());
}
