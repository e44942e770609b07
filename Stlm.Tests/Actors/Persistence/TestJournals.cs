using System.Text;
using System.Text.Json;
using Stlm.Actors.Persistence;
using Stlm.Actors.Persistence.InMemory;

namespace Stlm.Tests.Actors.Persistence;

/// <summary>An event no serializer accepts (as an event holding a socket would be).</summary>
public sealed record Unserializable(string Why);

/// <summary>JSON with the CLR type name as manifest; refuses <see cref="Unserializable"/>.</summary>
public sealed class JsonTestSerializer : IPayloadSerializer
{
    public SerializedPayload Serialize(object payload)
    {
        if (payload is Unserializable u)
            throw new NotSupportedException($"no serializer for Unserializable ({u.Why})");
        return new SerializedPayload(1, payload.GetType().AssemblyQualifiedName!, JsonSerializer.SerializeToUtf8Bytes(payload, payload.GetType()));
    }

    public object Deserialize(SerializedPayload payload) =>
        JsonSerializer.Deserialize(Encoding.UTF8.GetString(payload.Bytes), Type.GetType(payload.Manifest, throwOnError: true)!)!;
}

/// <summary>
/// Wraps a journal to hold writes until released, or to fail writes or replays, so tests can
/// see what a persistent actor does meanwhile.
/// </summary>
public sealed class ControlledJournal(IJournal inner) : IJournal
{
    public TaskCompletionSource? HoldWrites { get; set; }
    public Exception? FailWrites { get; set; }
    public Exception? FailReplays { get; set; }

    public async Task<IReadOnlyList<Exception?>> WriteMessagesAsync(IReadOnlyList<AtomicWrite> writes, CancellationToken ct = default)
    {
        if (HoldWrites is { } hold)
            await hold.Task;
        if (FailWrites is { } failure)
            throw failure;
        return await inner.WriteMessagesAsync(writes, ct);
    }

    public Task ReplayMessagesAsync(string persistenceId, long fromSequenceNr, long toSequenceNr, long max,
        Action<Persistent> recoveryCallback, CancellationToken ct = default) =>
        FailReplays is { } failure
            ? Task.FromException(failure)
            : inner.ReplayMessagesAsync(persistenceId, fromSequenceNr, toSequenceNr, max, recoveryCallback, ct);

    public Task<long> ReadHighestSequenceNrAsync(string persistenceId, long fromSequenceNr, CancellationToken ct = default) =>
        inner.ReadHighestSequenceNrAsync(persistenceId, fromSequenceNr, ct);

    public Task DeleteMessagesToAsync(string persistenceId, long toSequenceNr, CancellationToken ct = default) =>
        inner.DeleteMessagesToAsync(persistenceId, toSequenceNr, ct);

    public ValueTask DisposeAsync() => inner.DisposeAsync();

    public static ControlledJournal Create() => new(new InMemoryJournal(new JsonTestSerializer()));
}
