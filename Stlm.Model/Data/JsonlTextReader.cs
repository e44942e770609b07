using System.Text.Json;

namespace Stlm.Model.Data;

/// <summary>
/// JSON lines: each non-blank line an object whose string field <c>jsonField</c> is one document.
/// A line that isn't such an object is the user's to fix, so it is named as file:line.
/// </summary>
public static class JsonlTextReader
{
    public static IEnumerable<TextPiece> Read(TextReader reader, string path, string jsonField)
    {
        var lineNumber = 0;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            var text = TextOf(line, path, lineNumber, jsonField);
            if (text.Length > 0)
                yield return new TextPiece(text, EndsDocument: true);
        }
    }

    static string TextOf(string line, string path, int lineNumber, string field)
    {
        JsonDocument document;
        try { document = JsonDocument.Parse(line); }
        catch (JsonException e)
        {
            throw new StlmException($"{path}:{lineNumber}: not valid JSON ({e.Message.Split('.')[0]}): each line of a jsonl corpus must be one JSON object");
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object ||
                !document.RootElement.TryGetProperty(field, out var value))
                throw new StlmException($"{path}:{lineNumber}: no \"{field}\" field: give each line a \"{field}\" string or pick the field with --text-field");
            if (value.ValueKind != JsonValueKind.String)
                throw new StlmException($"{path}:{lineNumber}: field \"{field}\" is {value.ValueKind}, not a string: the document text must be a JSON string");
            return value.GetString()!;
        }
    }
}
