using Akka.Actor;
using Akka.Configuration;

namespace Stlm.Actors.Cluster.Transfer;

/// <summary>
/// What a cluster member needs for transfers and evaluation jobs: Akka.Remote frames large
/// enough for a chunk (<see cref="CheckpointSourceActor.MaxChunkBytes"/>) or a job of a few
/// hundred questions (the default frame is 128,000 bytes), and its checkpoint source started.
/// </summary>
public static class TransferAkka
{
    public const int MaxFrameBytes = 4 * 1024 * 1024;

    public static Config Config { get; } = ConfigurationFactory.ParseString($$"""
        akka.remote.dot-netty.tcp {
          maximum-frame-size = {{MaxFrameBytes}}b
          send-buffer-size = {{MaxFrameBytes}}b
          receive-buffer-size = {{MaxFrameBytes}}b
        }
        """);

    /// <summary>Starts this node's <see cref="CheckpointSourceActor"/> under its well-known name.</summary>
    public static IActorRef StartSource(ActorSystem system, CheckpointCatalog catalog) =>
        system.ActorOf(CheckpointSourceActor.Props(catalog), CheckpointSourceActor.Name);
}
