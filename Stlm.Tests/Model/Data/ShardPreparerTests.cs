using System.Buffers.Binary;
using System.Text;
using Stlm.Model;
using Stlm.Model.Data;
using Stlm.Tests.Support;

namespace Stlm.Tests.Model.Data;

public class ShardPreparerTests
{
    static readonly string[] Stories = ["Tom had a red ball.", "Lily saw a cat. ☀", "The end of the third story.", "Four.", "Five is here."];

    static string WriteTinyStories(TempDirectory dir, IEnumerable<string> stories, string name = "stories.txt")
    {
        var path = dir.File(name);
        File.WriteAllText(path, string.Join("\n<|endoftext|>\n", stories) + "\n<|endoftext|>\n");
        return path;
    }

    static int[] ReadShard(string path, TokenDType dtype)
    {
        var bytes = File.ReadAllBytes(path);
        return dtype == TokenDType.UInt16
            ? Enumerable.Range(0, bytes.Length / 2).Select(i => (int)BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(2 * i))).ToArray()
            : Enumerable.Range(0, bytes.Length / 4).Select(i => (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(4 * i))).ToArray();
    }

    static int[] AllTokens(string dir, SplitInfo split, TokenDType dtype) =>
        split.Shards.SelectMany(s => ReadShard(Path.Combine(dir, s.File), dtype)).ToArray();

    [Fact]
    public void Documents_become_uint16_tokens_separated_by_end_of_text_and_the_manifest_counts_them()
    {
        using var dir = new TempDirectory();
        var input = WriteTinyStories(dir, Stories);
        var outDir = dir.File("shards");
        var tokenizer = new ByteIdTokenizer();

        var result = ShardPreparer.Prepare(new PrepareOptions([input], HeldOutFraction: 0), tokenizer, outDir);
        var m = ShardManifest.Load(outDir);

        Assert.False(result.Reused);
        Assert.Equal("test-bytes", m.Tokenizer);
        Assert.Equal(257, m.VocabSize);
        Assert.Equal("uint16", m.DType);
        var bytes = Stories.Sum(s => Encoding.UTF8.GetByteCount(s));
        Assert.Equal(new SplitInfo(5, bytes + 5, bytes, m.Train.Shards), m.Train);
        Assert.Equal(0, m.Validation.Tokens);
        Assert.Equal(bytes, m.TotalBytes);
        Assert.Equal(new FileInfo(input).Length, m.Sources.Single().Bytes);
        var expected = Stories.SelectMany(s => tokenizer.Encode(s).Append(256)).ToArray();
        Assert.Equal(expected, AllTokens(outDir, m.Train, TokenDType.UInt16));
        Assert.Empty(Directory.GetFiles(outDir, "*.tmp"));
    }

    [Fact]
    public void A_vocabulary_beyond_65536_is_stored_as_uint32()
    {
        using var dir = new TempDirectory();
        var input = WriteTinyStories(dir, Stories);
        var tokenizer = new ByteIdTokenizer(offset: 70_000);
        ShardPreparer.Prepare(new PrepareOptions([input], HeldOutFraction: 0), tokenizer, dir.File("out"));
        var m = ShardManifest.Load(dir.File("out"));
        Assert.Equal("uint32", m.DType);
        Assert.Equal(Stories.SelectMany(s => tokenizer.Encode(s).Append(70_256)), AllTokens(dir.File("out"), m.Train, TokenDType.UInt32));
    }

    [Fact]
    public void Shards_roll_over_at_the_size_limit_and_record_their_hashes()
    {
        using var dir = new TempDirectory();
        var input = WriteTinyStories(dir, Stories);
        ShardPreparer.Prepare(new PrepareOptions([input], HeldOutFraction: 0, ShardTokens: 16), new ByteIdTokenizer(), dir.File("out"));
        var m = ShardManifest.Load(dir.File("out"));
        Assert.True(m.Train.Shards.Count > 3);
        Assert.All(m.Train.Shards.SkipLast(1), s => Assert.Equal(16, s.Tokens));
        Assert.All(m.Train.Shards, s => Assert.Equal(SourceHashing.Sha256(Path.Combine(dir.File("out"), s.File)), s.Sha256));
        Assert.Equal(m.Train.Tokens, m.Train.Shards.Sum(s => s.Tokens));
    }

    [Fact]
    public void Held_out_documents_go_to_the_validation_shards()
    {
        using var dir = new TempDirectory();
        var stories = Enumerable.Range(0, 40).Select(i => $"Story number {i}.").ToArray();
        var input = WriteTinyStories(dir, stories);
        ShardPreparer.Prepare(new PrepareOptions([input], HeldOutFraction: 0.1), new ByteIdTokenizer(), dir.File("out"));
        var m = ShardManifest.Load(dir.File("out"));
        var split = new HeldOutSplit(0.1);
        var held = stories.Where((_, i) => split.IsHeldOut(i)).ToArray();
        Assert.Equal(4, m.Validation.Documents);
        Assert.Equal(36, m.Train.Documents);
        var decoded = Encoding.UTF8.GetString(new ByteIdTokenizer().DecodeBytes(AllTokens(dir.File("out"), m.Validation, TokenDType.UInt16)));
        Assert.Equal(string.Concat(held), decoded);
        Assert.Equal(held.Sum(s => s.Length), m.Validation.Bytes);
    }

    [Fact]
    public void A_plain_text_file_holds_out_pieces_of_itself()
    {
        using var dir = new TempDirectory();
        var input = dir.File("book.txt");
        var text = string.Concat(Enumerable.Range(0, 30_000).Select(i => $"Line {i} of the book.\n"));
        File.WriteAllText(input, text);
        ShardPreparer.Prepare(new PrepareOptions([input], CorpusFormat.Text, HeldOutFraction: 0.2), new ByteIdTokenizer(), dir.File("out"));
        var m = ShardManifest.Load(dir.File("out"));
        Assert.True(m.Validation.Documents >= 2 && m.Train.Documents > m.Validation.Documents);
        Assert.Equal(text.Length, m.TotalBytes);
        Assert.Equal(text.Length + 1, m.TotalTokens); // one document: one end-of-text, at the very end
    }

    [Fact]
    public void Holding_out_every_document_is_a_user_error()
    {
        using var dir = new TempDirectory();
        var input = WriteTinyStories(dir, ["The only story."]);
        var e = Assert.Throws<StlmException>(() => ShardPreparer.Prepare(new PrepareOptions([input]), new ByteIdTokenizer(), dir.File("out")));
        Assert.Contains("lower --val-fraction", e.Message);
        Assert.False(ShardManifest.Exists(dir.File("out")));
    }

    [Fact]
    public void Output_is_the_same_bytes_whatever_the_number_of_workers()
    {
        using var dir = new TempDirectory();
        var input = dir.File("stories.txt");
        File.WriteAllText(input, SyntheticStories.Generate(seed: 3, megabytes: 0.3));
        var one = ShardPreparer.Prepare(new PrepareOptions([input], Parallelism: 1) { ChunkChars = 4096 }, new ByteIdTokenizer(), dir.File("a")).Manifest;
        var many = ShardPreparer.Prepare(new PrepareOptions([input], Parallelism: 4) { ChunkChars = 1000 }, new ByteIdTokenizer(), dir.File("b")).Manifest;
        Assert.Equal(one.Train.Shards, many.Train.Shards);
        Assert.Equal(one.Validation.Shards, many.Validation.Shards);
        Assert.Equal((one.Train.Documents, one.Train.Tokens, one.Train.Bytes), (many.Train.Documents, many.Train.Tokens, many.Train.Bytes));
    }

    [Fact]
    public void A_rerun_over_an_unchanged_source_reuses_the_shards_and_a_changed_one_rebuilds_them()
    {
        using var dir = new TempDirectory();
        var input = WriteTinyStories(dir, Stories);
        var options = new PrepareOptions([input], HeldOutFraction: 0);
        ShardPreparer.Prepare(options, new ByteIdTokenizer(), dir.File("out"));
        var shard = Path.Combine(dir.File("out"), "train-00000.bin");
        var written = File.GetLastWriteTimeUtc(shard);

        var again = ShardPreparer.Prepare(options, new ByteIdTokenizer(), dir.File("out"));
        Assert.True(again.Reused);
        Assert.Equal(written, File.GetLastWriteTimeUtc(shard));

        WriteTinyStories(dir, [.. Stories, "A sixth story."]);
        var changed = ShardPreparer.Prepare(options, new ByteIdTokenizer(), dir.File("out"));
        Assert.False(changed.Reused);
        Assert.Equal(6, changed.Manifest.Train.Documents);
    }

    [Fact]
    public void A_tokenizer_with_the_same_name_but_other_ids_does_not_reuse_the_shards()
    {
        using var dir = new TempDirectory();
        var input = WriteTinyStories(dir, Stories);
        var options = new PrepareOptions([input], HeldOutFraction: 0);
        ShardPreparer.Prepare(options, new ByteIdTokenizer(), dir.File("out"));
        var retrained = ShardPreparer.Prepare(options, new SameNameOtherIds(), dir.File("out"));
        Assert.False(retrained.Reused);
        Assert.Equal(255 - 'T', AllTokens(dir.File("out"), retrained.Manifest.Train, TokenDType.UInt16)[0]);
    }

    /// <summary>Named like <see cref="ByteIdTokenizer"/> but maps byte b to 255 − b.</summary>
    sealed class SameNameOtherIds : Stlm.Model.Tokenizers.ITokenizer
    {
        readonly ByteIdTokenizer inner = new();
        public string Name => inner.Name;
        public int VocabSize => inner.VocabSize;
        public int? EndOfText => inner.EndOfText;
        public int[] Encode(string text) => inner.Encode(text).Select(id => 255 - id).ToArray();
        public byte[] DecodeBytes(ReadOnlySpan<int> ids) => inner.DecodeBytes(ids.ToArray().Select(id => id == 256 ? id : 255 - id).ToArray());
    }

    [Fact]
    public void A_damaged_shard_is_not_reused()
    {
        using var dir = new TempDirectory();
        var input = WriteTinyStories(dir, Stories);
        var options = new PrepareOptions([input], HeldOutFraction: 0);
        ShardPreparer.Prepare(options, new ByteIdTokenizer(), dir.File("out"));
        var shard = Path.Combine(dir.File("out"), "train-00000.bin");
        var bytes = File.ReadAllBytes(shard);
        bytes[0] ^= 1;
        File.WriteAllBytes(shard, bytes);
        Assert.False(ShardPreparer.Prepare(options, new ByteIdTokenizer(), dir.File("out")).Reused);
        Assert.Equal(SourceHashing.Sha256(shard), ShardManifest.Load(dir.File("out")).Train.Shards[0].Sha256);
    }

    [Fact]
    public void Progress_reaches_the_total_source_bytes()
    {
        using var dir = new TempDirectory();
        var input = dir.File("stories.txt");
        File.WriteAllText(input, SyntheticStories.Generate(seed: 1, megabytes: 0.05));
        var reports = new List<PrepareProgress>();
        ShardPreparer.Prepare(new PrepareOptions([input]) { ChunkChars = 2000 }, new ByteIdTokenizer(), dir.File("out"), new SyncProgress(reports.Add));
        var tokenising = reports.Where(r => r.Phase == "tokenising").ToList();
        Assert.True(tokenising.Count > 3);
        Assert.Equal(new FileInfo(input).Length, tokenising[^1].BytesDone);
        Assert.Equal(tokenising[^1].BytesTotal, tokenising[^1].BytesDone);
        Assert.True(tokenising.Zip(tokenising.Skip(1)).All(p => p.First.BytesDone <= p.Second.BytesDone));
    }

    [Fact]
    public void A_missing_input_is_a_user_error()
    {
        using var dir = new TempDirectory();
        var e = Assert.Throws<StlmException>(() => ShardPreparer.Prepare(new PrepareOptions([dir.File("nope.txt")]), new ByteIdTokenizer(), dir.File("out")));
        Assert.Contains("nope.txt not found", e.Message);
    }

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to the thread pool).</summary>
    sealed class SyncProgress(Action<PrepareProgress> report) : IProgress<PrepareProgress>
    {
        public void Report(PrepareProgress value) => report(value);
    }
}
