namespace Stlm.Model.Schedules;

public enum LearningRateKind { Constant, Cosine, Linear, WarmupStableDecay }

/// <summary>Shape of the decay phase of warmup-stable-decay, as f(r) for r from 0 to 1.</summary>
public enum DecayShape { Linear, Cosine, Sqrt }

/// <summary>
/// The learning rate as a pure function of the optimizer step s (0-based: s is the step about to
/// be taken, so a run of T steps takes s = 0 … T−1). With peak η, floor η_min, warmup W, length T:
/// <code>
///   warmup (all kinds)  s &lt; W:  η·(s+1)/(W+1)        (never 0; reaches η exactly at s = W)
///   constant            s ≥ W:  η                     (no floor, also beyond T)
///   cosine         W ≤ s ≤ T:  η_min + (η−η_min)·½(1+cos(π·r)),  r = (s−W)/(T−W)
///   linear         W ≤ s ≤ T:  η + (η_min−η)·r
///   warmup-stable-decay: decay length D = round(f·T) (f = decay-fraction, half away from zero),
///                  W ≤ s &lt; T−D:  η;   T−D ≤ s ≤ T:  η_min + (η−η_min)·g(r),  r = (s−(T−D))/D,
///                  g = 1−r (linear), ½(1+cos πr) (cosine), 1−√r (sqrt)
///   decaying kinds      s ≥ T:  η_min
/// </code>
/// The floor is reached at s = T, one past the last step (nanoGPT's convention), so the last step
/// T−1 is one decay step above it.
/// </summary>
public sealed record LearningRateSchedule(
    LearningRateKind Kind = LearningRateKind.Cosine,
    double Peak = 6e-4,
    double MinLr = 6e-5,
    long WarmupSteps = 5000,
    long Steps = 25000,
    double DecayFraction = 0.2,
    DecayShape DecayShape = DecayShape.Linear)
{
    public const string Section = "schedules.learning-rate";

    public double At(long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        if (step < WarmupSteps) return Peak * (step + 1) / (WarmupSteps + 1);
        if (Kind == LearningRateKind.Constant) return Peak;
        if (step >= Steps) return MinLr;
        return Kind switch
        {
            LearningRateKind.Cosine => Between(Cosine(Fraction(step, WarmupSteps, Steps))),
            LearningRateKind.Linear => Between(1 - Fraction(step, WarmupSteps, Steps)),
            LearningRateKind.WarmupStableDecay => step < DecayStart ? Peak : Between(Shape(Fraction(step, DecayStart, Steps))),
            _ => throw new InvalidOperationException($"unknown learning-rate kind {Kind}"),
        };
    }

    /// <summary>First step of the decay phase of warmup-stable-decay.</summary>
    public long DecayStart => Steps - (long)Math.Round(DecayFraction * Steps, MidpointRounding.AwayFromZero);

    double Between(double g) => MinLr + (Peak - MinLr) * g;

    double Shape(double r) => DecayShape switch
    {
        DecayShape.Linear => 1 - r,
        DecayShape.Cosine => Cosine(r),
        DecayShape.Sqrt => 1 - Math.Sqrt(r),
        _ => throw new InvalidOperationException($"unknown decay shape {DecayShape}"),
    };

    static double Cosine(double r) => 0.5 * (1 + Math.Cos(Math.PI * r));

    static double Fraction(long step, long from, long to) => (double)(step - from) / (to - from);

    public void Validate()
    {
        Check.Positive(Section, "peak", Peak);
        Check.AtLeast(Section, "min-lr", MinLr, 0);
        if (MinLr > Peak) throw Check.Error(Section, "min-lr", MinLr, $"is above peak = {Peak}; the floor must not exceed the peak");
        Check.AtLeast(Section, "steps", Steps, 1);
        Check.AtLeast(Section, "warmup-steps", WarmupSteps, 0);
        if (WarmupSteps > Steps) throw Check.Error(Section, "warmup-steps", WarmupSteps, $"is beyond steps = {Steps}; warm up for at most the whole run");
        if (Kind != LearningRateKind.WarmupStableDecay) return;
        if (!(DecayFraction > 0 && DecayFraction <= 1)) throw Check.Error(Section, "decay-fraction", DecayFraction, "must be in (0, 1]: the share of the run spent decaying");
        if (DecayStart == Steps) throw Check.Error(Section, "decay-fraction", DecayFraction, $"gives no decay step over {Steps} steps; raise it");
        if (DecayStart < WarmupSteps)
            throw Check.Error(Section, "decay-fraction", DecayFraction, $"starts the decay at step {DecayStart}, inside the {WarmupSteps}-step warmup; lower it or shorten the warmup");
    }
}
