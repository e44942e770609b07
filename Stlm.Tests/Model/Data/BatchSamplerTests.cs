using Stlm.Model;
using Stlm.Model.Data;
using Stlm.Tests.Support;

namespace Stlm.Tests.Model.Data;

public class BatchSamplerTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(17)]
    [InlineData(1000)]
    [InlineData(4097)]
    public void A_Feistel_permutation_visits_every_element_exactly_once(long size)
    {
        var permutation = new FeistelPermutation(size, key: 42);
        var seen = Enumerable.Range(0, (int)size).Select(i => permutation[i]).ToArray();
        Assert.Equal(Enumerable.Range(0, (int)size).Select(i => (long)i), seen.Order());
        if (size >= 17) Assert.NotEqual(Enumerable.Range(0, (int)size).Select(i => (long)i), seen);
    }

    [Fact]
    public void Each_epoch_covers_every_window_once_in_a_different_order()
    {
        var sampler = new BatchSampler(windowCount: 103, batchSize: 8, seed: 7);
        var epoch0 = Enumerable.Range(0, 103).Select(p => sampler.WindowAt(0, p)).ToArray();
        var epoch1 = Enumerable.Range(0, 103).Select(p => sampler.WindowAt(1, p)).ToArray();
        Assert.Equal(Enumerable.Range(0, 103).Select(i => (long)i), epoch0.Order());
        Assert.Equal(Enumerable.Range(0, 103).Select(i => (long)i), epoch1.Order());
        Assert.NotEqual(epoch0, epoch1);
    }

    [Fact]
    public void Batches_are_consecutive_samples_of_the_epoch_stream_and_span_epoch_boundaries()
    {
        var sampler = new BatchSampler(windowCount: 10, batchSize: 4, seed: 1);
        var stream = Enumerable.Range(0, 3).SelectMany(e => Enumerable.Range(0, 10).Select(p => sampler.WindowAt(e, p))).ToArray();
        var cursor = DataCursor.Start;
        var fromBatches = new List<long>();
        for (var i = 0; i < 7; i++)
        {
            Assert.Equal(sampler.CursorOfBatch(i), cursor);
            fromBatches.AddRange(sampler.WindowsAt(cursor));
            cursor = sampler.Next(cursor);
        }
        Assert.Equal(stream[..28], fromBatches);
        Assert.Equal(new DataCursor(2, 8), cursor);
    }

    [Fact]
    public void Different_seeds_give_different_orders()
    {
        var a = new BatchSampler(1000, 16, seed: 1);
        var b = new BatchSampler(1000, 16, seed: 2);
        Assert.NotEqual(a.WindowsAt(DataCursor.Start), b.WindowsAt(DataCursor.Start));
        Assert.Equal(a.WindowsAt(DataCursor.Start), new BatchSampler(1000, 16, seed: 1).WindowsAt(DataCursor.Start));
    }

    [Fact]
    public void Reading_batches_in_one_go_equals_stopping_and_resuming_from_the_cursor_bit_for_bit()
    {
        using var dir = new TempDirectory();
        var outDir = TokenDatasetTests.PrepareStories(dir, megabytes: 0.01);
        const int n = 40, k = 13;

        List<TokenBatch> oneGo;
        using (var data = TokenDataset.Open(outDir, DataSplit.Train, contextLength: 64))
        {
            var sampler = new BatchSampler(data.WindowCount, batchSize: 6, seed: 99);
            Assert.True(n * 6 > data.WindowCount, "the run should cross an epoch boundary");
            oneGo = Run(sampler, data, DataCursor.Start, n);
        }

        DataCursor saved;
        List<TokenBatch> resumed;
        using (var data = TokenDataset.Open(outDir, DataSplit.Train, contextLength: 64))
        {
            var first = Run(new BatchSampler(data.WindowCount, 6, 99), data, DataCursor.Start, k);
            saved = first[^1].Next;
            resumed = first;
        }
        using (var data = TokenDataset.Open(outDir, DataSplit.Train, contextLength: 64)) // a fresh process, as it were
            resumed.AddRange(Run(new BatchSampler(data.WindowCount, 6, 99), data, saved, n - k));

        Assert.Equal(oneGo.Select(b => b.Cursor), resumed.Select(b => b.Cursor));
        Assert.Equal(oneGo.SelectMany(b => b.Tokens), resumed.SelectMany(b => b.Tokens));
        Assert.Equal(oneGo.SelectMany(b => b.Windows), resumed.SelectMany(b => b.Windows));
    }

    static List<TokenBatch> Run(BatchSampler sampler, TokenDataset data, DataCursor from, int count)
    {
        var batches = new List<TokenBatch>();
        for (var cursor = from; batches.Count < count; cursor = batches[^1].Next)
            batches.Add(sampler.Batch(data, cursor));
        return batches;
    }

    [Fact]
    public void A_batch_row_holds_inputs_and_targets_shifted_by_one()
    {
        using var dir = new TempDirectory();
        using var data = TokenDataset.Open(TokenDatasetTests.PrepareStories(dir), DataSplit.Train, contextLength: 8);
        var batch = new BatchSampler(data.WindowCount, 3, 0).Batch(data, DataCursor.Start);
        var window = new int[9];
        data.ReadWindow(batch.Windows[1], window);
        Assert.Equal(window[..8], batch.Inputs(1).ToArray());
        Assert.Equal(window[1..], batch.Targets(1).ToArray());
        Assert.Equal(window[1..].Select(t => (long)t), batch.TargetsInt64()[8..16]);
    }

    [Fact]
    public void A_cursor_outside_the_epoch_is_a_user_error()
    {
        var sampler = new BatchSampler(10, 2, 0);
        Assert.Contains("outside this data", Assert.Throws<StlmException>(() => sampler.WindowsAt(new DataCursor(0, 10))).Message);
    }

    [Fact]
    public void Data_parallel_ranks_read_equal_slices_of_the_same_global_batch()
    {
        using var dir = new TempDirectory();
        using var data = TokenDataset.Open(TokenDatasetTests.PrepareStories(dir), DataSplit.Train, contextLength: 8);
        var sampler = new BatchSampler(data.WindowCount, 6, seed: 3);
        var cursor = sampler.CursorOfBatch(5);
        var global = sampler.Batch(data, cursor);
        var ranks = Enumerable.Range(0, 3).Select(r => sampler.Batch(data, cursor, rank: r, worldSize: 3)).ToList();
        Assert.Equal(global.Tokens, ranks.SelectMany(b => b.Tokens));
        Assert.All(ranks, b => Assert.Equal((2, global.Next), (b.BatchSize, b.Next)));
        Assert.Throws<StlmException>(() => sampler.Batch(data, cursor, rank: 0, worldSize: 4));
    }
}
