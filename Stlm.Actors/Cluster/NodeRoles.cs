namespace Stlm.Actors.Cluster;

/// <summary>
/// What a cluster member does. A node's roles are Akka cluster roles (cluster.roles, or
/// `stlm node --roles`): sharding places runs on members with <see cref="Trainer"/>, and
/// evaluation work goes to members with <see cref="Evaluator"/>. A member with no role (a
/// `stlm train` following its run) takes no work.
/// </summary>
public static class NodeRoles
{
    /// <summary>Hosts runs (one sharded entity per run, <see cref="RunSharding"/>).</summary>
    public const string Trainer = "trainer";

    /// <summary>Scores evaluations for runs trained anywhere in the cluster.</summary>
    public const string Evaluator = "evaluator";

    public static IReadOnlyList<string> All { get; } = [Trainer, Evaluator];

    /// <summary>
    /// Starts the actors of each of the node's roles, once it is Up. The one place a role's
    /// actors begin: add a role's start here.
    /// </summary>
    internal static void StartActors(ClusterNode node)
    {
        // Every member serves the checkpoints it holds, and fetches those it lacks into its cache
        // (an evaluator to score them, a trainer to resume a run or start a rank from them).
        var catalog = Transfer.CheckpointCatalog.InDataFolder(node.DataDir);
        node.Checkpoints = new Transfer.CheckpointCopies(node.System, catalog, node.Settings.Transfer);
        Transfer.TransferAkka.StartSource(node.System, catalog, node.Settings.Transfer);
        // Every member can hand a run to the trainers; trainer members also host them.
        node.Runs = RunSharding.Start(node);
        if (node.Has(Evaluator))
            node.System.ActorOf(Evaluation.ClusterEvaluatorActor.Props(new Transfer.CheckpointFetcher(catalog, node.Settings.Transfer)), Evaluation.ClusterEvaluatorActor.Name);
    }
}
