using Stlm.Model.LibTorch;
using Stlm.Model.LibTorch.Distributed;
using Stlm.Model.Training.DataParallel;
using Stlm.Tests.Support;

namespace Stlm.Tests.Model.Training.DataParallel;

public class GradientBucketsTests
{
    [Fact]
    public void Backward_into_the_buckets_gives_the_bits_of_plain_backward_and_an_unused_parameter_keeps_no_gradient()
    {
        using var scope = TorchScope.Begin();
        var a = Torch.From([1f, -2f, 0.5f, 3f], 4).RequiresGrad_();
        var b = Torch.From([0.25f, -1f, 2f, 0f], 2, 2).RequiresGrad_();
        var unused = Torch.From([5f, 6f], 2).RequiresGrad_();
        // -0.0 in x makes a's gradient -0.0 there: a bucket filled with +0.0 would turn it into +0.0.
        var x = Torch.From([-0f, 1.5f, -0f, -3f], 4);
        void TwoMicroBatches()
        {
            for (var m = 0; m < 2; m++) ((a * x).Sum() + (b * b * (m + 1)).Sum()).Backward();
        }

        TwoMicroBatches();
        var plain = new[] { Bits(a.Grad!), Bits(b.Grad!) };
        a.ZeroGrad();
        b.ZeroGrad();

        using var group = ProcessGroup.Create(new ProcessGroupOptions(0, 1, "127.0.0.1", LoopbackPorts.Free()));
        // 16 bytes a bucket: a, b and the unused parameter each travel in a bucket of their own.
        using var buckets = new GradientBuckets([a, b, unused], bucketBytes: 16);
        Assert.Equal(3, buckets.Count);
        (unused * 2).Sum().Backward(); // before the step: forgotten by Prepare
        buckets.Prepare();
        TwoMicroBatches();
        buckets.Sum(group);

        Assert.Equal(plain[0], Bits(a.Grad!));
        Assert.Equal(plain[1], Bits(b.Grad!));
        Assert.Contains(BitConverter.SingleToInt32Bits(-0f), Bits(a.Grad!));
        Assert.Null(unused.Grad);
    }

    [Fact]
    public void The_gradients_are_the_all_reduced_buffer_itself()
    {
        using var scope = TorchScope.Begin();
        var a = Torch.From([1f, 2f], 2).RequiresGrad_();
        var b = Torch.From([3f], 1).RequiresGrad_();
        using var group = ProcessGroup.Create(new ProcessGroupOptions(0, 1, "127.0.0.1", LoopbackPorts.Free()));
        using var buckets = new GradientBuckets([a, b], bucketBytes: 1 << 20);
        buckets.Prepare();
        (a.Sum() * 3 + b.Sum() * 4).Backward();
        var (ga, gb) = (a.Grad!, b.Grad!);
        buckets.Sum(group);
        // No copy back: the tensors backward accumulated into are the ones the sum left in place.
        ga.MulInPlace(10);
        gb.MulInPlace(10);
        Assert.Equal([30f, 30f], a.Grad!.ToArray<float>());
        Assert.Equal([40f], b.Grad!.ToArray<float>());
    }

    [Fact]
    public async Task Ranks_whose_backward_reached_different_parameters_end_with_the_same_gradients()
    {
        // Two ranks on two threads of one process: rank 0's loss uses a and b, rank 1's only a, nobody's c.
        var port = LoopbackPorts.Free();
        (int[]? A, int[]? B, bool CHasGrad) OnRank(int rank)
        {
            using var scope = TorchScope.Begin();
            var a = Torch.From([1f, -2f], 2).RequiresGrad_();
            var b = Torch.From([3f, 0.5f], 2).RequiresGrad_();
            var c = Torch.From([7f], 1).RequiresGrad_();
            using var group = ProcessGroup.Create(new ProcessGroupOptions(rank, 2, "127.0.0.1", port, Timeout: TimeSpan.FromSeconds(60)));
            using var buckets = new GradientBuckets([a, b, c], bucketBytes: 1 << 20);
            buckets.Prepare();
            var loss = rank == 0 ? (a * a).Sum() + (b * 3).Sum() : (a * 5).Sum();
            loss.Backward();
            buckets.Sum(group);
            return (a.Grad is null ? null : Bits(a.Grad), b.Grad is null ? null : Bits(b.Grad), c.Grad is not null);
        }

        var ranks = new[] { 0, 1 }.Select(r => Task.Factory.StartNew(() => OnRank(r), TaskCreationOptions.LongRunning)).ToArray();
        var both = await Task.WhenAll(ranks).WaitAsync(TimeSpan.FromSeconds(90));
        var (zero, one) = (both[0], both[1]);

        Assert.Equal(Bits(Torch.From([2f + 5f, -4f + 5f], 2)), zero.A);
        Assert.Equal(zero.A, one.A);
        Assert.Equal(Bits(Torch.From([3f, 3f], 2)), zero.B);
        Assert.Equal(zero.B, one.B);     // rank 1 never reached b, yet steps it like rank 0
        Assert.False(zero.CHasGrad);     // unused everywhere: no gradient, as plain backward leaves it
        Assert.False(one.CHasGrad);
    }

    static int[] Bits(Tensor t) => [.. t.ToArray<float>().Select(BitConverter.SingleToInt32Bits)];
}
