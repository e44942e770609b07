using Stlm.Model;
using Stlm.Model.Eval;

namespace Stlm.Tests.Model.Eval;

public class BadInputTests : IDisposable
{
    readonly string dir = Path.Combine(Path.GetTempPath(), "stlm-eval-" + Guid.NewGuid().ToString("N")[..12]);

    public BadInputTests() => Directory.CreateDirectory(dir);

    public void Dispose() => Directory.Delete(dir, recursive: true);

    string Write(string name, string content)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, content);
        return path;
    }

    const string GoodArc = "{\"question\":{\"stem\":\"Q?\",\"choices\":[{\"text\":\"a\",\"label\":\"A\"},{\"text\":\"b\",\"label\":\"B\"}]},\"answerKey\":\"A\"}";

    [Theory]
    [InlineData("{\"question\":{\"choices\":[]},\"answerKey\":\"A\"}", ":2: missing field \"question.stem\"")]
    [InlineData("{\"question\":{\"stem\":\"Q?\",\"choices\":[{\"text\":\"a\",\"label\":\"A\"}]},\"answerKey\":\"E\"}", ":2: answerKey \"E\" is not one of the labels A")]
    [InlineData("{\"question\":{\"stem\":\"Q?\",\"choices\":[{\"label\":\"A\"}]},\"answerKey\":\"A\"}", ":2: missing field \"question.choices[0].text\"")]
    [InlineData("not json", ":2: not valid JSON")]
    public void Arc_errors_name_file_and_line(string badLine, string expected)
    {
        var path = Write("arc.jsonl", GoodArc + "\n" + badLine + "\n");
        var e = Assert.Throws<StlmException>(() => ArcReader.Read(path).ToList());
        Assert.Contains(path + expected, e.Message);
    }

    [Fact]
    public void A_HellaSwag_label_out_of_range_is_named()
    {
        var path = Write("hs.jsonl", "{\"query\":\"q\",\"choices\":[\"a\",\"b\"],\"gold\":2}\n");
        Assert.Contains($"{path}:1: \"gold\" is 2, but there are 2 options", Assert.Throws<StlmException>(() => HellaSwagReader.Read(path).ToList()).Message);
    }

    [Fact]
    public void A_HellaSwag_test_line_without_a_label_is_named()
    {
        var path = Write("hs.jsonl", "{\"activity_label\":\"x\",\"ctx_a\":\"a\",\"ctx_b\":\"b\",\"endings\":[\"e\"],\"label\":\"\"}\n");
        Assert.Contains($"{path}:1: \"label\" is \"\", expected an integer", Assert.Throws<StlmException>(() => HellaSwagReader.Read(path).ToList()).Message);
    }

    [Theory]
    [InlineData("{\"sentence\":\"no blank here\",\"option1\":\"a\",\"option2\":\"b\",\"answer\":\"1\"}", ":1: \"sentence\" has no \"_\"")]
    [InlineData("{\"sentence\":\"the _ ran\",\"option1\":\"a\",\"option2\":\"b\",\"answer\":\"3\"}", ":1: \"answer\" is \"3\", expected \"1\" or \"2\"")]
    [InlineData("{\"sentence\":\"the _ ran\",\"option1\":\"a\",\"answer\":\"1\"}", ":1: missing field \"option2\"")]
    public void WinoGrande_errors_name_file_and_line(string line, string expected)
    {
        var path = Write("wg.jsonl", line + "\n");
        Assert.Contains(path + expected, Assert.Throws<StlmException>(() => WinoGrandeReader.Read(path).ToList()).Message);
    }

    [Theory]
    [InlineData("q,a,b,c,d,A\nq2,a,b,c,d,E\n", ":2: answer \"E\", expected one of A, B, C, D")]
    [InlineData("q,a,b,c,d,A\n\"multi\nline\",a,b,c\n", ":2: 4 fields, expected 6")]
    [InlineData("q,a,b,c,d,A\n\"never closed,a,b,c,d,A\n", ":2: a quoted field is never closed")]
    public void Mmlu_errors_name_file_and_the_line_the_record_starts_on(string csv, string expected)
    {
        var path = Write("x_dev.csv", csv);
        Assert.Contains(path + expected, Assert.Throws<StlmException>(() => MmluReader.Read(path).ToList()).Message);
    }

    [Fact]
    public void A_PIQA_labels_file_that_is_short_or_bad_is_named()
    {
        var path = Write("valid.jsonl", "{\"goal\":\"g\",\"sol1\":\"a\",\"sol2\":\"b\"}\n{\"goal\":\"g\",\"sol1\":\"a\",\"sol2\":\"b\"}\n");
        var labels = Write("valid-labels.lst", "1\n");
        Assert.Contains($"{labels}:2: the labels file ends", Assert.Throws<StlmException>(() => PiqaReader.Read(path).ToList()).Message);
        Write("valid-labels.lst", "1\n7\n");
        Assert.Contains($"{labels}:2: label \"7\"", Assert.Throws<StlmException>(() => PiqaReader.Read(path).ToList()).Message);
        File.Delete(labels);
        Assert.Contains($"{path}:1: no \"label\" field and no labels file", Assert.Throws<StlmException>(() => PiqaReader.Read(path).ToList()).Message);
    }

    [Fact]
    public void A_missing_file_is_a_user_error()
    {
        Assert.Contains("not found", Assert.Throws<StlmException>(() => ArcReader.Read(Path.Combine(dir, "none.jsonl")).ToList()).Message);
    }
}
