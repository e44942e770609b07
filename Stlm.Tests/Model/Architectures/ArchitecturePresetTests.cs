using Stlm.Actors.Configuration;
using Stlm.Model.Architectures;
using Stlm.Model.LibTorch;
using Stlm.Model.Nn;
using Stlm.Model.Tokenizers;
using Xunit.Abstractions;

namespace Stlm.Tests.Model.Architectures;

public class ArchitecturePresetTests(ITestOutputHelper output)
{
    /// <summary>A preset's model section, layered over reference.conf and bound as the CLI binds it.</summary>
    static ModelConfig Preset(string name) =>
        ConfigBinder.Bind<ModelConfig>(ConfigLoader.Load(Path.Combine(AppContext.BaseDirectory, "Fixtures", "Presets", name + ".conf"), []), "model");

    /// <summary>Byte-pooled models need boundaries for their loss only; counting takes any tokenizer.</summary>
    static BytePooledLm BytePooled(ModelConfig m) => new(m, new ByteTokenizer(), seed: 1);

    [Fact]
    public void Reference_sections_bind_to_the_defaults_of_the_records()
    {
        var reference = ConfigLoader.Reference().Resolve();
        Assert.Equal(new BytePoolingConfig(), reference.Bind<BytePoolingConfig>("model.byte-pooling"));
        Assert.Equal(new MegabyteConfig(), reference.Bind<MegabyteConfig>("model.megabyte"));
        Assert.Equal(new EarlyExitConfig(), reference.Bind<EarlyExitConfig>("model.early-exit"));
        Assert.Equal(new MixtureOfDepthsConfig(), reference.Bind<MixtureOfDepthsConfig>("model.mixture-of-depths"));
    }

    [Fact]
    public void Tiny_presets_build_the_models_the_tests_use()
    {
        using var scope = TorchScope.Begin();
        Assert.Equal(ArchitectureKind.BytePooled, Preset("byte-pooled-tiny").Architecture);
        Assert.Equal(ArchitectureKind.Megabyte, Preset("megabyte-tiny").Architecture);
        Assert.Equal(ArchitectureKind.LayerSkip, Preset("layerskip-tiny").Architecture);
        Assert.Equal(ArchitectureKind.MixtureOfDepths, Preset("mixture-of-depths-tiny").Architecture);
        var bytePooled = Preset("byte-pooled-tiny");
        var b = bytePooled.BytePooling;
        Assert.Equal((16, 2, 32, 2, 2, 6), (b.ByteDim, b.ByteHeads, b.ByteFfnHidden, b.PoolingLayers, b.DecoderLayers, b.MaxTokenBytes));
        Assert.True(BytePooled(bytePooled).CountParameters().Total > 0);

        var megabyte = Preset("megabyte-tiny");
        Assert.Equal((4, 2, 16), (megabyte.Megabyte.PatchSize, megabyte.Megabyte.LocalLayers, megabyte.Megabyte.LocalDModel));
        Assert.True(new MegabyteLm(megabyte, seed: 1).CountParameters().Total > 0);

        var layerSkip = Preset("layerskip-tiny");
        var e = layerSkip.EarlyExit;
        Assert.Equal((0.2, LayerDropoutCurve.Exponential, ExitCurriculumKind.Rotational), (e.MaxLayerDropout, e.LayerDropoutCurve, e.Curriculum));
        Assert.Equal(4, new LayerSkipLm(layerSkip, seed: 1).LayerCount);

        var mod = Preset("mixture-of-depths-tiny");
        Assert.Equal((0.5, 2), (mod.MixtureOfDepths.Capacity, mod.MixtureOfDepths.RouteEvery));
        Assert.Equal(2, new MixtureOfDepthsLm(mod, seed: 1).Routers.Count);
    }

    [Fact]
    public void Ten_million_presets_are_about_ten_million_parameters()
    {
        using var scope = TorchScope.Begin();
        var counts = new (string Name, long Total)[]
        {
            ("byte-pooled-10m", BytePooled(Preset("byte-pooled-10m")).CountParameters().Total),
            ("megabyte-10m", new MegabyteLm(Preset("megabyte-10m"), seed: 1).CountParameters().Total),
            ("layerskip-10m", new LayerSkipLm(Preset("layerskip-10m"), seed: 1).CountParameters().Total),
            ("mixture-of-depths-10m", new MixtureOfDepthsLm(Preset("mixture-of-depths-10m"), seed: 1).CountParameters().Total),
        };
        foreach (var (name, total) in counts) output.WriteLine($"{name}: {total:N0} parameters");
        Assert.All(counts, c => Assert.InRange(c.Total, 9_000_000, 11_500_000));
    }

    [Fact]
    public void Byte_pooling_needs_far_fewer_embedding_and_head_parameters_than_bpe_at_the_same_core()
    {
        using var scope = TorchScope.Begin();
        var tenM = EmbeddingParameterComparison.Measure(Preset("byte-pooled-10m"), bpeVocabSize: 50257);
        output.WriteLine($"byte-pooled-10m: {tenM}");

        Assert.Equal(50257L * 320, tenM.BpeTied);
        Assert.Equal(2 * 50257L * 320, tenM.BpeUntied);
        Assert.True(tenM.ReductionVsTied >= 0.90, tenM.ToString());
    }
}
