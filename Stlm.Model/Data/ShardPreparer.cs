using System.Diagnostics;
using System.Text;
using Stlm.Model.Tokenizers;

namespace Stlm.Model.Data;

/// <summary>
/// Tokenises a corpus once into train and validation shards plus a manifest. Text is read
/// lazily, cut into chunks that are encoded in parallel, and written strictly in reading
/// order, so the shards are the same bytes whatever the number of workers. A re-run over
/// unchanged sources with the same tokenizer and settings keeps the shards it finds intact
/// (files unchanged since they were last hashed are not read again: <see cref="HashCache"/>).
/// </summary>
public static class ShardPreparer
{
    public static PrepareResult Prepare(PrepareOptions options, ITokenizer tokenizer, string outDirectory,
        IProgress<PrepareProgress>? progress = null, CancellationToken cancel = default)
    {
        var clock = Stopwatch.StartNew();
        var holdOut = new HeldOutSplit(options.HeldOutFraction);
        if (options.Inputs.Count == 0) throw new StlmException("no input files: give at least one --input FILE");
        foreach (var input in options.Inputs)
            if (!File.Exists(input)) throw new StlmException($"input {input} not found: check the path given to --input");
        Directory.CreateDirectory(outDirectory);

        var totalBytes = options.Inputs.Sum(p => new FileInfo(p).Length);
        var hashes = HashCache.In(outDirectory);
        var sources = HashSources(hashes, options.Inputs, totalBytes, progress, cancel);
        var wanted = Describe(options, tokenizer, sources);

        if (ShardManifest.Exists(outDirectory) && TryReuse(hashes, outDirectory, wanted, progress, cancel) is { } kept)
        {
            hashes.Save();
            return new PrepareResult(kept, Reused: true, clock.Elapsed);
        }
        hashes.Save();

        // No manifest may name shards while they are being rewritten.
        File.Delete(Path.Combine(outDirectory, ShardManifest.FileName));
        var manifest = Tokenise(options, tokenizer, holdOut, outDirectory, totalBytes, wanted, progress, cancel);
        RemoveStaleShards(outDirectory, manifest);
        manifest.Save(outDirectory);
        return new PrepareResult(manifest, Reused: false, clock.Elapsed);
    }

    static List<SourceFile> HashSources(HashCache hashes, IReadOnlyList<string> inputs, long totalBytes, IProgress<PrepareProgress>? progress, CancellationToken cancel)
    {
        long done = 0;
        return inputs.Select(path =>
        {
            var sha = hashes.Sha256(path, n => progress?.Report(new("hashing", done += n, totalBytes, 0)), cancel);
            return new SourceFile(Path.GetFullPath(path), new FileInfo(path).Length, sha);
        }).ToList();
    }

    /// <summary>The manifest's settings part, before any token is counted.</summary>
    static ShardManifest Describe(PrepareOptions options, ITokenizer tokenizer, List<SourceFile> sources) => new()
    {
        Tokenizer = tokenizer.Name,
        VocabSize = tokenizer.VocabSize,
        TokenizerFingerprint = Data.TokenizerFingerprint.Of(tokenizer, options.Inputs[0]),
        EndOfText = tokenizer.EndOfText,
        DType = TokenDTypes.For(tokenizer.VocabSize).Name(),
        Format = options.Format.Name(),
        JsonField = options.Format == CorpusFormat.Jsonl ? options.JsonField : null,
        HeldOutFraction = options.HeldOutFraction,
        ShardTokens = options.ShardTokens,
        Sources = sources,
        Train = new SplitInfo(0, 0, 0, []),
        Validation = new SplitInfo(0, 0, 0, []),
    };

    static ShardManifest? TryReuse(HashCache hashes, string directory, ShardManifest wanted, IProgress<PrepareProgress>? progress, CancellationToken cancel)
    {
        ShardManifest existing;
        try { existing = ShardManifest.Load(directory); }
        catch (StlmException) { return null; }
        var same = existing.Version == wanted.Version && existing.Tokenizer == wanted.Tokenizer &&
                   existing.VocabSize == wanted.VocabSize &&
                   existing.TokenizerFingerprint == wanted.TokenizerFingerprint && existing.EndOfText == wanted.EndOfText &&
                   existing.DType == wanted.DType && existing.Format == wanted.Format &&
                   existing.JsonField == wanted.JsonField && existing.HeldOutFraction == wanted.HeldOutFraction &&
                   existing.ShardTokens == wanted.ShardTokens &&
                   existing.Sources.Select(s => (s.Bytes, s.Sha256)).SequenceEqual(wanted.Sources.Select(s => (s.Bytes, s.Sha256)));
        if (!same) return null;
        var shards = existing.Train.Shards.Concat(existing.Validation.Shards).ToList();
        var size = TokenDTypes.Parse(existing.DType, ShardManifest.FileName).Size();
        var total = shards.Sum(s => s.Tokens * size);
        long done = 0;
        foreach (var shard in shards)
        {
            var path = Path.Combine(directory, shard.File);
            if (!File.Exists(path) || new FileInfo(path).Length != shard.Tokens * size) return null;
            var sha = hashes.Sha256(path, n => progress?.Report(new("verifying", done += n, total, 0)), cancel);
            if (sha != shard.Sha256) return null;
        }
        return existing;
    }

    /// <summary>Pieces in reading order; EndsUnit marks the end of a unit of the held-out split.</summary>
    sealed record Chunk(TextPiece[] Pieces, bool[] HeldOut, bool[] EndsUnit, long SourceBytesDone);
    sealed record Encoded(Chunk Chunk, int[][] Ids, long[] Bytes);

    static ShardManifest Tokenise(PrepareOptions options, ITokenizer tokenizer, HeldOutSplit holdOut, string directory,
        long totalBytes, ShardManifest wanted, IProgress<PrepareProgress>? progress, CancellationToken cancel)
    {
        var dtype = TokenDTypes.For(tokenizer.VocabSize);
        using var train = new ShardWriter(directory, "train", dtype, tokenizer.VocabSize, options.ShardTokens);
        using var validation = new ShardWriter(directory, "val", dtype, tokenizer.VocabSize, options.ShardTokens);
        var counts = new long[2, 2]; // [split, documents|bytes]
        var inFlight = new Queue<Task<Encoded>>();

        void WriteOldest()
        {
            var encoded = inFlight.Dequeue().GetAwaiter().GetResult();
            for (var i = 0; i < encoded.Ids.Length; i++)
            {
                var piece = encoded.Chunk.Pieces[i];
                var split = encoded.Chunk.HeldOut[i] ? 1 : 0;
                var writer = split == 1 ? validation : train;
                writer.Write(encoded.Ids[i]);
                counts[split, 1] += encoded.Bytes[i];
                if (encoded.Chunk.EndsUnit[i]) counts[split, 0]++;
                if (piece.EndsDocument && tokenizer.EndOfText is { } eot) writer.Write([eot]);
            }
            progress?.Report(new("tokenising", encoded.Chunk.SourceBytesDone, totalBytes, train.Tokens + validation.Tokens));
        }

        foreach (var chunk in Chunks(options, holdOut, cancel))
        {
            inFlight.Enqueue(Task.Run(() => Encode(chunk, tokenizer), cancel));
            if (inFlight.Count >= 2 * options.Workers) WriteOldest();
        }
        while (inFlight.Count > 0) WriteOldest();
        if (train.Tokens == 0)
            throw new StlmException($"all {counts[1, 0]} document(s) went to the held-out split: lower --val-fraction (now {options.HeldOutFraction}) or give more documents");

        return wanted with
        {
            Train = new SplitInfo(counts[0, 0], train.Tokens, counts[0, 1], train.Finish()),
            Validation = new SplitInfo(counts[1, 0], validation.Tokens, counts[1, 1], validation.Finish()),
        };
    }

    static Encoded Encode(Chunk chunk, ITokenizer tokenizer)
    {
        var ids = new int[chunk.Pieces.Length][];
        var bytes = new long[chunk.Pieces.Length];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = tokenizer.Encode(chunk.Pieces[i].Text);
            bytes[i] = Encoding.UTF8.GetByteCount(chunk.Pieces[i].Text);
        }
        return new Encoded(chunk, ids, bytes);
    }

    /// <summary>
    /// The corpus's pieces in reading order, grouped into chunks of about ChunkChars characters.
    /// The held-out split picks whole documents, except in a plain text file — one document —
    /// where it picks pieces (about <see cref="SafeCut.PieceChars"/> characters each).
    /// </summary>
    static IEnumerable<Chunk> Chunks(PrepareOptions options, HeldOutSplit holdOut, CancellationToken cancel)
    {
        long unitIndex = 0, bytesBefore = 0;
        var pieces = new List<TextPiece>();
        var heldOut = new List<bool>();
        var endsUnit = new List<bool>();
        var chars = 0;
        foreach (var input in options.Inputs)
        {
            using var stream = new FileStream(input, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, 1 << 16);
            foreach (var piece in CorpusFormats.Read(options.Format, reader, input, options.JsonField))
            {
                cancel.ThrowIfCancellationRequested();
                var unitEnds = piece.EndsDocument || options.Format == CorpusFormat.Text;
                pieces.Add(piece);
                heldOut.Add(holdOut.IsHeldOut(unitIndex));
                endsUnit.Add(unitEnds);
                chars += piece.Text.Length;
                if (unitEnds) unitIndex++;
                if (chars < options.ChunkChars) continue;
                yield return new Chunk([.. pieces], [.. heldOut], [.. endsUnit], bytesBefore + stream.Position);
                (chars, pieces, heldOut, endsUnit) = (0, [], [], []);
            }
            bytesBefore += stream.Length;
        }
        if (pieces.Count > 0) yield return new Chunk([.. pieces], [.. heldOut], [.. endsUnit], bytesBefore);
    }

    static void RemoveStaleShards(string directory, ShardManifest manifest)
    {
        var keep = manifest.Train.Shards.Concat(manifest.Validation.Shards).Select(s => s.File).ToHashSet();
        foreach (var pattern in new[] { "train-*.bin", "val-*.bin", "*.bin.tmp" })
            foreach (var file in Directory.EnumerateFiles(directory, pattern))
                if (!keep.Contains(Path.GetFileName(file))) File.Delete(file);
    }
}
