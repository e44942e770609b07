using Stlm.Model.Architectures;
using Stlm.Model.Data;
using Stlm.Model.LibTorch;
using Stlm.Model.LibTorch.Optim;
using Stlm.Model.Schedules;
using Stlm.Model.Tokenizers;
using Stlm.Model.Training;
using Stlm.Tests.Support;

namespace Stlm.Tests.Model.Training;

/// <summary>A byte-tokenised synthetic corpus made once for the training tests (about 200 kB).</summary>
public sealed class TrainingCorpus : IDisposable
{
    readonly TempDirectory directory = new();

    public TrainingCorpus()
    {
        Tokenizer = TokenizerSpec.Load("bytes");
        ShardDirectory = SyntheticCorpus.Ensure(directory.Path, Tokenizer, megabytes: 0.2, seed: 3).ShardDirectory;
    }

    public ITokenizer Tokenizer { get; }
    public string ShardDirectory { get; }

    public TokenDataset Open(int context) => TokenDataset.Open(ShardDirectory, DataSplit.Train, context);

    public void Dispose() => directory.Dispose();
}

/// <summary>A tiny Llama (a few tens of thousands of parameters), its AdamW and a step over the corpus.</summary>
sealed class TrainingRig : IDisposable
{
    public static readonly ModelConfig Tiny = new()
    {
        NLayers = 2, DModel = 32, NHeads = 4, NKvHeads = 2, FfnHidden = 64,
        ContextLength = 32, VocabSize = 258, Dropout = 0.1,
    };

    public TrainingRig(TrainingCorpus corpus, ulong seed = 11, int microBatch = 4, int gradAccum = 1, double dropout = 0.1,
        Precision precision = Precision.Float32)
    {
        Torch.ManualSeed(seed);
        Llama = new LlamaForCausalLM(Tiny with { Dropout = dropout }, seed);
        Optimizer = TrainStep.AdamWFor(Llama, new AdamWOptions(Lr: 3e-3, Beta2: 0.95, WeightDecay: 0.1));
        Step = new TrainStep(Llama, Optimizer, new TrainStepOptions(gradAccum, GradClip: 1.0, precision));
        Data = corpus.Open(Tiny.ContextLength);
        Batches = new StepBatches(Data, microBatch, gradAccum, seed);
        Dropout = dropout;
    }

    public LlamaForCausalLM Llama { get; }
    public AdamW Optimizer { get; }
    public TrainStep Step { get; }
    public TokenDataset Data { get; }
    public StepBatches Batches { get; }
    public double Dropout { get; }
    public DataCursor Cursor { get; set; } = DataCursor.Start;
    public long NextStep { get; set; }

    static readonly EarlyExitPolicy NoEarlyExit = new([0.0, 0.0], [0.0, 1.0]);

    public ScheduleValues Schedule(long step) =>
        new(step, 3e-3 * (step + 1) / 10.0, Dropout, NoEarlyExit);

    /// <summary>Runs <paramref name="steps"/> more steps; returns their losses.</summary>
    public List<double> Train(int steps)
    {
        var losses = new List<double>();
        for (var i = 0; i < steps; i++)
        {
            var (micro, next) = Batches.Read(Cursor);
            losses.Add(Step.Run(Schedule(NextStep), micro).Loss);
            Cursor = next;
            NextStep++;
        }
        return losses;
    }

    /// <summary>Every weight's float bits, by name: equal arrays mean bit-identical weights.</summary>
    public Dictionary<string, float[]> Weights() =>
        Llama.StateDict().ToDictionary(e => e.Key, e => e.Value.Contiguous().ToArray<float>());

    public void Dispose()
    {
        Optimizer.Dispose();
        Data.Dispose();
    }
}
