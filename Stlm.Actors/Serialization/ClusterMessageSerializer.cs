using System.Collections.Frozen;
using Akka.Actor;
using Akka.Serialization;
using MessagePack;
using Stlm.Actors.Cluster.Evaluation;
using Stlm.Actors.Cluster.Transfer;
using SerializationException = System.Runtime.Serialization.SerializationException;

namespace Stlm.Actors.Serialization;

/// <summary>
/// The serializer of Stlm's messages between cluster nodes (evaluation work pulling, checkpoint
/// transfer): MessagePack maps under stable string manifests, like <see cref="RunEventSerializer"/>.
/// Nodes of different builds may talk, so the same rules hold (README.md beside this file): a
/// field's key and a manifest are never renamed or reused.
/// </summary>
public sealed class ClusterMessageSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    /// <summary>Never change or reuse this number.</summary>
    public const int Id = 118;

    static readonly FrozenDictionary<string, Type> TypeOf = new Dictionary<string, Type>
    {
        ["stlm.eval.EvalWorkAvailable"] = typeof(EvalWorkAvailable),
        ["stlm.eval.EvalWorkWanted"] = typeof(EvalWorkWanted),
        ["stlm.eval.NoEvalWork"] = typeof(NoEvalWork),
        ["stlm.eval.EvalJob"] = typeof(EvalJob),
        ["stlm.eval.EvalJobDone"] = typeof(EvalJobDone),
        ["stlm.eval.EvalJobFailed"] = typeof(EvalJobFailed),
        ["stlm.transfer.CheckpointWanted"] = typeof(CheckpointWanted),
        ["stlm.transfer.CheckpointAvailable"] = typeof(CheckpointAvailable),
        ["stlm.transfer.CheckpointNotHere"] = typeof(CheckpointNotHere),
        ["stlm.transfer.ChunkWanted"] = typeof(ChunkWanted),
        ["stlm.transfer.ChunkSent"] = typeof(ChunkSent),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    static readonly FrozenDictionary<Type, string> ManifestOf = TypeOf.ToFrozenDictionary(p => p.Value, p => p.Key);

    static readonly MessagePackSerializerOptions Options =
        MessagePackSerializerOptions.Standard.WithSecurity(MessagePackSecurity.UntrustedData);

    public override int Identifier => Id;

    /// <summary>The types this serializer is bound to (Akka's serialization-bindings).</summary>
    public static IEnumerable<Type> Types => TypeOf.Values;

    public override string Manifest(object o) => ManifestOf.TryGetValue(o.GetType(), out var manifest)
        ? manifest
        : throw new ArgumentException($"{o.GetType().FullName} is not a cluster message of Stlm");

    public override byte[] ToBinary(object obj) => MessagePackSerializer.Serialize(obj.GetType(), obj, Options);

    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (!TypeOf.TryGetValue(manifest, out var type))
            throw new SerializationException($"unknown cluster message '{manifest}' (sent by a newer Stlm?)");
        try
        {
            return MessagePackSerializer.Deserialize(type, bytes, Options)!;
        }
        catch (MessagePackSerializationException e)
        {
            throw new SerializationException($"a {manifest} does not parse: {e.InnerException?.Message ?? e.Message}", e);
        }
    }
}
