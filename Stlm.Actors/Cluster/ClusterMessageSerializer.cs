using System.Collections.Frozen;
using Akka.Actor;
using Akka.Serialization;
using MessagePack;
using SerializationException = System.Runtime.Serialization.SerializationException;

namespace Stlm.Actors.Cluster;

/// <summary>
/// The messages Stlm's cluster members send each other, as MessagePack under stable string
/// manifests (bound in <see cref="ClusterAkka"/>). Members of one cluster run the same build; a
/// manifest once used is never given to another type.
/// </summary>
public sealed class ClusterMessageSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    /// <summary>Akka reserves 0–40; 117 is the run events' serializer. Never change or reuse this number.</summary>
    public const int Id = 118;

    static readonly FrozenDictionary<string, Type> TypeOf = new Dictionary<string, Type>
    {
        ["stlm.cluster.TrainRun"] = typeof(TrainRun),
        ["stlm.cluster.RunPlaced"] = typeof(RunPlaced),
        ["stlm.cluster.GetFreeSlots"] = typeof(GetFreeSlots),
        ["stlm.cluster.FreeSlots"] = typeof(FreeSlots),
        // Data-parallel ranks on trainer nodes (RankHost.cs).
        ["stlm.cluster.ReserveRank"] = typeof(ReserveRank),
        ["stlm.cluster.RankReserved"] = typeof(RankReserved),
        ["stlm.cluster.StartRank"] = typeof(StartRank),
        ["stlm.cluster.RankStarted"] = typeof(RankStarted),
        ["stlm.cluster.RankEnded"] = typeof(RankEnded),
        ["stlm.cluster.RankFetching"] = typeof(RankFetching),
        // Evaluation across machines (Evaluation/EvaluationJobs.cs) and checkpoint transfer (Transfer/TransferMessages.cs).
        ["stlm.eval.EvalWorkAvailable"] = typeof(Evaluation.EvalWorkAvailable),
        ["stlm.eval.EvalWorkWanted"] = typeof(Evaluation.EvalWorkWanted),
        ["stlm.eval.NoEvalWork"] = typeof(Evaluation.NoEvalWork),
        ["stlm.eval.EvalJob"] = typeof(Evaluation.EvalJob),
        ["stlm.eval.EvalJobDone"] = typeof(Evaluation.EvalJobDone),
        ["stlm.eval.EvalJobFailed"] = typeof(Evaluation.EvalJobFailed),
        ["stlm.transfer.CheckpointWanted"] = typeof(Transfer.CheckpointWanted),
        ["stlm.transfer.CheckpointAvailable"] = typeof(Transfer.CheckpointAvailable),
        ["stlm.transfer.CheckpointNotHere"] = typeof(Transfer.CheckpointNotHere),
        // "stlm.transfer.ChunkWanted" and "stlm.transfer.ChunkSent" were the bytes through Akka before they moved to a TCP stream: never reuse them.
        ["stlm.transfer.FileWanted"] = typeof(Transfer.FileWanted),
        ["stlm.transfer.FileOffered"] = typeof(Transfer.FileOffered),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    static readonly FrozenDictionary<Type, string> ManifestOf = TypeOf.ToFrozenDictionary(p => p.Value, p => p.Key);

    static readonly MessagePackSerializerOptions Options = MessagePackSerializerOptions.Standard.WithSecurity(MessagePackSecurity.UntrustedData);

    public override int Identifier => Id;

    /// <summary>The types this serializer is bound to (Akka's serialization-bindings).</summary>
    public static IEnumerable<Type> Types => TypeOf.Values;

    public override string Manifest(object o) => ManifestOf.TryGetValue(o.GetType(), out var manifest)
        ? manifest
        : throw new ArgumentException($"{o.GetType().FullName} is not a cluster message of Stlm");

    public override byte[] ToBinary(object obj) => MessagePackSerializer.Serialize(obj.GetType(), obj, Options);

    public override object FromBinary(byte[] bytes, string manifest) => TypeOf.TryGetValue(manifest, out var type)
        ? MessagePackSerializer.Deserialize(type, bytes, Options)!
        : throw new SerializationException($"unknown cluster message '{manifest}' (a member of another Stlm build?)");
}
