using System.Globalization;
using System.Text.RegularExpressions;
using Stlm.Actors.Configuration;
using Stlm.Model.Architectures;
using Stlm.Model.LibTorch;
using Stlm.Model.Nn;
using Stlm.Model.Tokenizers;

namespace Stlm.Tests.Model.Architectures;

public class PresetTests
{
    static string PresetPath(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "Presets", name + ".conf");

    static ModelConfig Load(string name) => ConfigBinder.Bind<ModelConfig>(ConfigLoader.Load(PresetPath(name), []), "model");

    /// <summary>The count a preset states in its "# parameters: N" comment.</summary>
    static long StatedCount(string name)
    {
        var match = Regex.Match(File.ReadAllText(PresetPath(name)), @"# parameters: ([\d,]+)");
        Assert.True(match.Success, $"{name}.conf states no parameter count");
        return long.Parse(match.Groups[1].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
    }

    static long ClosedForm(ModelConfig c)
    {
        long d = c.DModel, hd = c.DModel / c.NHeads;
        var layer = 2 * d * c.NHeads * hd + 2 * d * c.NKvHeads * hd + 3 * d * c.FfnHidden + 2 * d;
        return (c.TieEmbeddings ? 1 : 2) * (long)c.VocabSize * d + c.NLayers * layer + d;
    }

    [Fact]
    public void Reference_conf_binds_to_the_model_config_defaults()
    {
        var bound = ConfigBinder.Bind<ModelConfig>(ConfigLoader.Load(null, []), "model");
        Assert.Equal(new ModelConfig(), bound);
    }

    [Fact]
    public void The_50m_preset_is_the_papers_table_1()
    {
        var c = Load("llama-50m");
        Assert.Equal((10, 512, 16, 1536, 512, 50257, 0.1), (c.NLayers, c.DModel, c.NHeads, c.FfnHidden, c.ContextLength, c.VocabSize, c.Dropout));
        Assert.Equal(FfnActivation.Swiglu, c.Activation);
    }

    [Theory]
    [InlineData("llama-tiny-bytes")]
    [InlineData("llama-1m")]
    [InlineData("llama-10m")]
    [InlineData("llama-50m")]
    [InlineData("llama-100m")]
    public void Each_preset_states_its_true_parameter_count(string name)
    {
        var config = Load(name);
        config.Validate();
        Assert.Equal(ClosedForm(config), StatedCount(name));
    }

    [Fact]
    public void The_1m_preset_builds_with_the_stated_count()
    {
        using var scope = TorchScope.Begin();
        Assert.Equal(StatedCount("llama-1m"), new LlamaForCausalLM(Load("llama-1m"), seed: 1).CountParameters().Total);
    }

    [Theory]
    [InlineData("llama-tiny-bytes")]
    [InlineData("layerskip-tiny")]
    [InlineData("mixture-of-depths-tiny")]
    [InlineData("megabyte-tiny")]
    public void Each_byte_level_preset_fits_the_byte_tokenizer_so_stlm_train_takes_it(string name)
    {
        var config = ConfigLoader.Load(PresetPath(name), []);
        Assert.Equal("bytes", config.GetString("tokenizer.kind"));
        LanguageModels.Check(Load(name), new ByteTokenizer());
    }
}
