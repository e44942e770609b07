using Akka.Actor;
using Akka.Configuration;

namespace Stlm.Actors.Cluster.Transfer;

/// <summary>
/// What a cluster member needs for transfers and evaluation jobs: Akka.Remote frames large
/// enough for a job of a few hundred questions (the default frame is 128,000 bytes; a
/// checkpoint's bytes never cross Akka, only its negotiation), and its checkpoint source started
/// with the stream listener that serves the bytes.
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

    /// <summary>
    /// Starts this node's <see cref="CheckpointStreamServer"/> on the host of its cluster address
    /// (cluster.hostname) and its <see cref="CheckpointSourceActor"/> under its well-known name;
    /// the listener stops when the actor system does.
    /// </summary>
    public static IActorRef StartSource(ActorSystem system, CheckpointCatalog catalog, TransferSettings? settings = null)
    {
        var host = ((ExtendedActorSystem)system).Provider.DefaultAddress.Host ?? "127.0.0.1";
        var streams = CheckpointStreamServer.Start(host, settings ?? new TransferSettings());
        system.RegisterOnTermination(streams.Dispose);
        return system.ActorOf(CheckpointSourceActor.Props(catalog, streams), CheckpointSourceActor.Name);
    }
}
