namespace Stlm.Model.Schedules;

public enum DropoutKind { Constant, Linear, Early, Late, Triangle }

/// <summary>
/// The dropout probability as a pure function of the optimizer step s (0-based). With p, p₀ =
/// start-p, K = switch-step, a = start-step, m = peak-step, b = end-step:
/// <code>
///   constant   p
///   early      p while s &lt; K, then 0               (Liu et al. 2023, "Dropout reduces underfitting")
///   late       0 while s &lt; K, then p
///   linear     p₀ for s ≤ a;  p₀ + (p−p₀)·(s−a)/(b−a) for a &lt; s &lt; b;  p for s ≥ b
///   triangle   p₀ for s ≤ a and s ≥ b; rises linearly to p at s = m, then falls back to p₀ at b
/// </code>
/// </summary>
public sealed record DropoutSchedule(
    DropoutKind Kind = DropoutKind.Constant,
    double P = 0.1,
    double StartP = 0.0,
    long SwitchStep = 5000,
    long StartStep = 0,
    long PeakStep = 12500,
    long EndStep = 25000)
{
    public const string Section = "schedules.dropout";

    public double At(long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        return Kind switch
        {
            DropoutKind.Constant => P,
            DropoutKind.Early => step < SwitchStep ? P : 0,
            DropoutKind.Late => step < SwitchStep ? 0 : P,
            DropoutKind.Linear => step <= StartStep ? StartP : step >= EndStep ? P : Lerp(StartP, P, step, StartStep, EndStep),
            DropoutKind.Triangle => step <= StartStep || step >= EndStep ? StartP
                : step <= PeakStep ? Lerp(StartP, P, step, StartStep, PeakStep)
                : Lerp(P, StartP, step, PeakStep, EndStep),
            _ => throw new InvalidOperationException($"unknown dropout kind {Kind}"),
        };
    }

    /// <summary>The largest value the schedule ever takes (bounds what overrides can scale).</summary>
    public double Max => Kind is DropoutKind.Linear or DropoutKind.Triangle ? Math.Max(P, StartP) : P;

    static double Lerp(double from, double to, long step, long a, long b) => from + (to - from) * (step - a) / (b - a);

    public void Validate()
    {
        Check.Probability(Section, "p", P);
        Check.Probability(Section, "start-p", StartP);
        switch (Kind)
        {
            case DropoutKind.Early or DropoutKind.Late:
                Check.AtLeast(Section, "switch-step", SwitchStep, 0);
                break;
            case DropoutKind.Linear:
                Check.AtLeast(Section, "start-step", StartStep, 0);
                if (EndStep <= StartStep) throw Check.Error(Section, "end-step", EndStep, $"must be after start-step = {StartStep}");
                break;
            case DropoutKind.Triangle:
                Check.AtLeast(Section, "start-step", StartStep, 0);
                if (PeakStep <= StartStep) throw Check.Error(Section, "peak-step", PeakStep, $"must be after start-step = {StartStep}");
                if (EndStep <= PeakStep) throw Check.Error(Section, "end-step", EndStep, $"must be after peak-step = {PeakStep}");
                break;
        }
    }
}
