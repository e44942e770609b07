namespace Stlm.Model.Tokenizers;

/// <summary>Text to token ids and back. Implementations are immutable and thread-safe.</summary>
public interface ITokenizer
{
    /// <summary>A short description, e.g. "bytes" or "gpt2-bpe(50257)".</summary>
    string Name { get; }

    int VocabSize { get; }

    /// <summary>The id separating documents, if the vocabulary has one.</summary>
    int? EndOfText { get; }

    /// <summary>
    /// Encodes plain text: a special token's spelling in the text (e.g. "&lt;|endoftext|&gt;") is
    /// encoded as ordinary characters, so user text can never forge a document separator.
    /// Lone surrogates (invalid UTF-16) are encoded as U+FFFD, as UTF-8 encoders do.
    /// </summary>
    int[] Encode(string text);

    /// <summary>The exact bytes the ids stand for (a BPE token may hold part of a UTF-8 character).</summary>
    byte[] DecodeBytes(ReadOnlySpan<int> ids);

    string Decode(ReadOnlySpan<int> ids) => System.Text.Encoding.UTF8.GetString(DecodeBytes(ids));

    /// <summary>Special tokens by their spelling, e.g. "&lt;|endoftext|&gt;" → 50256 for GPT-2.</summary>
    IReadOnlyDictionary<string, int> SpecialTokens =>
        EndOfText is { } eot ? new Dictionary<string, int> { [Tokenizers.SpecialTokens.EndOfTextText] = eot } : new Dictionary<string, int>();

    /// <summary>
    /// Encodes text in which special tokens are recognised when <paramref name="allowSpecialTokens"/>
    /// is true (e.g. TinyStories' "&lt;|endoftext|&gt;" separators become <see cref="EndOfText"/>).
    /// </summary>
    int[] Encode(string text, bool allowSpecialTokens) =>
        allowSpecialTokens ? Tokenizers.SpecialTokens.EncodeWithSpecials(text, SpecialTokens, Encode) : Encode(text);

    /// <summary>
    /// The number of bytes each id stands for. Their running sum gives the byte offsets of the
    /// token boundaries in the text's UTF-8 (what the byte-level pooling model chunks by); for
    /// ids from <see cref="Encode(string)"/> the lengths add up to the text's UTF-8 length.
    /// </summary>
    int[] TokenByteLengths(ReadOnlySpan<int> ids)
    {
        var lengths = new int[ids.Length];
        for (var i = 0; i < ids.Length; i++)
            lengths[i] = DecodeBytes([ids[i]]).Length;
        return lengths;
    }
}
