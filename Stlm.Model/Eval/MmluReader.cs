namespace Stlm.Model.Eval;

/// <summary>
/// MMLU in Hendrycks' csv files (question, A, B, C, D, answer letter; one file per subject,
/// e.g. "college_biology_dev.csv"), zero-shot as lm-evaluation-harness's default task: the
/// context is "The following are multiple choice questions (with answers) about {subject}.\n\n"
/// + "{question}\nA. {a}\nB. {b}\nC. {c}\nD. {d}\nAnswer:" and the continuations are the
/// letters " A" … " D" (not the choice texts), so acc_norm equals acc.
/// A directory is read as all its *.csv files in name order.
/// </summary>
public static class MmluReader
{
    static readonly string[] Letters = ["A", "B", "C", "D"];

    public static IEnumerable<MultipleChoiceItem> Read(string path)
    {
        if (Directory.Exists(path))
            return Directory.EnumerateFiles(path, "*.csv").Order(StringComparer.Ordinal).SelectMany(ReadFile);
        if (!File.Exists(path)) throw new StlmException($"{path} not found: give an MMLU csv file or a directory of them");
        return ReadFile(path);
    }

    /// <summary>"high_school_us_history_dev.csv" → "high school us history".</summary>
    public static string SubjectOf(string path)
    {
        var name = Path.GetFileNameWithoutExtension(path);
        foreach (var split in new[] { "_dev", "_val", "_test", "_train" })
            if (name.EndsWith(split, StringComparison.Ordinal)) { name = name[..^split.Length]; break; }
        return name.Replace('_', ' ');
    }

    static IEnumerable<MultipleChoiceItem> ReadFile(string path)
    {
        var header = $"The following are multiple choice questions (with answers) about {SubjectOf(path)}.\n\n";
        foreach (var record in CsvRecords.Read(path))
        {
            var origin = $"{path}:{record.Line}";
            var f = record.Fields;
            if (f.Count != 6)
                throw new StlmException($"{origin}: {f.Count} fields, expected 6 (question, A, B, C, D, answer)");
            var gold = Array.IndexOf(Letters, f[5].Trim());
            if (gold < 0)
                throw new StlmException($"{origin}: answer \"{f[5]}\", expected one of A, B, C, D");
            var context = $"{header}{f[0].Trim()}\nA. {f[1]}\nB. {f[2]}\nC. {f[3]}\nD. {f[4]}\nAnswer:";
            yield return MultipleChoiceItem.SharedContext(origin, context, Letters, gold);
        }
    }
}
