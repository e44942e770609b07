using System.Text;
using Stlm.Model;
using Stlm.Model.Data;

namespace Stlm.Tests.Model.Data;

public class CorpusReaderTests
{
    static List<TextPiece> Read(CorpusFormat format, string text, string field = "text") =>
        CorpusFormats.Read(format, new StringReader(text), "corpus.jsonl", field).ToList();

    [Fact]
    public void Plain_text_is_one_document_whose_pieces_rebuild_the_text_and_are_cut_only_between_non_spaces()
    {
        var lines = Enumerable.Range(0, 30_000).Select(i => i % 7 == 0 ? $"  indented line {i}" : i % 5 == 0 ? "" : $"line {i} ends here.");
        var text = string.Join("\n", lines) + "\n";
        var pieces = Read(CorpusFormat.Text, text);

        Assert.True(pieces.Count > 3);
        Assert.Equal(text, string.Concat(pieces.Select(p => p.Text)));
        Assert.Equal([.. Enumerable.Repeat(false, pieces.Count - 1), true], pieces.Select(p => p.EndsDocument));
        for (var i = 0; i + 1 < pieces.Count; i++)
        {
            var (a, b) = (pieces[i].Text, pieces[i + 1].Text);
            Assert.True(a.Length >= SafeCut.PieceChars / 2);
            Assert.Equal('\n', a[^1]);
            Assert.False(char.IsWhiteSpace(a[^2]));
            Assert.False(char.IsWhiteSpace(b[0]));
        }
    }

    [Fact]
    public void TinyStories_splits_at_endoftext_trims_each_story_and_skips_empty_ones()
    {
        var text = "Once there was a cat.\nThe end.\n<|endoftext|>\n  Tom ran. <|endoftext|>\n<|endoftext|>\nLast one\n";
        var pieces = Read(CorpusFormat.TinyStories, text);
        Assert.Equal(["Once there was a cat.\nThe end.", "Tom ran.", "Last one"], pieces.Select(p => p.Text));
        Assert.All(pieces, p => Assert.True(p.EndsDocument));
    }

    [Fact]
    public void TinyStories_finds_a_separator_split_across_read_blocks()
    {
        var first = new string('a', SafeCut.PieceChars - 5);
        var text = first + "<|endoftext|>second";
        Assert.Equal([first, "second"], Read(CorpusFormat.TinyStories, text).Select(p => p.Text));
    }

    [Fact]
    public void Jsonl_reads_the_chosen_field_and_skips_blank_lines()
    {
        var text = "{\"text\": \"ignored\", \"body\": \"first doc\"}\n\n{\"body\": \"second\\ndoc\"}\n";
        Assert.Equal(["first doc", "second\ndoc"], Read(CorpusFormat.Jsonl, text, "body").Select(p => p.Text));
    }

    [Theory]
    [InlineData("{\"text\": \"ok\"}\n{\"text\": oops}\n", "corpus.jsonl:2: not valid JSON")]
    [InlineData("{\"text\": \"ok\"}\n\n{\"other\": \"x\"}\n", "corpus.jsonl:3: no \"text\" field")]
    [InlineData("{\"text\": 5}\n", "corpus.jsonl:1: field \"text\" is Number")]
    public void A_bad_jsonl_line_is_named_by_file_and_line(string text, string expected)
    {
        var e = Assert.Throws<StlmException>(() => Read(CorpusFormat.Jsonl, text));
        Assert.StartsWith(expected, e.Message);
    }

    [Fact]
    public void Format_names_parse_and_unknown_ones_are_user_errors()
    {
        Assert.Equal(CorpusFormat.TinyStories, CorpusFormats.Parse("TinyStories"));
        Assert.Equal(CorpusFormat.Jsonl, CorpusFormats.Parse("jsonl"));
        Assert.Contains("use text, tinystories or jsonl", Assert.Throws<StlmException>(() => CorpusFormats.Parse("csv")).Message);
    }

    [Fact]
    public void Pieces_of_a_long_story_rebuild_it()
    {
        var story = new StringBuilder();
        for (var i = 0; story.Length < TinyStoriesReader.LongDocumentChars * 2; i++) story.Append($"Sentence {i} is here.\n");
        var text = "short one<|endoftext|>\n" + story + "<|endoftext|>after";
        var pieces = Read(CorpusFormat.TinyStories, text);
        Assert.Equal("short one", pieces[0].Text);
        Assert.Equal("after", pieces[^1].Text);
        var middle = pieces.Skip(1).Take(pieces.Count - 2).ToList();
        Assert.True(middle.Count > 1);
        Assert.Equal(story.ToString().Trim(), string.Concat(middle.Select(p => p.Text)));
        Assert.Equal([.. Enumerable.Repeat(false, middle.Count - 1), true], middle.Select(p => p.EndsDocument));
    }

    [Fact]
    public void A_text_without_line_breaks_is_cut_just_before_a_space_that_starts_a_word()
    {
        var text = string.Concat(Enumerable.Range(0, 40_000).Select(i => $"word{i % 10}, and more "));
        var pieces = Read(CorpusFormat.Text, text);
        Assert.True(pieces.Count > 3);
        Assert.Equal(text, string.Concat(pieces.Select(p => p.Text)));
        foreach (var (a, b) in pieces.Zip(pieces.Skip(1)))
        {
            Assert.False(char.IsWhiteSpace(a.Text[^1]));
            Assert.Equal(' ', b.Text[0]);
            Assert.True(char.IsLetter(b.Text[1]));
        }
    }
}
