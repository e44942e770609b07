using Stlm.Model.LibTorch;
using Stlm.Tests.Support;

namespace Stlm.Tests.Model.LibTorch;

/// <summary>Runs alone: resident memory is a property of the whole process.</summary>
[Collection(nameof(TorchGlobalState))]
public class NativeMemoryTests(Xunit.Abstractions.ITestOutputHelper output)
{
    static long ResidentBytes()
    {
        var fields = File.ReadAllText("/proc/self/statm").Split(' ');
        return long.Parse(fields[1]) * Environment.SystemPageSize;
    }

    [Fact]
    public void Thousand_step_training_loop_in_scopes_does_not_grow_resident_memory()
    {
        Torch.ManualSeed(7);
        // Parameters and data live outside any scope, as a model's would.
        using var inputs = Torch.Randn([64, 32]);
        using var labels = Torch.RandInt(0, 10, [64]);
        using var w1 = (Torch.Randn([256, 32]) * 0.1).DetachFromScopes().RequiresGrad_();
        using var b1 = Torch.Zeros([256]).RequiresGrad_();
        using var w2 = (Torch.Randn([10, 256]) * 0.1).DetachFromScopes().RequiresGrad_();
        using var b2 = Torch.Zeros([10]).RequiresGrad_();
        Tensor[] parameters = [w1, b1, w2, b2];

        double Step()
        {
            using var scope = TorchScope.Begin();
            var hidden = Functional.Linear(inputs, w1, b1).Gelu();
            var logits = Functional.Linear(Functional.Dropout(hidden, 0.1, training: true), w2, b2);
            var loss = Functional.CrossEntropy(logits, labels);
            loss.Backward();
            using (Torch.NoGrad())
                foreach (var p in parameters)
                {
                    p.AddInPlace(p.Grad!, alpha: -0.1);
                    p.ZeroGrad();
                }
            return loss.ToDouble();
        }

        var first = Step();
        for (var i = 1; i < 200; i++) Step();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var warm = ResidentBytes();
        double last = 0;
        for (var i = 200; i < 1000; i++) last = Step();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var growth = ResidentBytes() - warm;

        output.WriteLine($"loss {first:F4} -> {last:F4}; resident memory change over steps 200-1000: {growth >> 10} KiB");
        Assert.True(last < first, $"loss went from {first} to {last}");
        // One leaked 64x256 activation per step would add ~50 MB over these 800 steps.
        Assert.True(growth < 8 << 20, $"resident memory grew by {growth >> 10} KiB over 800 steps");
    }
}
