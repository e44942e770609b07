namespace Stlm.Actors.Training.Views;

/// <summary>A run and the runs forked from it (each child knows the step it was forked at).</summary>
public sealed record LineageNode(RunSummary Run, IReadOnlyList<LineageNode> Children);

public static class RunLineage
{
    /// <summary>
    /// The forest of runs: roots are runs that are not forks, or whose parent is not in the
    /// journal. Children are ordered by fork step, then creation.
    /// </summary>
    public static IReadOnlyList<LineageNode> Build(IReadOnlyList<RunSummary> runs)
    {
        var ids = runs.Select(r => r.Id).ToHashSet();
        var children = runs.Where(r => r.Parent is not null && ids.Contains(r.Parent))
            .ToLookup(r => r.Parent!);
        LineageNode Node(RunSummary run, HashSet<string> path) => new(run,
            [.. children[run.Id].Where(c => !path.Contains(c.Id)).OrderBy(c => c.ForkStep).ThenBy(c => c.Created)
                .Select(c => Node(c, [.. path, c.Id]))]);
        return [.. runs.Where(r => r.Parent is null || !ids.Contains(r.Parent)).OrderBy(r => r.Created).Select(r => Node(r, [r.Id]))];
    }
}
