using System.Runtime.CompilerServices;
using Akka.Actor;
using Akka.Persistence.Query;
using Stlm.Actors.Persistence.Sql;

namespace Stlm.Actors.Persistence;

/// <summary>
/// A journaled row this build cannot deserialize (an event of a newer build, a damaged row): what
/// the row says it is, so `stlm journal dump` can show it instead of failing on it.
/// </summary>
public sealed record UndecodableEvent(string Manifest, int SerializerId, int Bytes, string Reason);

/// <summary>
/// The rows of Akka.Persistence.Sql's journal table read one by one, each deserialized on its
/// own. The read journal fails a whole query on the first row it cannot deserialize; a dump
/// goes on from there with these, so it shows every row and each undecodable one as such.
/// </summary>
public static class JournalRows
{
    /// <summary>The events of <paramref name="persistenceId"/> after <paramref name="afterSequenceNr"/>, in order; undecodable ones as <see cref="UndecodableEvent"/>.</summary>
    public static async IAsyncEnumerable<EventEnvelope> ReadAsync(SqlDialect dialect, ActorSystem system, string persistenceId, long afterSequenceNr,
        [EnumeratorCancellation] CancellationToken ct = default)
    {
        await using var connection = await dialect.OpenAsync(ct);
        await using var command = Db.Command(connection,
                $"SELECT ordering, sequence_number, created, identifier, manifest, message FROM {StlmAkka.JournalTable} " +
                "WHERE persistence_id = @id AND sequence_number > @after AND NOT deleted ORDER BY sequence_number")
            .With("@id", persistenceId).With("@after", afterSequenceNr);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var (ordering, sequenceNr, created) = (Convert.ToInt64(reader.GetValue(0)), Convert.ToInt64(reader.GetValue(1)), Convert.ToInt64(reader.GetValue(2)));
            var (serializerId, manifest, bytes) = (Convert.ToInt32(reader.GetValue(3)), reader.IsDBNull(4) ? "" : reader.GetString(4), (byte[])reader.GetValue(5));
            object @event;
            try
            {
                @event = system.Serialization.Deserialize(bytes, serializerId, manifest);
            }
            catch (Exception e)
            {
                @event = new UndecodableEvent(manifest, serializerId, bytes.Length, e.Message.ReplaceLineEndings(" "));
            }
            yield return new EventEnvelope(new Sequence(ordering), persistenceId, sequenceNr, @event, created, []);
        }
    }
}
