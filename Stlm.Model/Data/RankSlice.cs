namespace Stlm.Model.Data;

/// <summary>
/// Which share of each global batch one data-parallel rank reads: rows
/// [Rank × rows/WorldSize, (Rank+1) × rows/WorldSize) of every batch. The cursor stays global.
/// </summary>
public sealed record RankSlice(int Rank, int WorldSize)
{
    /// <summary>A single process: the whole batch.</summary>
    public static readonly RankSlice Whole = new(0, 1);

    public override string ToString() => $"rank {Rank} of {WorldSize}";
}
