using Stlm.Model;
using Stlm.Model.Eval;

namespace Stlm.Tests.Model.Eval;

public class ReaderTests
{
    static string Fixture(params string[] parts) => Path.Combine([AppContext.BaseDirectory, "Fixtures", "Eval", .. parts]);

    static void AssertShared(MultipleChoiceItem item, string context, string[] choices, int gold)
    {
        Assert.All(item.Options, o => Assert.Equal(context, o.Context));
        Assert.Equal(choices.Select(c => " " + c), item.Options.Select(o => o.Continuation));
        Assert.Equal(choices, item.Options.Select(o => o.Choice));
        Assert.Equal(gold, item.Gold);
    }

    [Fact]
    public void Arc_items_use_the_harness_question_prompt_and_map_letter_and_number_labels()
    {
        var items = ArcReader.Read(Fixture("arc_easy_sample.jsonl")).ToList();
        Assert.Equal(4, items.Count);
        AssertShared(items[0], "Question: Which technology was developed most recently?\nAnswer:",
            ["cellular telephone", "television", "refrigerator", "airplane"], 0);
        Assert.EndsWith("arc_easy_sample.jsonl:1", items[0].Origin);
        Assert.Equal(2, items[1].Gold); // answerKey C
        Assert.Equal(2, items[3].Gold); // numeric labels 1-4, answerKey "3"
        Assert.Equal(" masses", items[3].Options[2].Continuation);
    }

    [Fact]
    public void HellaSwag_harness_format_is_read_as_is()
    {
        var items = HellaSwagReader.Read(Fixture("hellaswag_harness_sample.jsonl")).ToList();
        Assert.Equal(4, items.Count);
        Assert.Equal("Removing ice from car: Then, the man writes over the snow covering the window of a car, and a woman wearing winter clothes smiles. Then", items[0].Options[0].Context);
        Assert.Equal(" , the man continues removing the snow on his car.", items[0].Options[3].Continuation);
        Assert.Equal(3, items[0].Gold);
    }

    [Fact]
    public void HellaSwag_in_llama_cpp_text_form_reads_as_the_same_questions_as_the_harness_jsonl()
    {
        var text = HellaSwagReader.Read(Fixture("hellaswag_llamacpp_sample.txt")).ToList();
        var harness = HellaSwagReader.Read(Fixture("hellaswag_harness_sample.jsonl")).ToList();

        Assert.Equal(harness.Count, text.Count);
        Assert.Equal(harness.Select(i => i.Gold), text.Select(i => i.Gold));
        Assert.Equal(harness.SelectMany(i => i.Options), text.SelectMany(i => i.Options));
        Assert.EndsWith("hellaswag_llamacpp_sample.txt:7", text[1].Origin);
    }

    [Fact]
    public void HellaSwag_text_that_breaks_the_six_line_pattern_is_named_by_line()
    {
        var path = Path.Combine(Path.GetTempPath(), $"hellaswag-{Guid.NewGuid():N}.txt");
        var lines = File.ReadAllLines(Fixture("hellaswag_llamacpp_sample.txt"));
        try
        {
            File.WriteAllLines(path, [.. lines[..6], lines[6], "seven", .. lines[8..12]]);
            Assert.Contains($"{path}:8: expected the gold ending's index (0-3) but found \"seven\"",
                Assert.Throws<StlmException>(() => HellaSwagReader.Read(path).ToList()).Message);

            File.WriteAllLines(path, lines[..9]);
            Assert.Contains($"{path}:7: the file ends inside a question (3 of 6 lines)",
                Assert.Throws<StlmException>(() => HellaSwagReader.Read(path).ToList()).Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void HellaSwag_original_format_gets_the_harness_preprocessing()
    {
        var items = HellaSwagReader.Read(Fixture("hellaswag_original_sample.jsonl")).ToList();
        Assert.Equal(2, items.Count);
        // Same question as the harness sample's first line: the preprocessing reproduces its query.
        var harness = HellaSwagReader.Read(Fixture("hellaswag_harness_sample.jsonl")).First();
        Assert.Equal(harness.Options.Select(o => (o.Context, o.Continuation)), items[0].Options.Select(o => (o.Context, o.Continuation)));
        Assert.Equal(harness.Gold, items[0].Gold);
        // [title] → ". ", other brackets dropped, double spaces halved, ctx_b capitalised Python-style.
        AssertShared(items[1], "Home and Garden: How to plant tulips. Pick a sunny spot. Tulips need light. Dig a hole",
            ["that is twice as deep as the bulb. Use a trowel.", "and. fill it with sand.", "in the shade.", "with a spoon."], 0);
    }

    [Fact]
    public void WinoGrande_options_become_contexts_and_the_text_after_the_blank_is_scored()
    {
        var items = WinoGrandeReader.Read(Fixture("winogrande_sample.jsonl")).ToList();
        Assert.Equal(4, items.Count);
        var first = items[0];
        Assert.Equal(["Ian volunteered to eat Dennis's menudo after already having a bowl because Ian",
                      "Ian volunteered to eat Dennis's menudo after already having a bowl because Dennis"], first.Options.Select(o => o.Context));
        Assert.All(first.Options, o => Assert.Equal(" despised eating intestine.", o.Continuation));
        Assert.Equal(1, first.Gold);
        Assert.Equal(0, items[1].Gold);
    }

    [Fact]
    public void Mmlu_rows_get_the_subject_header_and_letter_continuations()
    {
        var items = MmluReader.Read(Fixture("mmlu", "abstract_algebra_dev.csv")).ToList();
        Assert.Equal(5, items.Count);
        AssertShared(items[0],
            "The following are multiple choice questions (with answers) about abstract algebra.\n\n" +
            "Find all c in Z_3 such that Z_3[x]/(x^2 + c) is a field.\nA. 0\nB. 1\nC. 2\nD. 3\nAnswer:",
            ["A", "B", "C", "D"], 1);
        Assert.Contains("A. True, True\nB. False, False", items[1].Options[0].Context);
    }

    [Fact]
    public void Mmlu_reads_a_directory_and_quoted_fields_spanning_lines()
    {
        var items = MmluReader.Read(Fixture("mmlu")).ToList();
        Assert.Equal(10, items.Count);
        var pipelined = items.Single(i => i.Options[0].Context.Contains("pipelined RISC"));
        Assert.Contains("about college computer science.\n\nA certain pipelined RISC machine has 8 general-purpose registers R0, R1, . . . , R7 and supports the following operations.\nADD Rs1", pipelined.Options[0].Context);
        Assert.EndsWith("college_computer_science_dev.csv:2", pipelined.Origin);
        Assert.EndsWith("college_computer_science_dev.csv:6", items[7].Origin); // the record after the 4-line question
    }

    [Fact]
    public void Piqa_reads_answers_from_a_labels_file_or_a_label_field()
    {
        var separate = PiqaReader.Read(Fixture("piqa_valid.jsonl")).ToList();
        Assert.Equal(3, separate.Count);
        AssertShared(separate[0], "Question: How do I keep bread fresh?\nAnswer:", ["Store it in a sealed bag.", "Leave it open in the sun."], 0);
        Assert.Equal([0, 1, 0], separate.Select(i => i.Gold));

        var combined = PiqaReader.Read(Fixture("piqa_combined.jsonl")).ToList();
        Assert.Equal(2, combined.Count);
        Assert.Equal(separate[1].Options, combined[1].Options);
        Assert.Equal(1, combined[1].Gold);
    }

    [Fact]
    public void Tasks_are_read_by_name()
    {
        Assert.Equal(4, MultipleChoiceTasks.Read("winogrande", Fixture("winogrande_sample.jsonl")).Count);
        Assert.Contains("unknown task 'squad'", Assert.Throws<StlmException>(() => MultipleChoiceTasks.Read("squad", "x")).Message);
    }
}
