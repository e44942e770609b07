namespace Stlm.Model.Data;

/// <summary>How a source file's text is split into documents.</summary>
public enum CorpusFormat
{
    /// <summary>The whole file is one document (streamed in pieces).</summary>
    Text,
    /// <summary>Stories separated by <c>&lt;|endoftext|&gt;</c>, as the TinyStories files are.</summary>
    TinyStories,
    /// <summary>One JSON object per line; one string field holds the document.</summary>
    Jsonl,
}

public static class CorpusFormats
{
    public static CorpusFormat Parse(string name) => name.ToLowerInvariant() switch
    {
        "text" or "txt" or "plain" => CorpusFormat.Text,
        "tinystories" => CorpusFormat.TinyStories,
        "jsonl" => CorpusFormat.Jsonl,
        _ => throw new StlmException($"unknown corpus format '{name}': use text, tinystories or jsonl"),
    };

    public static string Name(this CorpusFormat format) => format switch
    {
        CorpusFormat.Text => "text",
        CorpusFormat.TinyStories => "tinystories",
        CorpusFormat.Jsonl => "jsonl",
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };

    /// <summary>The pieces of <paramref name="path"/>'s documents, read lazily from <paramref name="reader"/>.</summary>
    public static IEnumerable<TextPiece> Read(CorpusFormat format, TextReader reader, string path, string jsonField = "text") => format switch
    {
        CorpusFormat.Text => PlainTextReader.Read(reader),
        CorpusFormat.TinyStories => TinyStoriesReader.Read(reader),
        CorpusFormat.Jsonl => JsonlTextReader.Read(reader, path, jsonField),
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };
}
