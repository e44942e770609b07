using Xunit.Abstractions;

namespace Stlm.Tests.EndToEnd;

/// <summary>
/// The equivalence of <see cref="Model.Training.DataParallel.DataParallelEquivalenceTests"/>, end to end: whole `stlm train`
/// sessions, compared by the losses they journal. Dropout is off, so that the only difference
/// left is where the sums are added (each rank draws its own masks, a single process one stream).
/// </summary>
public class DataParallelSessionEquivalenceTests(ITestOutputHelper output)
{
    const int Steps = 50;
    static readonly TimeSpan Timeout = TimeSpan.FromMinutes(4);
    static readonly string[] NoDropout = ["model.dropout=0", "schedules.dropout.p=0", "checkpoint.every-steps=10"];

    [Fact]
    public void A_two_rank_train_journals_the_losses_of_a_single_process_train_of_twice_the_batch_within_float_reassociation()
    {
        using var data = new DataFolder();
        using (var single = StlmChild.Start(data.Path, data.Environment, TinyRun.Train("single", Steps, [.. NoDropout, "training.batch-size=4"])))
            Assert.True(single.WaitForExit(Timeout) == 0, single.StdErr);
        using (var ranks = StlmChild.Start(data.Path, data.Environment,
                   [.. TinyRun.Train("ranks", Steps, [.. NoDropout, "training.batch-size=2", "training.data-parallel.world-size=2"]), "--nproc", "2"]))
            Assert.True(ranks.WaitForExit(Timeout) == 0, ranks.StdErr);

        var (one, two) = (data.Run("single").Losses, data.Run("ranks").Losses);
        Assert.Equal(Steps, one.Count);
        Assert.Equal(Steps, two.Count);
        var gaps = one.Zip(two, (a, b) => Math.Abs(a - b) / Math.Abs(a)).ToArray();
        var worst = Array.IndexOf(gaps, gaps.Max());
        output.WriteLine($"largest relative loss gap {gaps[worst]:E2} at step {worst + 1} ({one[worst]:R} vs {two[worst]:R}); {gaps.Count(g => g == 0)} of {Steps} steps equal");
        Assert.True(gaps[worst] <= 1e-4, $"step {worst + 1}: one process {one[worst]:R}, two ranks {two[worst]:R}, relative gap {gaps[worst]:E2}");
        Assert.True(one[^1] < one[0], "the tiny model should learn something in 50 steps");
    }
}
