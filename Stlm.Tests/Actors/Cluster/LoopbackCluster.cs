using Stlm.Tests.Support;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Stlm.Actors.Cluster.Transfer;
using Stlm.Actors.Persistence;

namespace Stlm.Tests.Actors.Cluster;

/// <summary>
/// Several Akka cluster members in this test process, on 127.0.0.1 with ports of their own,
/// joined through the first; Akka's failure detector and split-brain resolver (keep-majority)
/// with short timings, so a member that stops answering is downed within a few seconds.
/// </summary>
sealed class LoopbackCluster : IAsyncDisposable
{
    readonly List<ActorSystem> _members = [];

    public IReadOnlyList<ActorSystem> Members => _members;

    static string Bindings => string.Join("\n", Stlm.Actors.Cluster.ClusterMessageSerializer.Types
        .Select(t => $"\"{t.FullName}, {t.Assembly.GetName().Name}\" = stlm-cluster"));

    public static Config MemberConfig(string roles = "") => ConfigurationFactory.ParseString($$"""
        akka.actor {
          serializers.stlm-cluster = "{{typeof(Stlm.Actors.Cluster.ClusterMessageSerializer).FullName}}, Stlm.Actors"
          serialization-bindings {
        {{Bindings}}
          }
        }
        akka {
          extensions = ["Akka.Cluster.Tools.PublishSubscribe.DistributedPubSubExtensionProvider, Akka.Cluster.Tools"]
          actor.provider = cluster
          remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0 }
          cluster {
            roles = [{{roles}}]
            failure-detector.acceptable-heartbeat-pause = 2s
            failure-detector.heartbeat-interval = 500ms
            downing-provider-class = "Akka.Cluster.SBR.SplitBrainResolverProvider, Akka.Cluster"
            split-brain-resolver { active-strategy = keep-majority, stable-after = 2s }
            pub-sub.gossip-interval = 200ms
          }
        }
        """).WithFallback(TransferAkka.Config).WithFallback(StlmAkka.Base);

    /// <summary>Starts <paramref name="count"/> members and waits until each sees all of them Up.</summary>
    public static async Task<LoopbackCluster> StartAsync(int count)
    {
        var cluster = new LoopbackCluster();
        for (var i = 0; i < count; i++) cluster._members.Add(ActorSystem.Create("stlm", MemberConfig(i == 0 ? "" : "evaluator")));
        var seed = Akka.Cluster.Cluster.Get(cluster._members[0]).SelfAddress;
        foreach (var member in cluster._members) Akka.Cluster.Cluster.Get(member).Join(seed);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!cluster._members.All(m => Akka.Cluster.Cluster.Get(m).State.Members.Count(x => x.Status == MemberStatus.Up) == count))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{count} loopback members did not all come Up in 60 s");
            await Task.Delay(100);
        }
        return cluster;
    }

    public Address AddressOf(int member) => Akka.Cluster.Cluster.Get(_members[member]).SelfAddress;

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_members.Select(m => m.TerminateWithin()));
    }
}
