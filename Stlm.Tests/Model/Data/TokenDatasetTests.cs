using Stlm.Model;
using Stlm.Model.Data;
using Stlm.Tests.Support;

namespace Stlm.Tests.Model.Data;

public class TokenDatasetTests
{
    /// <summary>A prepared corpus whose train split spans several small shards.</summary>
    internal static string PrepareStories(TempDirectory dir, double megabytes = 0.02, long shardTokens = 1000)
    {
        var input = dir.File("stories.txt");
        File.WriteAllText(input, SyntheticStories.Generate(seed: 5, megabytes));
        ShardPreparer.Prepare(new PrepareOptions([input], HeldOutFraction: 0.05, ShardTokens: shardTokens), new ByteIdTokenizer(), dir.File("out"));
        return dir.File("out");
    }

    [Fact]
    public void Windows_read_across_shard_seams_equal_the_concatenated_tokens()
    {
        using var dir = new TempDirectory();
        var outDir = PrepareStories(dir);
        using var data = TokenDataset.Open(outDir, DataSplit.Train, contextLength: 37);
        var manifest = ShardManifest.Load(outDir);
        Assert.True(manifest.Train.Shards.Count > 5);

        var all = new int[data.Tokens];
        data.ReadTokens(0, all);
        Assert.Equal(manifest.Train.Documents, all.Count(id => id == 256));
        Assert.Equal((data.Tokens - 1) / 37, data.WindowCount);

        var window = new int[38];
        for (long w = 0; w < data.WindowCount; w++)
        {
            data.ReadWindow(w, window);
            Assert.Equal(all.AsSpan((int)(w * 37), 38).ToArray(), window);
        }
    }

    [Fact]
    public void The_validation_split_opens_on_its_own_shards_and_knows_its_source_bytes()
    {
        using var dir = new TempDirectory();
        var outDir = PrepareStories(dir);
        using var validation = TokenDataset.Open(outDir, DataSplit.Validation, contextLength: 16);
        var manifest = ShardManifest.Load(outDir);
        Assert.Equal(manifest.Validation.Tokens, validation.Tokens);
        Assert.Equal(manifest.Validation.Bytes, validation.SourceBytes);
        Assert.True(validation.WindowCount > 0);
    }

    [Fact]
    public void A_truncated_shard_is_reported_with_its_path()
    {
        using var dir = new TempDirectory();
        var outDir = PrepareStories(dir);
        var shard = Path.Combine(outDir, "train-00001.bin");
        File.WriteAllBytes(shard, File.ReadAllBytes(shard)[..10]);
        var e = Assert.Throws<StlmException>(() => TokenDataset.Open(outDir, DataSplit.Train, 16));
        Assert.Contains("train-00001.bin: 10 bytes", e.Message);
    }

    [Fact]
    public void A_context_longer_than_the_data_is_a_user_error()
    {
        using var dir = new TempDirectory();
        var outDir = PrepareStories(dir);
        var e = Assert.Throws<StlmException>(() => TokenDataset.Open(outDir, DataSplit.Validation, 1_000_000));
        Assert.Contains("too few for one window", e.Message);
    }

    [Fact]
    public void A_missing_manifest_says_how_to_make_one()
    {
        using var dir = new TempDirectory();
        var e = Assert.Throws<StlmException>(() => TokenDataset.Open(dir.Path, DataSplit.Train, 8));
        Assert.Contains("stlm data prepare", e.Message);
    }
}
