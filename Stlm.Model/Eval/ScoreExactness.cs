namespace Stlm.Model.Eval;

/// <summary>
/// How a scorer's text loss relates to the model's exact −log P(text): exact when the text has
/// one spelling in the model's units, an upper bound when the model also gives probability to
/// other segmentations of the same bytes and only the canonical one is scored.
/// <see cref="Note"/> says which, in a few words, for the eval report.
/// </summary>
public sealed record ScoreExactness(bool IsExact, string Note)
{
    public static readonly ScoreExactness Exact = new(true, "exact");

    /// <summary>For scorers that do not say (the interface's default).</summary>
    public static readonly ScoreExactness Unstated = new(false, "not stated by the scorer");

    public static ScoreExactness UpperBound(string why) => new(false, "upper bound: " + why);
}
