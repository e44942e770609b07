using System.Text.RegularExpressions;
using Stlm.Model.Data;
using Stlm.Tests.Support;

namespace Stlm.Tests.Model.Data;

public class SyntheticStoriesTests
{
    [Fact]
    public void The_same_seed_gives_the_same_text_and_another_seed_another()
    {
        var a = SyntheticStories.Generate(seed: 1, megabytes: 0.05);
        Assert.Equal(a, SyntheticStories.Generate(seed: 1, megabytes: 0.05));
        Assert.NotEqual(a, SyntheticStories.Generate(seed: 2, megabytes: 0.05));
    }

    [Fact]
    public void The_size_is_what_was_asked_for_give_or_take_one_story()
    {
        var text = SyntheticStories.Generate(seed: 3, megabytes: 0.2);
        Assert.InRange(text.Length, 200_000, 202_000);
        Assert.EndsWith("<|endoftext|>\n", text);
    }

    [Fact]
    public void Stories_read_back_as_TinyStories_documents_with_a_small_varied_vocabulary()
    {
        var text = SyntheticStories.Generate(seed: 4, megabytes: 0.5);
        var stories = TinyStoriesReader.Read(new StringReader(text)).Select(p => p.Text).ToList();
        Assert.True(stories.Count > 500);
        Assert.True(stories.Distinct().Count() > stories.Count * 0.99, "stories should rarely repeat");
        Assert.All(stories, s => Assert.Matches(@"[.!""]$", s));
        var words = Regex.Matches(text.Replace(SyntheticStories.Separator, ""), "[A-Za-z]+").Select(m => m.Value.ToLowerInvariant()).ToHashSet();
        Assert.InRange(words.Count, 200, 1000);
        Assert.True(text.All(c => c < 128), "the grammar is ASCII, so characters are bytes");
    }

    [Fact]
    public void A_story_keeps_its_hero_and_pronouns_consistent()
    {
        foreach (var story in SyntheticStories.Stories(seed: 9).Take(200))
        {
            var named = Regex.Match(story, @"named (\w+)|^(\w+) was");
            if (!named.Success) continue;
            var hero = named.Groups[1].Success ? named.Groups[1].Value : named.Groups[2].Value;
            Assert.True(Regex.Matches(story, $@"\b{hero}\b").Count >= 2, story);
        }
    }

    [Fact]
    public void The_default_corpus_is_generated_and_tokenised_once_then_reused()
    {
        using var dir = new TempDirectory();
        var first = SyntheticCorpus.Ensure(dir.Path, new ByteIdTokenizer(), megabytes: 0.02, seed: 7);
        Assert.False(first.Result.Reused);
        Assert.Equal(SyntheticStories.Generate(7, 0.02), File.ReadAllText(first.StoriesFile));
        Assert.True(first.Result.Manifest.Validation.Documents > 0);

        var second = SyntheticCorpus.Ensure(dir.Path, new ByteIdTokenizer(), megabytes: 0.02, seed: 7);
        Assert.True(second.Result.Reused);
        Assert.Equal(first.ShardDirectory, second.ShardDirectory);
        using var data = TokenDataset.Open(second.ShardDirectory, DataSplit.Train, 64);
        Assert.Equal(first.Result.Manifest.Train.Tokens, data.Tokens);
    }
}
