using System.Text;

namespace Stlm.Model.Eval;

/// <summary>
/// RFC 4180 CSV: fields separated by commas, optionally in double quotes, where a quoted field
/// may hold commas, line breaks and doubled quotes (MMLU's questions do). Each record comes
/// with the line it starts on, for error messages.
/// </summary>
public static class CsvRecords
{
    public sealed record Record(int Line, IReadOnlyList<string> Fields);

    public static IEnumerable<Record> Read(string path)
    {
        using var reader = new StreamReader(path, Encoding.UTF8);
        var line = 1;
        while (reader.Peek() >= 0)
        {
            var start = line;
            var fields = new List<string>();
            var field = new StringBuilder();
            var quoted = false;
            var atFieldStart = true;
            while (true)
            {
                var c = reader.Read();
                if (c < 0)
                {
                    if (quoted) throw new StlmException($"{path}:{start}: a quoted field is never closed: add the missing '\"'");
                    break;
                }
                if (quoted)
                {
                    if (c == '"')
                    {
                        if (reader.Peek() == '"') { reader.Read(); field.Append('"'); }
                        else quoted = false;
                    }
                    else
                    {
                        if (c == '\n') line++;
                        field.Append((char)c);
                    }
                    continue;
                }
                if (c == '"' && atFieldStart) { quoted = true; atFieldStart = false; continue; }
                if (c == ',') { fields.Add(field.ToString()); field.Clear(); atFieldStart = true; continue; }
                if (c == '\r' && reader.Peek() == '\n') continue;
                if (c == '\n') { line++; break; }
                field.Append((char)c);
                atFieldStart = false;
            }
            fields.Add(field.ToString());
            if (fields.Count == 1 && fields[0].Length == 0) continue; // a blank line
            yield return new Record(start, fields);
        }
    }
}
