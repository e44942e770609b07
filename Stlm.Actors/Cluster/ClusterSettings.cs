using System.Globalization;
using Stlm.Actors.Configuration;
using Stlm.Actors.Persistence.Sql;
using Stlm.Model;

namespace Stlm.Actors.Cluster;

/// <summary>How Akka's split-brain resolver decides who is down (cluster.split-brain-resolver).</summary>
public sealed record SplitBrainSettings(string Strategy, TimeSpan StableAfter, int QuorumSize, string Role)
{
    public static readonly IReadOnlyList<string> Strategies = ["keep-majority", "keep-oldest", "static-quorum", "down-all"];
}

/// <summary>
/// The <c>cluster</c> section of the configuration (hocon/reference.conf documents each key):
/// whom to join, this node's address and roles, when members come up, how many runs a trainer
/// takes, and how the split-brain resolver downs members. Empty seed-nodes: no cluster.
/// <code>
/// var cluster = ClusterSettings.From(config);
/// if (cluster.Enabled) ClusterSettings.RequireSharedJournal(location);
/// </code>
/// </summary>
public sealed record ClusterSettings(
    IReadOnlyList<string> SeedNodes,
    IReadOnlyList<string> Roles,
    string Hostname,
    int Port,
    int MinNrOfMembers,
    int RunsPerTrainer,
    int Gpus,
    TimeSpan FailureDetection,
    SplitBrainSettings SplitBrain)
{
    /// <summary>The actor system's name: part of every member's address (akka.tcp://stlm@host:port).</summary>
    public const string SystemName = "stlm";

    /// <summary>True when seed nodes are set: runs go to the cluster instead of training in their own process.</summary>
    public bool Enabled => SeedNodes.Count > 0;

    /// <summary>The address this member binds and announces: cluster.hostname, or this machine's host name.</summary>
    public string Host => Hostname.Length > 0 ? Hostname : System.Net.Dns.GetHostName();

    /// <summary>This node's address once bound (with <see cref="Port"/> 0 only Akka knows the port).</summary>
    public string Address => $"akka.tcp://{SystemName}@{Host}:{Port.ToString(CultureInfo.InvariantCulture)}";

    public static ClusterSettings From(Config config)
    {
        var seeds = config.GetStringList("cluster.seed-nodes").Select(s => SeedAddress(s.Trim())).ToList();
        var settings = new ClusterSettings(
            SeedNodes: seeds,
            Roles: CheckRoles(config.GetStringList("cluster.roles"), "cluster.roles"),
            Hostname: config.GetString("cluster.hostname").Trim(),
            Port: CheckPort(config.GetInt("cluster.port"), "cluster.port"),
            MinNrOfMembers: Positive(config.GetInt("cluster.min-nr-of-members"), "cluster.min-nr-of-members"),
            RunsPerTrainer: Positive(config.GetInt("cluster.runs-per-trainer"), "cluster.runs-per-trainer"),
            Gpus: NotNegative(config.GetInt("cluster.gpus"), "cluster.gpus", "give how many CUDA devices this node offers runs, or 0 for a CPU trainer node"),
            FailureDetection: config.GetDuration("cluster.failure-detection"),
            SplitBrain: new SplitBrainSettings(
                Strategy: config.GetString("cluster.split-brain-resolver.active-strategy"),
                StableAfter: config.GetDuration("cluster.split-brain-resolver.stable-after"),
                QuorumSize: Positive(config.GetInt("cluster.split-brain-resolver.quorum-size"), "cluster.split-brain-resolver.quorum-size"),
                Role: config.GetString("cluster.split-brain-resolver.role")));
        if (!SplitBrainSettings.Strategies.Contains(settings.SplitBrain.Strategy))
            throw new StlmException($"cluster.split-brain-resolver.active-strategy = \"{settings.SplitBrain.Strategy}\" is not known: use one of {string.Join(", ", SplitBrainSettings.Strategies)}");
        if (settings.FailureDetection < TimeSpan.FromSeconds(1))
            throw new StlmException($"cluster.failure-detection = {settings.FailureDetection.TotalMilliseconds} ms is too short: members would be marked unreachable between two heartbeats (use 1s or more)");
        return settings;
    }

    /// <summary>How many runs (or ranks) this trainer node trains at once: one per GPU on a GPU node, else cluster.runs-per-trainer.</summary>
    public int TrainerSlots => Gpus > 0 ? Gpus : RunsPerTrainer;

    /// <summary>
    /// A trainer node's GPUs must be there: refused in one line when this libtorch sees fewer CUDA
    /// devices than cluster.gpus (checked only on a GPU node, so a CPU node never loads CUDA).
    /// </summary>
    public void RequireGpus(int visible)
    {
        if (Gpus > visible)
            throw new StlmException($"cluster.gpus = {Gpus} but this libtorch sees {(visible == 0 ? "no CUDA device (built without CUDA, or no GPU visible)" : $"only {visible} CUDA device(s)")}: " +
                                    $"set cluster.gpus = {visible} (0 makes this a CPU trainer node), or start the node where the GPUs are");
    }

    /// <summary>The same settings with `stlm node`'s --roles and --port applied.</summary>
    public ClusterSettings WithNodeOptions(IReadOnlyList<string>? roles, int? port) => this with
    {
        Roles = roles is null ? Roles : CheckRoles(roles, "--roles"),
        Port = port is { } p ? CheckPort(p, "--port") : Port,
    };

    /// <summary>
    /// Every node of a cluster must read and write one journal: a run moves between machines, and
    /// its lease and fence live beside its events. SQLite is a file of one machine, so it is refused.
    /// </summary>
    /// <param name="otherwise">What else the user can do, appended to the refusal (e.g. "or leave cluster.seed-nodes empty …").</param>
    public static void RequireSharedJournal(JournalLocation journal, string? otherwise = null)
    {
        if (journal.Engine != "postgres")
            throw new StlmException($"a cluster needs one journal that every node shares, and journal.engine = \"{journal.Engine}\" keeps it in a file " +
                                    $"of this machine ({journal.Target}): set journal.engine = \"postgres\" and journal.postgres.connection (or STLM_PG) " +
                                    $"to the same database on every node{(otherwise is null ? "" : ", " + otherwise)}");
    }

    /// <summary>"host:port" or a full Akka address, as Akka's seed-nodes list wants it.</summary>
    static string SeedAddress(string seed)
    {
        if (seed.StartsWith("akka.tcp://", StringComparison.Ordinal)) return seed;
        var colon = seed.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(seed[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            throw new StlmException($"cluster.seed-nodes: \"{seed}\" is not host:port (e.g. \"10.0.0.5:4053\") nor an address akka.tcp://{SystemName}@host:port");
        return $"akka.tcp://{SystemName}@{seed[..colon]}:{port.ToString(CultureInfo.InvariantCulture)}";
    }

    static IReadOnlyList<string> CheckRoles(IReadOnlyList<string> roles, string where)
    {
        var cleaned = roles.Select(r => r.Trim()).Where(r => r.Length > 0).Distinct().ToList();
        if (cleaned.FirstOrDefault(r => !NodeRoles.All.Contains(r)) is { } unknown)
            throw new StlmException($"{where}: role \"{unknown}\" is not known; roles are {string.Join(", ", NodeRoles.All)}");
        return cleaned;
    }

    static int CheckPort(int port, string where) => port is >= 0 and <= 65535
        ? port
        : throw new StlmException($"{where} = {port} is not a port: use 1-65535, or 0 for any free port");

    static int NotNegative(int value, string key, string how) => value >= 0
        ? value
        : throw new StlmException($"{key} = {value} is negative: {how}");

    static int Positive(int value, string key) => value >= 1
        ? value
        : throw new StlmException($"{key} = {value}: it must be 1 or more");
}
