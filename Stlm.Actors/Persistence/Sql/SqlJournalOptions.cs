namespace Stlm.Actors.Persistence.Sql;

/// <summary>Tuning of the SQL journal and its queries; the defaults suit a training run.</summary>
public sealed record SqlJournalOptions
{
    /// <summary>Rows per multi-row INSERT (null: the dialect's choice; bounded by the engine's parameter limit).</summary>
    public int? RowsPerInsert { get; init; }

    /// <summary>Rows a query reads per round trip.</summary>
    public int PageSize { get; init; } = 1000;

    /// <summary>How often a live query looks for new events when it has caught up.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a live query by ordering waits for a missing ordering value (a transaction that
    /// took it may still commit) before deciding it was rolled back and moving past it.
    /// </summary>
    public TimeSpan MaxGapWait { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A gap before an event written longer ago than MaxGapWait plus this much is old (a rolled
    /// back or purged write) and is passed at once; the margin covers clocks of other machines.
    /// </summary>
    public TimeSpan ClockSkewMargin { get; init; } = TimeSpan.FromMinutes(1);

    public static SqlJournalOptions Default { get; } = new();
}
