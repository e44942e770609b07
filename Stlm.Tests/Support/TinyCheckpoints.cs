using Stlm.Actors.Configuration;
using Stlm.Actors.Training.Recipe;
using Stlm.Model.Checkpoints;
using Stlm.Model.Data;
using Stlm.Model.Tokenizers;
using Stlm.Model.Training;

namespace Stlm.Tests.Support;

/// <summary>
/// Tiny runs' configs for every architecture (byte tokenizer, or a small BPE learned in the test)
/// and checkpoints of their initial weights, written the way a trainer writes them.
/// </summary>
static class TinyCheckpoints
{
    const string Text = "Once upon a time there was a little cat. The cat liked the sun. One day the cat saw a bird. ";

    /// <summary>Every architecture a run can train, for theories that hold for all of them.</summary>
    public static TheoryData<string> Architectures => ["llama", "layerskip", "mixture-of-depths", "megabyte", "byte-pooled"];

    /// <summary>--set arguments of a tiny model of <paramref name="architecture"/> (without the "--set"s).</summary>
    public static string[] Sets(string architecture, string dataDir, string? bpeDir = null)
    {
        string[] common =
        [
            "training.preset=\"\"", $"stlm.data-dir=\"{dataDir}\"", $"model.architecture={architecture}",
            "model.n-layers=2", "model.d-model=16", "model.n-heads=2", "model.n-kv-heads=1", "model.ffn-hidden=32", "model.dropout=0.0",
        ];
        string[] tokenizer = bpeDir is null
            ? ["tokenizer.kind=bytes", "model.vocab-size=258"]
            : ["tokenizer.kind=bpe", $"tokenizer.path=\"{bpeDir}\"", $"model.vocab-size={TokenizerSpec.Load("bpe:" + bpeDir).VocabSize}"];
        string[] shape = architecture switch
        {
            "megabyte" => ["model.context-length=4", "model.megabyte.patch-size=4", "model.megabyte.local-layers=1", "model.megabyte.local-d-model=8",
                "model.megabyte.local-n-heads=2", "model.megabyte.local-ffn-hidden=16"],
            "byte-pooled" => ["model.context-length=8", "model.byte-pooling.byte-dim=8", "model.byte-pooling.byte-heads=2", "model.byte-pooling.byte-ffn-hidden=16",
                "model.byte-pooling.pooling-layers=1", "model.byte-pooling.decoder-layers=1", "model.byte-pooling.max-token-bytes=4"],
            "mixture-of-depths" => ["model.context-length=16", "model.mixture-of-depths.capacity=0.5", "model.mixture-of-depths.route-every=2"],
            _ => ["model.context-length=16"],
        };
        return [.. common, .. tokenizer, .. shape];
    }

    public static Config Config(string architecture, string dataDir, string? bpeDir = null) =>
        TrainConfigLoader.Load(null, Sets(architecture, dataDir, bpeDir));

    /// <summary>
    /// The tiny config of <paramref name="architecture"/> under <paramref name="dir"/>: the byte-pooled
    /// model needs a BPE to pool by, learned into dir/bpe; the others read bytes.
    /// </summary>
    public static Config ConfigIn(string architecture, TempDirectory dir) =>
        Config(architecture, dir.Path, BpeFor(architecture, dir));

    /// <summary>dir/bpe, learned, when <paramref name="architecture"/> is byte-pooled; null (the byte tokenizer) otherwise.</summary>
    public static string? BpeFor(string architecture, TempDirectory dir) =>
        architecture == "byte-pooled" ? LearnBpe(dir.File("bpe")) : null;

    /// <summary>A BPE of 300 tokens learned from a short story, saved in <paramref name="directory"/>.</summary>
    public static string LearnBpe(string directory)
    {
        BpeFiles.Save(BpeTrainer.Train([string.Concat(Enumerable.Repeat(Text, 20))], 300), directory);
        return directory;
    }

    /// <summary>The config's model with its initial weights (seeded by torch.seed) and its tokenizer.</summary>
    public static (ILanguageModel Model, ITokenizer Tokenizer) Build(Config config)
    {
        var recipe = TrainingRecipe.From(config);
        var tokenizer = recipe.LoadTokenizer();
        return (recipe.BuildModel(tokenizer), tokenizer);
    }

    /// <summary>
    /// A checkpoint of the config's initial model at <paramref name="step"/>, under <paramref name="checkpointsDir"/>;
    /// with <paramref name="keepTokenizer"/> it references a copy of the tokenizer files beside it, as the trainer's do.
    /// </summary>
    public static CommittedCheckpoint Write(Config config, string checkpointsDir, long step = 0, bool keepTokenizer = false)
    {
        var (model, _) = Build(config);
        var info = CheckpointInfo.Create("r-test", step, step * 64, DataCursor.Start, config.ToHocon(), "test-build") with
        {
            Tokenizer = keepTokenizer ? TrainingRecipe.From(config).KeepTokenizerWith(checkpointsDir) : null,
        };
        using var snapshot = CheckpointSnapshot.Capture(info, model.Module.StateDict(), optimizer: null);
        return snapshot.Write(checkpointsDir);
    }
}
