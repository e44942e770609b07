using System.Collections.Immutable;

namespace Stlm.Model.Nn;

/// <summary>Unique parameter elements of a model, in total and by group.</summary>
public sealed record ParameterCounts(long Total, ImmutableSortedDictionary<ParameterGroup, long> ByGroup)
{
    public long this[ParameterGroup group] => ByGroup.GetValueOrDefault(group);

    /// <summary>Everything but the embedding and the head: the paper's "core" parameters.</summary>
    public long Core => Total - this[ParameterGroup.Embedding] - this[ParameterGroup.Head];

    public static ParameterCounts Of(IEnumerable<Parameter> parameters)
    {
        var byGroup = new SortedDictionary<ParameterGroup, long>();
        long total = 0;
        foreach (var p in parameters)
        {
            byGroup[p.Group] = byGroup.GetValueOrDefault(p.Group) + p.NumEl;
            total += p.NumEl;
        }
        return new ParameterCounts(total, byGroup.ToImmutableSortedDictionary());
    }

    public override string ToString() =>
        $"{Total:N0} parameters (" + string.Join(", ", ByGroup.Select(g => $"{g.Key.ToString().ToLowerInvariant()} {g.Value:N0}")) + ")";
}
