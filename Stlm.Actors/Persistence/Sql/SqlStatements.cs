namespace Stlm.Actors.Persistence.Sql;

/// <summary>
/// The DML both engines understand as written (SQLite ≥ 3.35 and PostgreSQL ≥ 9.5 share
/// RETURNING, ON CONFLICT, LIMIT and TRUE/FALSE). A dialect overrides a statement only where
/// its engine needs other text. Parameters are named @x.
/// </summary>
public sealed record SqlStatements
{
    public static SqlStatements Shared { get; } = new();

    public const string EventColumns =
        "ordering, persistence_id, sequence_number, created, message, serializer_id, manifest, writer_uuid, deleted";

    public string InsertEventsPrefix { get; init; } =
        "INSERT INTO event_journal (persistence_id, sequence_number, created, message, serializer_id, manifest, writer_uuid, deleted) VALUES ";

    public string InsertEventsReturning { get; init; } = " RETURNING ordering, persistence_id, sequence_number";

    public string InsertTagsPrefix { get; init; } =
        "INSERT INTO tags (ordering_id, tag, persistence_id, sequence_number) VALUES ";

    /// <summary>Recovery reads only what a Persistent needs: every column read costs on 100k-event replays.</summary>
    public string Replay { get; init; } =
        "SELECT sequence_number, created, message, serializer_id, manifest, writer_uuid FROM event_journal " +
        "WHERE persistence_id = @pid AND sequence_number >= @from AND sequence_number <= @to AND deleted = FALSE " +
        "ORDER BY sequence_number LIMIT @max";

    public string HighestSequenceNr { get; init; } =
        "SELECT MAX(n) FROM (SELECT MAX(sequence_number) AS n FROM event_journal WHERE persistence_id = @pid " +
        "UNION ALL SELECT sequence_number AS n FROM journal_metadata WHERE persistence_id = @pid) AS highest";

    public string MarkDeleted { get; init; } =
        "UPDATE event_journal SET deleted = TRUE WHERE persistence_id = @pid AND sequence_number <= @to AND deleted = FALSE";

    public string KeepHighest { get; init; } =
        "INSERT INTO journal_metadata (persistence_id, sequence_number) VALUES (@pid, @seq) " +
        "ON CONFLICT (persistence_id) DO UPDATE SET sequence_number = excluded.sequence_number " +
        "WHERE excluded.sequence_number > journal_metadata.sequence_number";

    public string PurgeDeletedTags { get; init; } =
        "DELETE FROM tags WHERE ordering_id IN (SELECT ordering FROM event_journal WHERE deleted = TRUE)";

    public string PurgeDeletedEvents { get; init; } = "DELETE FROM event_journal WHERE deleted = TRUE";

    public string ExistingSequenceNrs { get; init; } =
        "SELECT sequence_number FROM event_journal WHERE persistence_id = @pid AND sequence_number >= @from AND sequence_number <= @to";

    public string EventsByPersistenceId { get; init; } =
        $"SELECT {EventColumns} FROM event_journal WHERE persistence_id = @pid AND sequence_number >= @from " +
        "AND sequence_number <= @to AND (deleted = FALSE OR @withDeleted = TRUE) ORDER BY sequence_number LIMIT @max";

    public string EventsByOrdering { get; init; } =
        $"SELECT {EventColumns} FROM event_journal WHERE ordering > @after AND ordering <= @upto " +
        "AND (deleted = FALSE OR @withDeleted = TRUE) ORDER BY ordering LIMIT @max";

    public string EventsByTag { get; init; } =
        "SELECT e.ordering, e.persistence_id, e.sequence_number, e.created, e.message, e.serializer_id, e.manifest, " +
        "e.writer_uuid, e.deleted FROM tags t JOIN event_journal e ON e.ordering = t.ordering_id " +
        "WHERE t.tag = @tag AND t.ordering_id > @after AND t.ordering_id <= @upto AND e.deleted = FALSE " +
        "ORDER BY t.ordering_id LIMIT @max";

    public string TagsInOrderingRange { get; init; } =
        "SELECT ordering_id, tag FROM tags WHERE ordering_id >= @first AND ordering_id <= @last ORDER BY ordering_id, tag";

    public string MaxOrdering { get; init; } = "SELECT COALESCE(MAX(ordering), 0) FROM event_journal";

    /// <summary>Orderings (deleted rows too: they are not gaps) and their write times, for the gap watermark.</summary>
    public string OrderingsAfter { get; init; } =
        "SELECT ordering, created FROM event_journal WHERE ordering > @after ORDER BY ordering LIMIT @max";

    public string PersistenceIds { get; init; } =
        "SELECT persistence_id FROM event_journal GROUP BY persistence_id ORDER BY MIN(ordering)";

    public string SaveSnapshot { get; init; } =
        "INSERT INTO snapshot (persistence_id, sequence_number, created, snapshot, manifest, serializer_id) " +
        "VALUES (@pid, @seq, @created, @snapshot, @manifest, @serializer) ON CONFLICT (persistence_id, sequence_number) " +
        "DO UPDATE SET created = excluded.created, snapshot = excluded.snapshot, manifest = excluded.manifest, " +
        "serializer_id = excluded.serializer_id";

    public string LoadSnapshot { get; init; } =
        "SELECT persistence_id, sequence_number, created, snapshot, manifest, serializer_id FROM snapshot " +
        "WHERE persistence_id = @pid AND sequence_number <= @maxSeq AND sequence_number >= @minSeq " +
        "AND created <= @maxTime AND created >= @minTime ORDER BY sequence_number DESC LIMIT 1";

    public string DeleteSnapshot { get; init; } =
        "DELETE FROM snapshot WHERE persistence_id = @pid AND sequence_number = @seq";

    public string DeleteSnapshots { get; init; } =
        "DELETE FROM snapshot WHERE persistence_id = @pid AND sequence_number <= @maxSeq AND sequence_number >= @minSeq " +
        "AND created <= @maxTime AND created >= @minTime";
}
