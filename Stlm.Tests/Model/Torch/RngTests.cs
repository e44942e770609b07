using Stlm.Model.LibTorch;
using Stlm.Tests.Support;

namespace Stlm.Tests.Model.LibTorch;

// The generators are process-wide, so these tests never run beside each other.
[Collection(nameof(TorchGlobalState))]
public class RngTests
{
    [Fact]
    public void Restoring_the_cpu_state_replays_randn_rand_and_sampling_bit_for_bit()
    {
        Rng.ManualSeed(1234);
        using var _ = Torch.Randn([3]);   // move away from the seed's fresh state
        using var saved = Rng.GetState(Device.Cpu);
        var first = Draw();

        Rng.SetState(Device.Cpu, saved);
        var second = Draw();

        Assert.Equal(first.Normal, second.Normal);
        Assert.Equal(first.Mask, second.Mask);
        Assert.Equal(first.Samples, second.Samples);
        using var after = Torch.Randn([64]);
        Assert.NotEqual(first.Normal, after.ToArray<float>());
    }

    [Fact]
    public void The_cpu_state_is_libtorchs_5056_byte_mersenne_twister_blob()
    {
        using var state = Rng.GetState(Device.Cpu);
        Assert.Equal(DType.UInt8, state.DType);
        Assert.Equal([5056L], state.Shape);
    }

    [Fact]
    public void A_snapshot_survives_named_tensors_and_restores_every_generator()
    {
        Rng.ManualSeed(99);
        var snapshot = Rng.Capture();
        var expected = Draw();
        using var scope = TorchScope.Begin();
        var restored = RngSnapshot.FromTensors(snapshot.ToTensors());
        Rng.Restore(restored);
        Assert.Equal(expected.Mask, Draw().Mask);
    }

    [Fact]
    public void Manual_seed_sets_the_initial_seed_and_fixes_the_stream()
    {
        Rng.ManualSeed(42);
        Assert.Equal(42UL, Rng.InitialSeed(Device.Cpu));
        var a = Draw();
        Rng.ManualSeed(42);
        Assert.Equal(a.Normal, Draw().Normal);
    }

    [Fact]
    public void A_state_that_is_not_a_generator_state_is_refused()
    {
        using var wrong = Torch.Zeros([10]);
        Assert.Throws<TorchException>(() => Rng.SetState(Device.Cpu, wrong));
        using var shortBytes = Torch.Zeros([10], DType.UInt8);
        Assert.Throws<TorchException>(() => Rng.SetState(Device.Cpu, shortBytes));
        if (!Torch.CudaIsAvailable) Assert.Throws<TorchException>(() => Rng.GetState(Device.Cuda(0)));
    }

    [Fact]
    public void The_determinism_switch_turns_on_and_off()
    {
        try
        {
            Determinism.Enable(warnOnly: true);
            Assert.True(Determinism.Enabled);
            Assert.True(Determinism.WarnOnly);
            Determinism.Enable();
            Assert.False(Determinism.WarnOnly);
        }
        finally
        {
            Determinism.Disable();
        }
        Assert.False(Determinism.Enabled);
    }

    // Draws that consume the generator the way training does: normal init, a keep-mask, sampling.
    static (float[] Normal, bool[] Mask, long[] Samples) Draw()
    {
        using var scope = TorchScope.Begin();
        var normal = Torch.Randn([64]).ToArray<float>();
        var mask = (Torch.Rand([256]) > 0.1).ToArray<bool>();
        var samples = Torch.Ones([8]).Multinomial(16, replacement: true).ToArray<long>();
        return (normal, mask, samples);
    }
}

