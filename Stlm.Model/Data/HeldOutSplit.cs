namespace Stlm.Model.Data;

/// <summary>
/// Which documents (or plain-text pieces) are held out for validation: evenly spaced ones, the first being
/// document 0, so any fraction above zero holds out at least one document: of n documents,
/// 1 + ⌊(n−1)·fraction⌋ (the fraction rounded to parts per million). A pure function of the
/// document's index: the same corpus always splits the same way.
/// </summary>
public sealed record HeldOutSplit(double Fraction)
{
    const long PartsPerMillion = 1_000_000;

    public long Ppm { get; } = Fraction is >= 0 and < 1
        ? (long)Math.Round(Fraction * PartsPerMillion)
        : throw new StlmException($"held-out fraction {Fraction} is out of range: give a value in [0, 1), e.g. 0.01");

    public bool IsHeldOut(long documentIndex)
    {
        if (Ppm == 0) return false;
        // Document i is held out when the running count ⌊(i·p + (1M − p)) / 1M⌋ steps up at i.
        var offset = PartsPerMillion - Ppm;
        return ((documentIndex + 1) * Ppm + offset) / PartsPerMillion > (documentIndex * Ppm + offset) / PartsPerMillion;
    }
}
