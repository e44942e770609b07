using Stlm.Host.Bench;
using Stlm.Model.Data;
using Stlm.Model.Training;
using Xunit.Abstractions;

namespace Stlm.Tests.Model.Training.DataParallel;

public class DataParallelEquivalenceTests(DataParallelRuns runs, ITestOutputHelper output) : IClassFixture<DataParallelRuns>
{
    [Fact]
    public void Rank_slices_of_each_step_put_together_are_the_single_process_micro_batches()
    {
        using var data = runs.Corpus.Open(DataParallelWorker.Tiny.ContextLength);
        var whole = new StepBatches(data, microBatchSize: 6, gradAccum: 2, seed: 5);
        var slices = Enumerable.Range(0, 3).Select(r => StepBatches.ForRank(data, 2, 2, 5, new RankSlice(r, 3))).ToArray();
        var cursor = whole.Sampler.CursorOfBatch(1234); // resumes mid-stream, from the cursor alone
        for (var step = 0; step < 5; step++)
        {
            var (micro, next) = whole.Read(cursor);
            var parts = slices.Select(s => s.Read(cursor)).ToArray();
            Assert.All(parts, p => Assert.Equal(next, p.Next));
            for (var m = 0; m < 2; m++)
                Assert.Equal(micro[m].Inputs, parts.SelectMany(p => p.MicroBatches[m].Inputs).ToArray());
            cursor = next;
        }
    }

    [Fact]
    public void Every_global_batch_of_a_two_rank_run_holds_the_token_ids_of_the_single_process_run()
    {
        var single = runs.Single.Inputs!;
        var (rank0, rank1) = (runs.First[0].Inputs!, runs.First[1].Inputs!);
        Assert.Equal(DataParallelRuns.Steps, single.Count);
        for (var step = 0; step < single.Count; step++)
            for (var m = 0; m < single[step].Length; m++)
            {
                Assert.NotEqual(rank0[step][m], rank1[step][m]);
                Assert.Equal(single[step][m], rank0[step][m].Concat(rank1[step][m]).ToArray());
            }
    }

    [Fact]
    public void Two_rank_losses_agree_with_the_single_process_run_within_float_reassociation()
    {
        var single = runs.Single.Losses;
        Assert.Equal(DataParallelRuns.Steps, single.Count);
        foreach (var rank in runs.First)
        {
            var gaps = single.Zip(rank.Losses, (a, b) => Math.Abs(a - b) / Math.Abs(a)).ToArray();
            var worst = Array.IndexOf(gaps, gaps.Max());
            output.WriteLine($"rank {rank.Rank}: largest relative loss gap {gaps[worst]:E2} at step {worst} ({single[worst]:R} vs {rank.Losses[worst]:R})");
            Assert.True(gaps[worst] <= 1e-4, $"step {worst}: single {single[worst]:R}, rank {rank.Rank} {rank.Losses[worst]:R}, relative gap {gaps[worst]:E2}");
        }
        Assert.True(single[^1] < single[0], "the tiny model should learn something in 50 steps");
    }

    [Fact]
    public void Two_data_parallel_runs_of_one_config_are_bit_identical()
    {
        for (var r = 0; r < 2; r++)
        {
            Assert.Equal(runs.First[r].Losses.Select(BitConverter.DoubleToInt64Bits), runs.Second[r].Losses.Select(BitConverter.DoubleToInt64Bits));
            Assert.Equal(runs.First[r].WeightsHash, runs.Second[r].WeightsHash);
        }
        Assert.Equal(runs.First[0].WeightsHash, runs.First[1].WeightsHash);
        Assert.Equal(runs.First[0].Losses, runs.First[1].Losses);
    }
}
