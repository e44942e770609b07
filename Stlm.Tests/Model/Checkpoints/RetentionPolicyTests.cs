using Stlm.Model;
using Stlm.Model.Checkpoints;

namespace Stlm.Tests.Model.Checkpoints;

public class RetentionPolicyTests
{
    static readonly DateTimeOffset T0 = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);

    static List<RetainedCheckpoint> Every100(int count, Func<long, double?>? metric = null, params long[] forks) =>
        Enumerable.Range(1, count).Select(i => (long)i * 100)
            .Select(s => new RetainedCheckpoint(s, T0.AddMinutes(s), metric?.Invoke(s), forks.Contains(s))).ToList();

    [Fact]
    public void Keep_last_n_deletes_the_older_ones()
    {
        var policy = new RetentionPolicy(KeepLast: 2, KeepForkPoints: false);
        Assert.Equal([100L, 200, 300], policy.ToDelete(Every100(5)));
    }

    [Fact]
    public void Every_k_steps_keeps_the_multiples()
    {
        var policy = new RetentionPolicy(KeepLast: 1, EveryKSteps: 200);
        Assert.Equal([100L, 300, 500], policy.ToDelete(Every100(6)));
    }

    [Fact]
    public void Best_m_by_a_lower_is_better_metric_are_kept()
    {
        var loss = new Dictionary<long, double?> { [100] = 3.0, [200] = 2.1, [300] = 2.5, [400] = 2.0, [500] = 2.4, [600] = null };
        var policy = new RetentionPolicy(KeepLast: 1, KeepBest: 2);
        Assert.Equal([100L, 300, 500], policy.ToDelete(Every100(6, s => loss[s])));
    }

    [Fact]
    public void Best_m_by_a_higher_is_better_metric_are_kept_and_ties_go_to_the_earlier_step()
    {
        var accuracy = new Dictionary<long, double?> { [100] = 0.5, [200] = 0.7, [300] = 0.7, [400] = 0.6, [500] = double.NaN };
        var policy = new RetentionPolicy(KeepLast: 1, KeepBest: 1, HigherIsBetter: true);
        Assert.Equal([100L, 300, 400], policy.ToDelete(Every100(5, s => accuracy[s])));
    }

    [Fact]
    public void Fork_points_are_kept_when_asked()
    {
        Assert.Equal([100L, 300], new RetentionPolicy(KeepLast: 1).ToDelete(Every100(4, null, 200)));
        Assert.Equal([100L, 200, 300], new RetentionPolicy(KeepLast: 1, KeepForkPoints: false).ToDelete(Every100(4, null, 200)));
    }

    [Fact]
    public void The_newest_checkpoint_is_never_deleted_and_order_of_input_does_not_matter()
    {
        var shuffled = Every100(3);
        shuffled.Reverse();
        Assert.Equal([100L, 200], new RetentionPolicy(KeepLast: 0, KeepForkPoints: false).ToDelete(shuffled));
        Assert.Empty(RetentionPolicy.KeepAll.ToDelete(shuffled));
        Assert.Empty(new RetentionPolicy().ToDelete([]));
    }

    [Fact]
    public void Negative_counts_are_a_clear_error()
    {
        var e = Assert.Throws<StlmException>(() => new RetentionPolicy(KeepLast: -1).ToDelete(Every100(2)));
        Assert.Contains("must be >= 0", e.Message);
    }
}
