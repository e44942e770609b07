using System.Collections.Frozen;
using Akka.Actor;
using Akka.Serialization;
using MessagePack;
using SerializationException = System.Runtime.Serialization.SerializationException;
using Stlm.Actors.Training.Run;

namespace Stlm.Actors.Serialization;

/// <summary>
/// The one serializer of everything Stlm journals or snapshots: MessagePack maps under stable
/// string manifests ("stlm.run.StepCompleted"). Bound in <see cref="StlmAkkaConfig"/> to every
/// run event; the evolution rules are in README.md beside this file. A manifest, once written,
/// is never renamed or reused: the table below only grows.
/// </summary>
public sealed class RunEventSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    /// <summary>Akka reserves 0–40; never change or reuse this number.</summary>
    public const int Id = 117;

    static readonly FrozenDictionary<string, Type> TypeOf = new Dictionary<string, Type>
    {
        ["stlm.run.RunCreated"] = typeof(RunCreated),
        ["stlm.run.StepCompleted"] = typeof(StepCompleted),
        ["stlm.run.CheckpointCommitted"] = typeof(CheckpointCommitted),
        ["stlm.run.CheckpointDeleted"] = typeof(CheckpointDeleted),
        ["stlm.run.EvalCompleted"] = typeof(EvalCompleted),
        ["stlm.run.ScheduleOverridden"] = typeof(ScheduleOverridden),
        ["stlm.run.Paused"] = typeof(Paused),
        ["stlm.run.Resumed"] = typeof(Resumed),
        ["stlm.run.Failed"] = typeof(Failed),
        ["stlm.run.Completed"] = typeof(Completed),
        ["stlm.run.StepSkipped"] = typeof(StepSkipped),
        ["stlm.run.RolledBack"] = typeof(RolledBack),
        ["stlm.run.RunSnapshot"] = typeof(RunSnapshot),
        ["stlm.run.Interrupted"] = typeof(Interrupted),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    static readonly FrozenDictionary<Type, string> ManifestOf = TypeOf.ToFrozenDictionary(p => p.Value, p => p.Key);

    public override int Identifier => Id;

    /// <summary>Every manifest this build reads and writes.</summary>
    public static IEnumerable<string> Manifests => TypeOf.Keys;

    /// <summary>The types this serializer is bound to (Akka's serialization-bindings).</summary>
    public static IEnumerable<Type> Types => TypeOf.Values;

    public static bool Handles(object o) => ManifestOf.ContainsKey(o.GetType());

    public override string Manifest(object o) => ManifestFor(o);

    /// <summary>The manifest stored with <paramref name="o"/>.</summary>
    public static string ManifestFor(object o) => ManifestOf.TryGetValue(o.GetType(), out var manifest)
        ? manifest
        : throw new ArgumentException($"{o.GetType().FullName} is not a run event: only the types of Training/Run/RunEvents.cs are journaled");

    public override byte[] ToBinary(object obj) => MessagePackSerializer.Serialize(obj.GetType(), obj, RunMessages.Options);

    public override object FromBinary(byte[] bytes, string manifest) => Read(bytes, manifest);

    /// <summary>The event or snapshot stored as <paramref name="bytes"/> under <paramref name="manifest"/>.</summary>
    public static object Read(byte[] bytes, string manifest)
    {
        if (!TypeOf.TryGetValue(manifest, out var type))
            throw new SerializationException($"unknown manifest '{manifest}' (written by a newer Stlm? see Stlm.Actors/Serialization/README.md)");
        try
        {
            return MessagePackSerializer.Deserialize(type, bytes, RunMessages.Options)!;
        }
        catch (MessagePackSerializationException e)
        {
            throw new SerializationException($"a stored {manifest} does not parse: {e.InnerException?.Message ?? e.Message}", e);
        }
    }

    /// <summary>The bytes of an event or snapshot as this serializer stores them.</summary>
    public static byte[] Write(object o) => MessagePackSerializer.Serialize(o.GetType(), o, RunMessages.Options);
}
