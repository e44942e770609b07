using Stlm.Host.Bench;
using Stlm.Tests.Support;

namespace Stlm.Tests.Model.Training.DataParallel;

/// <summary>
/// Three runs of the tiny Llama over the training corpus, 50 steps each, made once for the
/// equivalence tests: a single process with micro-batches of 4 rows, and twice the same
/// world-size-2 run with 2 rows per rank (the same global batch), grad-accum 2 throughout.
/// </summary>
public sealed class DataParallelRuns : IDisposable
{
    public const int Steps = 50;
    readonly TempDirectory reports = new();

    public DataParallelRuns()
    {
        Corpus = new TrainingCorpus();
        var spec = new DataParallelSpec(Corpus.ShardDirectory, "", WorldSize: 1, Batch: 4, GradAccum: 2, Steps: Steps,
            RecordInputs: true, CheckEvery: 10, TimeoutSeconds: 60);
        var limit = TimeSpan.FromMinutes(3);
        Single = DataParallelLaunch.Run(spec with { ReportDirectory = Path.Combine(reports.Path, "single") }, limit)[0];
        var parallel = spec with { WorldSize = 2, Batch = 2 };
        First = DataParallelLaunch.Run(parallel with { ReportDirectory = Path.Combine(reports.Path, "first") }, limit);
        Second = DataParallelLaunch.Run(parallel with { ReportDirectory = Path.Combine(reports.Path, "second") }, limit);
    }

    public TrainingCorpus Corpus { get; }
    public DataParallelReport Single { get; }
    public IReadOnlyList<DataParallelReport> First { get; }
    public IReadOnlyList<DataParallelReport> Second { get; }

    public void Dispose()
    {
        Corpus.Dispose();
        reports.Dispose();
    }
}
