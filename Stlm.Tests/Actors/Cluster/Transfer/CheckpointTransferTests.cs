using Akka.Actor;
using Stlm.Actors.Cluster.Transfer;
using Stlm.Model;
using Stlm.Model.Checkpoints;
using Stlm.Tests.Support;

namespace Stlm.Tests.Actors.Cluster.Transfer;

/// <summary>Checkpoints fetched between cluster members that share no folder (loopback members in this process, each with its own data folder).</summary>
public sealed class CheckpointTransferTests
{
    /// <summary>A checkpoint (with its tokenizer copy) in node A's data folder, as a trainer leaves it.</summary>
    static CommittedCheckpoint Trained(TempDirectory dir, string nodeData, params string[] sets)
    {
        var config = Stlm.Actors.Training.Recipe.TrainConfigLoader.Load(null,
            [.. TinyCheckpoints.Sets("llama", nodeData, TinyCheckpoints.LearnBpe(dir.File("bpe"))), .. sets]);
        return TinyCheckpoints.Write(config, Path.Combine(nodeData, "checkpoints", "r-test"), step: 4, keepTokenizer: true);
    }

    [Fact]
    public async Task A_node_without_the_checkpoint_fetches_it_from_a_node_that_has_it_and_keeps_a_verified_copy()
    {
        using var dir = new TempDirectory();
        var (dataA, dataB) = (dir.File("node-a"), dir.File("node-b"));
        var checkpoint = Trained(dir, dataA);
        var journalPath = Path.GetRelativePath(dataA, checkpoint.Path);
        await using var cluster = await LoopbackCluster.StartAsync(2);
        TransferAkka.StartSource(cluster.Members[0], CheckpointCatalog.InDataFolder(dataA));
        TransferAkka.StartSource(cluster.Members[1], CheckpointCatalog.InDataFolder(dataB));

        var catalogB = CheckpointCatalog.InDataFolder(dataB);
        var fetcher = new CheckpointFetcher(catalogB, new TransferSettings(ChunkBytes: 4096, Window: 3));
        var source = CheckpointSourceActor.At(cluster.Members[1], cluster.AddressOf(0));
        var folder = await fetcher.FetchAsync(checkpoint.ContentHash, journalPath, [source]);

        Assert.StartsWith(catalogB.CacheDir, folder);
        Assert.False(Directory.Exists(Path.Combine(dataB, journalPath)));   // nothing shared: it came over the wire
        var copy = Checkpoint.Open(folder, checkpoint.ContentHash);
        Assert.Equal(4, copy.Info.Step);
        foreach (var file in Directory.GetFiles(checkpoint.Path))
            Assert.Equal(await File.ReadAllBytesAsync(file), await File.ReadAllBytesAsync(Path.Combine(folder, Path.GetFileName(file))));
        // Its tokenizer copy came too, so the model loads from the cache alone.
        var (spec, problem) = copy.Info.Tokenizer!.Locate(folder);
        Assert.True(spec is not null, problem);
        Assert.Equal(folder, catalogB.Find(checkpoint.ContentHash));
        Assert.False(Directory.Exists(catalogB.PartialFolder(checkpoint.ContentHash)));
        // A second fetch is a cache hit: no bytes move.
        var again = new CheckpointFetcher(catalogB);
        Assert.Equal(folder, await again.FetchAsync(checkpoint.ContentHash, journalPath, [source]));
        Assert.Equal(0, again.BytesFetched);
    }

    [Fact]
    public async Task Two_fetches_of_one_checkpoint_at_once_on_one_node_assemble_one_copy()
    {
        using var dir = new TempDirectory();
        var (dataA, dataB) = (dir.File("node-a"), dir.File("node-b"));
        var checkpoint = Trained(dir, dataA);
        var journalPath = Path.GetRelativePath(dataA, checkpoint.Path);
        await using var cluster = await LoopbackCluster.StartAsync(2);
        TransferAkka.StartSource(cluster.Members[0], CheckpointCatalog.InDataFolder(dataA));

        // As an evaluator and a trainer of one node (or two ranks placed on it) that need the same checkpoint.
        var catalogB = CheckpointCatalog.InDataFolder(dataB);
        var source = CheckpointSourceActor.At(cluster.Members[1], cluster.AddressOf(0));
        CheckpointFetcher[] fetchers = [new(catalogB, new TransferSettings(ChunkBytes: 4096)), new(catalogB, new TransferSettings(ChunkBytes: 4096))];
        var folders = await Task.WhenAll(fetchers.Select(f => f.FetchAsync(checkpoint.ContentHash, journalPath, [source])));

        Assert.Equal(folders[0], folders[1]);
        Assert.Equal(4, Checkpoint.Open(folders[0], checkpoint.ContentHash).Info.Step);
        Assert.Equal(0, fetchers.Min(f => f.BytesFetched));   // the second found the first one's copy
        Assert.False(Directory.Exists(catalogB.PartialFolder(checkpoint.ContentHash)));
    }

    [Fact]
    public async Task A_corrupted_transfer_is_detected_and_the_copy_is_never_used()
    {
        using var dir = new TempDirectory();
        var (dataA, dataB) = (dir.File("node-a"), dir.File("node-b"));
        var checkpoint = Trained(dir, dataA);
        // Node A's model file rots after the commit: its bytes no longer hash to checkpoint.json's SHA-256.
        var model = Path.Combine(checkpoint.Path, CheckpointNames.Model);
        var bytes = await File.ReadAllBytesAsync(model);
        bytes[bytes.Length / 2] ^= 0x40;
        await File.WriteAllBytesAsync(model, bytes);
        await using var cluster = await LoopbackCluster.StartAsync(2);
        TransferAkka.StartSource(cluster.Members[0], CheckpointCatalog.InDataFolder(dataA));

        var catalogB = CheckpointCatalog.InDataFolder(dataB);
        var fetcher = new CheckpointFetcher(catalogB, new TransferSettings(ChunkBytes: 4096));
        var error = await Assert.ThrowsAsync<StlmException>(() => fetcher.FetchAsync(checkpoint.ContentHash,
            Path.GetRelativePath(dataA, checkpoint.Path), [CheckpointSourceActor.At(cluster.Members[1], cluster.AddressOf(0))]));

        Assert.Contains("model.safetensors arrived corrupt", error.Message);
        Assert.Null(catalogB.Find(checkpoint.ContentHash));
        var partialModel = Path.Combine(catalogB.PartialFolder(checkpoint.ContentHash), "checkpoint", CheckpointNames.Model);
        Assert.True(!File.Exists(partialModel) || new FileInfo(partialModel).Length == 0);   // the bad bytes are not kept to resume from
    }

    [Fact]
    public async Task A_transfer_cut_by_its_source_node_dying_resumes_from_another_node_and_keeps_the_bytes_it_had()
    {
        using var dir = new TempDirectory();
        var (dataA, dataB, dataC) = (dir.File("node-a"), dir.File("node-b"), dir.File("node-c"));
        // A model of ~5 MB, pulled 4 KB at a time: long enough to die in the middle of.
        var checkpoint = Trained(dir, dataA, "model.d-model=256", "model.ffn-hidden=512");
        // Node B holds a copy too (say, fetched earlier): the same files under its cache.
        CopyFolder(Path.GetDirectoryName(checkpoint.Path)!, Path.Combine(dataB, "checkpoint-cache", "r-test"));
        var journalPath = Path.GetRelativePath(dataA, checkpoint.Path);
        await using var cluster = await LoopbackCluster.StartAsync(3);
        TransferAkka.StartSource(cluster.Members[0], CheckpointCatalog.InDataFolder(dataA));
        TransferAkka.StartSource(cluster.Members[1], CheckpointCatalog.InDataFolder(dataB));

        // Node C pulls the first part from A, then A's system dies in the middle of the model file.
        var catalogC = CheckpointCatalog.InDataFolder(dataC);
        var modelBytes = new FileInfo(Path.Combine(checkpoint.Path, CheckpointNames.Model)).Length;
        var first = new CheckpointFetcher(catalogC, new TransferSettings(ChunkBytes: 4096, Window: 1, ChunkTimeout: TimeSpan.FromSeconds(2)));
        var a = CheckpointSourceActor.At(cluster.Members[2], cluster.AddressOf(0));
        var partialModel = Path.Combine(catalogC.PartialFolder(checkpoint.ContentHash), "checkpoint", CheckpointNames.Model);
        var cut = Task.Run(async () =>
        {
            while (!File.Exists(partialModel) || new FileInfo(partialModel).Length < modelBytes / 3) await Task.Delay(1);
            await cluster.Members[0].TerminateWithin();
        });
        await Assert.ThrowsAsync<StlmException>(() => first.FetchAsync(checkpoint.ContentHash, journalPath, [a]));
        await cut;
        var kept = new FileInfo(partialModel).Length;
        Assert.InRange(kept, modelBytes / 3, modelBytes - 1);

        var resumed = new CheckpointFetcher(catalogC, new TransferSettings(ChunkBytes: 64 * 1024));
        var folder = await resumed.FetchAsync(checkpoint.ContentHash, journalPath, [a, CheckpointSourceActor.At(cluster.Members[2], cluster.AddressOf(1))]);

        Assert.True(Checkpoint.Open(folder, checkpoint.ContentHash).Info.Step == 4);
        Assert.True(resumed.BytesFetched < new DirectoryInfo(checkpoint.Path).GetFiles().Sum(f => f.Length));   // the bytes from A were kept
    }

    static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
