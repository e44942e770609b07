using Stlm.Actors.Configuration;
using Stlm.Actors.Training.Run;

namespace Stlm.Actors.Training.Session;

/// <summary>
/// Lowers the learning rate when held-out bits per byte stops improving (session.lr-plateau):
/// when none of the newest <see cref="Patience"/> held-out evaluations beat the best one before
/// them by <see cref="MinDelta"/>, the learning rate is scaled by <see cref="Factor"/> from the
/// next step. The decision is journaled as ScheduleOverridden (decided_by "lr-plateau@STEP",
/// the step of the evaluation that decided it), so replay, resume and forks see it; a decision
/// already journaled for an evaluation is never taken again (a resume re-runs evaluations).
/// A pure function of the run's journaled evaluations and overrides.
/// </summary>
public sealed record LrPlateauPolicy(int Patience, double Factor, double MinDelta)
{
    public const string Name = "lr-plateau";

    public bool Enabled => Patience > 0;

    public static LrPlateauPolicy From(Config config)
    {
        var policy = new LrPlateauPolicy(config.GetInt("session.lr-plateau.patience"), config.GetDouble("session.lr-plateau.factor"),
            config.GetDouble("session.lr-plateau.min-delta"));
        if (policy.Patience < 0 || policy.Factor is <= 0 or > 1 || policy.MinDelta < 0)
            throw new Model.StlmException(
                $"session.lr-plateau: patience {policy.Patience}, factor {policy.Factor}, min-delta {policy.MinDelta}: use patience ≥ 0 (0 = off), 0 < factor ≤ 1, min-delta ≥ 0");
        return policy;
    }

    /// <summary>The evaluation step whose result calls for a decrease now, or null.</summary>
    public long? Decide(IReadOnlyList<EvalCompleted> evals, IReadOnlyList<ScheduleOverridden> overrides)
    {
        if (!Enabled) return null;
        // Held-out results by step; a step evaluated again (after a rollback) counts with its newest value.
        var heldOut = evals.Where(e => e.Task == "heldout")
            .Select(e => (e.Step, Bpb: e.Metrics.FirstOrDefault(m => m.Name == "bpb")?.Value))
            .Where(e => e.Bpb is { } v && double.IsFinite(v))
            .GroupBy(e => e.Step).Select(g => (Step: g.Key, Bpb: g.Last().Bpb!.Value)).OrderBy(e => e.Step).ToList();
        var lastDecision = overrides.Select(o => DecidedAt(o.DecidedBy)).Where(s => s is not null).Max() ?? long.MinValue;
        // Only evaluations after the last decision count: each decision starts a new patience window.
        var window = heldOut.Where(e => e.Step > lastDecision).ToList();
        if (window.Count < Patience + 1) return null;
        var best = window.Take(window.Count - Patience).Min(e => e.Bpb);
        var recent = window.Skip(window.Count - Patience).ToList();
        return recent.All(e => e.Bpb > best - MinDelta) ? recent[^1].Step : null;
    }

    public static string DecidedBy(long evalStep) => $"{Name}@{evalStep}";

    static long? DecidedAt(string decidedBy) =>
        decidedBy.StartsWith(Name + "@", StringComparison.Ordinal) && long.TryParse(decidedBy.AsSpan(Name.Length + 1), out var step) ? step : null;
}
