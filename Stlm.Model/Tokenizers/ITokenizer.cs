namespace Stlm.Model.Tokenizers;

/// <summary>Text to token ids and back. Implementations are immutable and thread-safe.</summary>
public interface ITokenizer
{
    /// <summary>A short description, e.g. "bytes" or "gpt2-bpe(50257)".</summary>
    string Name { get; }

    int VocabSize { get; }

    /// <summary>The id separating documents, if the vocabulary has one.</summary>
    int? EndOfText { get; }

    int[] Encode(string text);

    /// <summary>The exact bytes the ids stand for (a BPE token may hold part of a UTF-8 character).</summary>
    byte[] DecodeBytes(ReadOnlySpan<int> ids);

    string Decode(ReadOnlySpan<int> ids) => System.Text.Encoding.UTF8.GetString(DecodeBytes(ids));
}
