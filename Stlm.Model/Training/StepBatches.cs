using Stlm.Model.Data;

namespace Stlm.Model.Training;

/// <summary>
/// Reads the micro-batches of one optimizer step from the data cursor: grad-accum consecutive
/// batches of the sampler's stream. The step's data is thus a pure function of the cursor, and
/// 2 micro-batches of B/2 rows hold exactly the rows of one batch of B.
/// </summary>
public sealed class StepBatches(TokenDataset data, BatchSampler sampler, int gradAccum)
{
    public TokenDataset Data { get; } = data;
    public BatchSampler Sampler { get; } = sampler;
    public int GradAccum { get; } = gradAccum;

    public StepBatches(TokenDataset data, int microBatchSize, int gradAccum, ulong seed)
        : this(data, new BatchSampler(data.WindowCount, microBatchSize, seed), gradAccum) { }

    /// <summary>The micro-batches starting at <paramref name="cursor"/> and the cursor of the next step.</summary>
    public (IReadOnlyList<MicroBatch> MicroBatches, DataCursor Next) Read(DataCursor cursor)
    {
        var batches = new MicroBatch[GradAccum];
        for (var i = 0; i < GradAccum; i++)
        {
            var batch = Sampler.Batch(Data, cursor);
            batches[i] = MicroBatch.From(batch);
            cursor = batch.Next;
        }
        return (batches, cursor);
    }
}
