namespace Stlm.Model.Data;

/// <summary>
/// Where a run is in its data: the epoch and the position (sample index) within that epoch's
/// order. It is all a checkpoint needs to resume the exact same stream of batches.
/// </summary>
public sealed record DataCursor(long Epoch, long Position)
{
    public static readonly DataCursor Start = new(0, 0);

    /// <summary>The cursor <paramref name="samples"/> later in epochs of <paramref name="epochSize"/> samples.</summary>
    public DataCursor Advance(long samples, long epochSize)
    {
        var absolute = Epoch * epochSize + Position + samples;
        return new DataCursor(absolute / epochSize, absolute % epochSize);
    }

    public override string ToString() => $"epoch {Epoch}, position {Position}";
}
