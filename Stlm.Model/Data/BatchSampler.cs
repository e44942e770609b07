namespace Stlm.Model.Data;

/// <summary>
/// The order of training windows as a pure function of (seed, epoch, position): epoch e visits
/// every window once, in the order of a Feistel permutation keyed by (seed, e). Batches are
/// consecutive runs of <see cref="BatchSize"/> samples of that endless stream and may span an
/// epoch boundary, so every batch is full and no window is skipped. Nothing is iterated or
/// remembered: batch k is computed from its cursor, which is what makes resume exact.
/// </summary>
public sealed class BatchSampler
{
    sealed record EpochOrder(long Epoch, FeistelPermutation Permutation);
    EpochOrder? lastOrder; // one reference, so threads sharing a sampler never see a torn pair

    public BatchSampler(long windowCount, int batchSize, ulong seed)
    {
        if (windowCount < 1) throw new StlmException("no training windows: the data is shorter than one context window");
        if (batchSize < 1) throw new StlmException($"batch size {batchSize} is too small: give at least 1");
        (WindowCount, BatchSize, Seed) = (windowCount, batchSize, seed);
    }

    public long WindowCount { get; }
    public int BatchSize { get; }
    public ulong Seed { get; }

    /// <summary>The cursor of the <paramref name="batchIndex"/>-th batch of a run that started at the beginning.</summary>
    public DataCursor CursorOfBatch(long batchIndex) => DataCursor.Start.Advance(batchIndex * BatchSize, WindowCount);

    /// <summary>The window visited at <paramref name="position"/> of epoch <paramref name="epoch"/>.</summary>
    public long WindowAt(long epoch, long position) => Permutation(epoch)[position];

    /// <summary>The windows of the batch starting at <paramref name="cursor"/>.</summary>
    public long[] WindowsAt(DataCursor cursor)
    {
        Check(cursor);
        var windows = new long[BatchSize];
        var at = cursor;
        for (var i = 0; i < BatchSize; i++)
        {
            windows[i] = WindowAt(at.Epoch, at.Position);
            at = at.Advance(1, WindowCount);
        }
        return windows;
    }

    public DataCursor Next(DataCursor cursor) => cursor.Advance(BatchSize, WindowCount);

    /// <summary>
    /// Reads the batch at <paramref name="cursor"/> from <paramref name="data"/>. With several
    /// data-parallel ranks, the batch is the global one and rank r reads its r-th equal slice of
    /// rows; the cursors stay global, so every rank resumes from the same checkpoint.
    /// </summary>
    public TokenBatch Batch(TokenDataset data, DataCursor cursor, int rank = 0, int worldSize = 1) =>
        Batch(data, cursor, new RankSlice(rank, worldSize));

    /// <summary>Rank <paramref name="slice"/>'s rows of the global batch at <paramref name="cursor"/>.</summary>
    public TokenBatch Batch(TokenDataset data, DataCursor cursor, RankSlice slice)
    {
        var (rank, worldSize) = (slice.Rank, slice.WorldSize);
        if (data.WindowCount != WindowCount)
            throw new ArgumentException($"the sampler was built for {WindowCount} windows, the dataset has {data.WindowCount}", nameof(data));
        if (worldSize < 1 || BatchSize % worldSize != 0 || rank < 0 || rank >= worldSize)
            throw new StlmException($"batch size {BatchSize} cannot be split over {worldSize} ranks (rank {rank}): make the batch size a multiple of the number of ranks");
        var rows = BatchSize / worldSize;
        var windows = WindowsAt(cursor)[(rank * rows)..((rank + 1) * rows)];
        var tokens = new int[rows * data.WindowLength];
        for (var i = 0; i < windows.Length; i++)
            data.ReadWindow(windows[i], tokens.AsSpan(i * data.WindowLength, data.WindowLength));
        return new TokenBatch(cursor, Next(cursor), rows, data.WindowLength, windows, tokens);
    }

    void Check(DataCursor cursor)
    {
        if (cursor.Epoch < 0 || cursor.Position < 0 || cursor.Position >= WindowCount)
            throw new StlmException($"data cursor ({cursor}) is outside this data's {WindowCount} windows per epoch: was the checkpoint made with other data or another context length?");
    }

    FeistelPermutation Permutation(long epoch)
    {
        if (lastOrder is { } order && order.Epoch == epoch) return order.Permutation;
        var state = Seed ^ SplitMix64.Mix((ulong)epoch + 0x632BE59BD9B4E019UL);
        var permutation = new FeistelPermutation(WindowCount, SplitMix64.Next(ref state));
        lastOrder = new EpochOrder(epoch, permutation);
        return permutation;
    }
}
