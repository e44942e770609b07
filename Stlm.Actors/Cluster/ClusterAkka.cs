using System.Globalization;
using System.Text.Json;
using Akka.Configuration;
using Stlm.Actors.Persistence;
using Stlm.Actors.Persistence.Sql;

namespace Stlm.Actors.Cluster;

/// <summary>
/// The Akka configuration of a cluster member: <see cref="StlmAkka.For"/> (logging, MessagePack,
/// the fenced journal) plus Akka.Remote on this node's address, the cluster provider with its
/// seeds and roles, Akka's split-brain resolver as the downing provider, and the sharding of runs.
/// A process that is no member never builds it and never loads Akka.Remote or Akka.Cluster.
/// </summary>
public static class ClusterAkka
{
    public static Akka.Configuration.Config For(ClusterSettings settings, SqlDialect dialect) =>
        ConfigurationFactory.ParseString(Hocon(settings))
            .WithFallback(Transfer.TransferAkka.Config)
            .WithFallback(StlmAkka.For(dialect))
            // Known from the start, so a member can read sharding's and distributed data's messages before it starts sharding itself.
            .WithFallback(Akka.Cluster.Sharding.ClusterSharding.DefaultConfig())
            .WithFallback(Akka.Cluster.Tools.Singleton.ClusterSingleton.DefaultConfig())
            .WithFallback(Akka.DistributedData.DistributedData.DefaultConfig());

    static string Q(string s) => JsonSerializer.Serialize(s);

    static string Name(Type t) => t.FullName + ", " + t.Assembly.GetName().Name;

    static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + "s";

    static string Hocon(ClusterSettings s)
    {
        var sbr = s.SplitBrain;
        var bindings = string.Join("\n", ClusterMessageSerializer.Types.Select(t => $"      {Q(Name(t))} = stlm-cluster"));
        return $$"""
            akka {
              # DistributedPubSub must be known on every member (Akka.Cluster.Tools looks for it on each).
              extensions = ["Akka.Cluster.Tools.PublishSubscribe.DistributedPubSubExtensionProvider, Akka.Cluster.Tools"]
              actor {
                provider = cluster
                serializers { stlm-cluster = {{Q(Name(typeof(ClusterMessageSerializer)))}} }
                serialization-bindings {
            {{bindings}}
                }
              }
              # A member that stops is normal here: no stack trace for each dropped connection.
              remote.log-remote-lifecycle-events = off
              remote.dot-netty.tcp {
                hostname = {{Q(s.Host)}}
                port = {{s.Port.ToString(CultureInfo.InvariantCulture)}}
              }
              cluster {
                seed-nodes = [{{string.Join(", ", s.SeedNodes.Select(Q))}}]
                roles = [{{string.Join(", ", s.Roles.Select(Q))}}]
                min-nr-of-members = {{s.MinNrOfMembers.ToString(CultureInfo.InvariantCulture)}}
                failure-detector.acceptable-heartbeat-pause = {{Seconds(s.FailureDetection)}}
                downing-provider-class = "Akka.Cluster.SBR.SplitBrainResolverProvider, Akka.Cluster"
                split-brain-resolver {
                  active-strategy = {{Q(sbr.Strategy)}}
                  stable-after = {{Seconds(sbr.StableAfter)}}
                  down-all-when-unstable = on
                  keep-majority.role = {{Q(sbr.Role)}}
                  keep-oldest.role = {{Q(sbr.Role)}}
                  static-quorum {
                    quorum-size = {{sbr.QuorumSize.ToString(CultureInfo.InvariantCulture)}}
                    role = {{Q(sbr.Role)}}
                  }
                }
                # A member that is downed (by the resolver) leaves and ends its process's work.
                run-coordinated-shutdown-when-down = on
                sharding {
                  # The coordinator's state and the remembered runs live in Akka's distributed data,
                  # replicated over the trainer members (not in the journal, which holds runs only).
                  state-store-mode = ddata
                  remember-entities-store = ddata
                  distributed-data.durable.keys = []
                  # A run's entity lives as long as its training, however quiet.
                  passivate-idle-entity-after = off
                }
              }
              # Leaving the cluster hands each hosted run off (its entity pauses it: a checkpoint first).
              coordinated-shutdown.phases.cluster-sharding-shutdown-region.timeout = 10 m
            }
            """;
    }
}
