using Stlm.Model.Data;

namespace Stlm.Model.Training;

/// <summary>
/// Reads the micro-batches of one optimizer step from the data cursor: grad-accum consecutive
/// batches of the sampler's stream. The step's data is thus a pure function of the cursor, and
/// 2 micro-batches of B/2 rows hold exactly the rows of one batch of B. With data parallelism
/// the sampler's batches are the global micro-batches and <see cref="Slice"/> names this rank's
/// rows of each; the cursor stays global, so every rank resumes from the same one.
/// </summary>
public sealed class StepBatches(TokenDataset data, BatchSampler sampler, int gradAccum, RankSlice? slice = null)
{
    public TokenDataset Data { get; } = data;
    public BatchSampler Sampler { get; } = sampler;
    public int GradAccum { get; } = gradAccum;
    public RankSlice Slice { get; } = slice ?? RankSlice.Whole;

    public StepBatches(TokenDataset data, int microBatchSize, int gradAccum, ulong seed)
        : this(data, new BatchSampler(data.WindowCount, microBatchSize, seed), gradAccum) { }

    /// <summary>
    /// Rank <paramref name="slice"/>'s view of a run whose global batch is world-size ×
    /// <paramref name="rowsPerRank"/> × <paramref name="gradAccum"/>: the same stream of global
    /// batches as a single process with micro-batches of world-size × rowsPerRank.
    /// </summary>
    public static StepBatches ForRank(TokenDataset data, int rowsPerRank, int gradAccum, ulong seed, RankSlice slice) =>
        new(data, new BatchSampler(data.WindowCount, rowsPerRank * slice.WorldSize, seed), gradAccum, slice);

    /// <summary>The micro-batches starting at <paramref name="cursor"/> and the cursor of the next step.</summary>
    public (IReadOnlyList<MicroBatch> MicroBatches, DataCursor Next) Read(DataCursor cursor)
    {
        var batches = new MicroBatch[GradAccum];
        for (var i = 0; i < GradAccum; i++)
        {
            var batch = Sampler.Batch(Data, cursor, Slice);
            batches[i] = MicroBatch.From(batch);
            cursor = batch.Next;
        }
        return (batches, cursor);
    }
}
