using Stlm.Model.Architectures;
using Stlm.Model.LibTorch;

namespace Stlm.Tests.Model.Architectures.Megabyte;

public class MegabyteLmTests
{
    static readonly ModelConfig Tiny = TinyCores.Core(layers: 2, d: 32, context: 8) with
    {
        Architecture = ArchitectureKind.Megabyte,
        Megabyte = new() { LocalDModel = 16, LocalNHeads = 2, LocalFfnHidden = 32, LocalLayers = 2, PatchSize = 4 },
    };

    [Fact]
    public void Changing_a_later_byte_never_changes_earlier_logits()
    {
        using var scope = TorchScope.Begin();
        using var _ = Torch.NoGrad();
        var model = new MegabyteLm(Tiny, seed: 3);
        var bytes = TinyCores.Ids(2, 30, 256, seed: 1);   // 7.5 patches: the last one is partial
        foreach (var cut in new[] { 9, 12, 29 })          // inside a patch, at a patch start, the last byte
        {
            var changed = bytes.Clone();
            changed.Narrow(1, cut, 30 - cut).CopyInPlace(TinyCores.Ids(2, 30 - cut, 256, seed: cut));

            var before = model.Forward(bytes);
            var after = model.Forward(changed);

            // Output i predicts byte i, so outputs 0..cut see none of the changed bytes.
            Assert.True(TinyCores.MaxAbsDifference(before.Narrow(1, 0, cut + 1), after.Narrow(1, 0, cut + 1)) < 1e-6, $"cut {cut}");
            if (cut + 1 < 30)
                Assert.True(TinyCores.MaxAbsDifference(before.Narrow(1, cut + 1, 29 - cut), after.Narrow(1, cut + 1, 29 - cut)) > 1e-5, $"cut {cut}");
        }
    }

    [Fact]
    public void Parameter_count_equals_the_closed_form()
    {
        using var scope = TorchScope.Begin();
        var model = new MegabyteLm(Tiny, seed: 1);
        var local = Tiny.Megabyte.LocalStack(Tiny);
        long p = Tiny.Megabyte.PatchSize, dg = Tiny.DModel, dl = local.DModel;
        var expected = 256 * (dg / p) + dg                          // global byte slots and the start patch
            + TinyCores.StackParameters(Tiny.NLayers, Tiny)
            + dg * p * dl                                           // global output → P local conditions
            + 257 * dl                                              // local bytes and the start-of-patch symbol
            + TinyCores.StackParameters(local.NLayers, local)
            + dl * 256;                                             // byte head

        Assert.Equal(expected, model.CountParameters().Total);
    }

    [Fact]
    public void Rejects_a_width_that_patches_cannot_split()
    {
        var bad = Tiny with { Megabyte = Tiny.Megabyte with { PatchSize = 5 } };
        var error = Assert.Throws<Stlm.Model.StlmException>(() => new MegabyteLm(bad, seed: 1));
        Assert.Contains("patch-size", error.Message);
    }

    [Fact]
    public void Overfits_one_small_batch_to_near_zero_loss_and_then_generates_it()
    {
        using var scope = TorchScope.Begin();
        var model = new MegabyteLm(Tiny, seed: 5);
        var bytes = TinyCores.Ids(2, 32, 256, seed: 9);
        var (inputs, targets) = (bytes.Narrow(1, 0, 31), bytes.Narrow(1, 1, 31));   // the 32 bytes as one training row each
        var initial = model.Loss(inputs, targets).ToDouble();

        var final = TinyCores.Train(model, () => model.Loss(inputs, targets), steps: 150, lr: 1e-2);

        Assert.InRange(initial, 4.5, 6.5);   // ≈ ln 256 at init
        Assert.True(final < 0.05, $"loss after 150 steps: {final}");

        // From the first 6 bytes of row 0 (mid-patch), greedy generation continues the memorised row.
        var row = bytes.Select(0, 0).ToArray<long>().Select(b => (byte)b).ToArray();
        Assert.Equal(row.Skip(6), MegabyteGenerator.Greedy(model, row.Take(6).ToArray(), maxNewBytes: 26));
    }
}
