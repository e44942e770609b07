using System.Net.Sockets;
using Akka.Actor;
using Stlm.Actors.Cluster.Transfer;
using Stlm.Model;
using Stlm.Model.Checkpoints;
using Stlm.Tests.Support;

namespace Stlm.Tests.Actors.Cluster.Transfer;

/// <summary>Checkpoints fetched between cluster members that share no folder (loopback members in this process, each with its own data folder).</summary>
public sealed class CheckpointTransferTests
{
    static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Loopback members, each with a data folder of its own under <paramref name="Dir"/> (node-a, node-b, …):
    /// node A holds a trained checkpoint (with its tokenizer copy, as a trainer leaves it) and serves
    /// it; node B has nothing yet, and asks A's source (<see cref="FromA"/>) for it.
    /// </summary>
    sealed class Nodes(TempDirectory dir, LoopbackCluster cluster, CommittedCheckpoint checkpoint) : IAsyncDisposable
    {
        public LoopbackCluster Cluster => cluster;

        public CommittedCheckpoint Checkpoint => checkpoint;

        public string Data(int node) => dir.File($"node-{(char)('a' + node)}");

        /// <summary>Where the journal names the checkpoint: relative to node A's data folder.</summary>
        public string JournalPath => Path.GetRelativePath(Data(0), checkpoint.Path);

        public CheckpointCatalog Catalog(int node) => CheckpointCatalog.InDataFolder(Data(node));

        /// <summary>Node <paramref name="holder"/>'s source, as the last member sees it.</summary>
        public ActorSelection Source(int holder) => CheckpointSourceActor.At(cluster.Members[^1], cluster.AddressOf(holder));

        public ActorSelection FromA => Source(0);

        /// <summary><paramref name="members"/> members; node A's checkpoint is written (and <paramref name="damage"/> done to it) before any serves.</summary>
        public static async Task<Nodes> StartAsync(TempDirectory dir, int members = 2, Action<CommittedCheckpoint>? damage = null, params string[] sets)
        {
            var config = Stlm.Actors.Training.Recipe.TrainConfigLoader.Load(null,
                [.. TinyCheckpoints.Sets("llama", dir.File("node-a"), TinyCheckpoints.LearnBpe(dir.File("bpe"))), .. sets]);
            var checkpoint = TinyCheckpoints.Write(config, Path.Combine(dir.File("node-a"), "checkpoints", "r-test"), step: 4, keepTokenizer: true);
            damage?.Invoke(checkpoint);
            var nodes = new Nodes(dir, await LoopbackCluster.StartAsync(members), checkpoint);
            TransferAkka.StartSource(nodes.Cluster.Members[0], nodes.Catalog(0));
            return nodes;
        }

        public ValueTask DisposeAsync() => cluster.DisposeAsync();
    }

    [Fact]
    public async Task A_node_without_the_checkpoint_fetches_it_from_a_node_that_has_it_and_keeps_a_verified_copy()
    {
        using var dir = new TempDirectory();
        await using var nodes = await Nodes.StartAsync(dir);
        var (checkpoint, catalogB) = (nodes.Checkpoint, nodes.Catalog(1));

        // A buffer far smaller than the files: each is streamed and hashed through it.
        var fetcher = new CheckpointFetcher(catalogB, new TransferSettings(BufferBytes: 4096));
        var folder = await fetcher.FetchAsync(checkpoint.ContentHash, nodes.JournalPath, [nodes.FromA]);

        Assert.StartsWith(catalogB.CacheDir, folder);
        Assert.False(Directory.Exists(Path.Combine(nodes.Data(1), nodes.JournalPath)));   // nothing shared: it came over the wire
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
        Assert.Equal(folder, await again.FetchAsync(checkpoint.ContentHash, nodes.JournalPath, [nodes.FromA]));
        Assert.Equal(0, again.BytesFetched);
    }

    [Fact]
    public async Task Two_fetches_of_one_checkpoint_at_once_on_one_node_assemble_one_copy()
    {
        using var dir = new TempDirectory();
        await using var nodes = await Nodes.StartAsync(dir);

        // As an evaluator and a trainer of one node (or two ranks placed on it) that need the same checkpoint.
        var catalogB = nodes.Catalog(1);
        CheckpointFetcher[] fetchers = [new(catalogB, new TransferSettings(BufferBytes: 4096)), new(catalogB, new TransferSettings(BufferBytes: 4096))];
        var folders = await Task.WhenAll(fetchers.Select(f => f.FetchAsync(nodes.Checkpoint.ContentHash, nodes.JournalPath, [nodes.FromA])));

        Assert.Equal(folders[0], folders[1]);
        Assert.Equal(4, Checkpoint.Open(folders[0], nodes.Checkpoint.ContentHash).Info.Step);
        Assert.Equal(0, fetchers.Min(f => f.BytesFetched));   // the second found the first one's copy
        Assert.False(Directory.Exists(catalogB.PartialFolder(nodes.Checkpoint.ContentHash)));
    }

    [Fact]
    public async Task A_corrupted_transfer_is_detected_and_the_copy_is_never_used()
    {
        using var dir = new TempDirectory();
        // Node A's model file rots after the commit: its bytes no longer hash to checkpoint.json's SHA-256.
        await using var nodes = await Nodes.StartAsync(dir, damage: checkpoint =>
        {
            var model = Path.Combine(checkpoint.Path, CheckpointNames.Model);
            var bytes = File.ReadAllBytes(model);
            bytes[bytes.Length / 2] ^= 0x40;
            File.WriteAllBytes(model, bytes);
        });

        var catalogB = nodes.Catalog(1);
        var fetcher = new CheckpointFetcher(catalogB, new TransferSettings(BufferBytes: 4096));
        var error = await Assert.ThrowsAsync<StlmException>(() => fetcher.FetchAsync(nodes.Checkpoint.ContentHash, nodes.JournalPath, [nodes.FromA]));

        Assert.Contains("model.safetensors arrived corrupt", error.Message);
        Assert.Null(catalogB.Find(nodes.Checkpoint.ContentHash));
        var partialModel = Path.Combine(catalogB.PartialFolder(nodes.Checkpoint.ContentHash), "checkpoint", CheckpointNames.Model);
        Assert.True(!File.Exists(partialModel) || new FileInfo(partialModel).Length == 0);   // the bad bytes are not kept to resume from
    }

    [Fact]
    public async Task A_stream_is_served_once_to_the_token_its_offer_names_and_refused_to_any_other()
    {
        using var dir = new TempDirectory();
        await using var nodes = await Nodes.StartAsync(dir);
        var model = await File.ReadAllBytesAsync(Path.Combine(nodes.Checkpoint.Path, CheckpointNames.Model));
        Assert.IsType<CheckpointAvailable>(await nodes.FromA.Ask<object>(new CheckpointWanted(nodes.Checkpoint.ContentHash, nodes.JournalPath), Wait));
        var offer = await nodes.FromA.Ask<FileOffered>(new FileWanted(nodes.Checkpoint.ContentHash, CheckpointNames.Model, 100), Wait);
        Assert.Null(offer.Problem);
        Assert.Equal((100L, model.Length - 100L, "127.0.0.1"), (offer.Offset, offer.Bytes, offer.Host));

        var forged = Convert.ToHexStringLower(Convert.FromHexString(offer.Token).Reverse().ToArray());
        Assert.Equal((CheckpointStreamServer.Refused, 0), Answered(await Read(offer, forged)));
        var (answer, bytes) = await Read(offer, offer.Token);
        Assert.Equal(CheckpointStreamServer.Accepted, answer);
        Assert.Equal(model[100..], bytes);
        Assert.Equal((CheckpointStreamServer.Refused, 0), Answered(await Read(offer, offer.Token)));   // one time only
        // A file the checkpoint does not list is never offered.
        var outside = await nodes.FromA.Ask<FileOffered>(new FileWanted(nodes.Checkpoint.ContentHash, "../../../journal.db", 0), Wait);
        Assert.Equal(("", "is not a file of this checkpoint"), (outside.Token, outside.Problem![^32..]));
    }

    static (byte Answer, int Bytes) Answered((byte Answer, byte[] Bytes) read) => (read.Answer, read.Bytes.Length);

    /// <summary>Connects to the offer's listener with <paramref name="token"/>: its answer byte and every byte after it.</summary>
    static async Task<(byte Answer, byte[] Bytes)> Read(FileOffered offer, string token)
    {
        using var timeout = new CancellationTokenSource(Wait);
        using var client = new TcpClient();
        await client.ConnectAsync(offer.Host, offer.Port, timeout.Token);
        var stream = client.GetStream();
        await stream.WriteAsync(CheckpointStreamServer.Request(token), timeout.Token);
        var all = new MemoryStream();
        await stream.CopyToAsync(all, timeout.Token);
        var bytes = all.ToArray();
        return bytes.Length == 0 ? ((byte)255, []) : (bytes[0], bytes[1..]);
    }

    [Fact]
    public async Task A_transfer_cut_by_its_source_node_dying_resumes_from_another_node_and_keeps_the_bytes_it_had()
    {
        using var dir = new TempDirectory();
        // A model of ~5 MB: long enough to die in the middle of.
        await using var nodes = await Nodes.StartAsync(dir, members: 3, damage: null, "model.d-model=256", "model.ffn-hidden=512");
        var checkpoint = nodes.Checkpoint;
        // Node B holds a copy too (say, fetched earlier): the same files under its cache.
        CopyFolder(Path.GetDirectoryName(checkpoint.Path)!, Path.Combine(nodes.Data(1), "checkpoint-cache", "r-test"));
        TransferAkka.StartSource(nodes.Cluster.Members[1], nodes.Catalog(1));

        // Node C streams the first third of the model from A, then A's system dies (its listener with it) in the middle of the transfer.
        var catalogC = nodes.Catalog(2);
        var modelBytes = new FileInfo(Path.Combine(checkpoint.Path, CheckpointNames.Model)).Length;
        var died = false;
        var first = new CheckpointFetcher(catalogC, new TransferSettings(BufferBytes: 4096, IdleTimeout: TimeSpan.FromSeconds(2)))
        {
            Progress = (file, onDisk) =>
            {
                if (died || file != CheckpointNames.Model || onDisk < modelBytes / 3) return;
                died = nodes.Cluster.Members[0].Terminate().Wait(Wait);
            },
        };
        await Assert.ThrowsAsync<StlmException>(() => first.FetchAsync(checkpoint.ContentHash, nodes.JournalPath, [nodes.FromA]));
        Assert.True(died, "node A was not stopped in the middle of the model");
        var partialModel = Path.Combine(catalogC.PartialFolder(checkpoint.ContentHash), "checkpoint", CheckpointNames.Model);
        Assert.InRange(new FileInfo(partialModel).Length, modelBytes / 3, modelBytes);
        Assert.Null(catalogC.Find(checkpoint.ContentHash));   // a partial copy is never found

        var resumed = new CheckpointFetcher(catalogC, new TransferSettings(IdleTimeout: TimeSpan.FromSeconds(2)));
        var folder = await resumed.FetchAsync(checkpoint.ContentHash, nodes.JournalPath, [nodes.FromA, nodes.Source(1)]);

        Assert.True(Checkpoint.Open(folder, checkpoint.ContentHash).Info.Step == 4);
        var total = Directory.GetFiles(Path.GetDirectoryName(checkpoint.Path)!, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        Assert.InRange(resumed.BytesFetched, 1, total - modelBytes / 3);   // the bytes from A were kept
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
