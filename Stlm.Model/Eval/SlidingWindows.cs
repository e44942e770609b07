namespace Stlm.Model.Eval;

/// <summary>
/// The windows that score a sequence of units with a model of limited context (Hugging Face's
/// "perplexity of fixed-length models"): targets [a, b) with b − a ≤ stride, read from the input
/// [max(0, b − context), b). Every target is scored exactly once; each sees at least
/// context − stride units before it (all of them when the sequence fits the context), so
/// stride 1 gives every target the longest history and stride context − 1 is the fastest.
/// </summary>
public static class SlidingWindows
{
    public readonly record struct Window(int Start, int End, int FirstTarget);

    /// <summary>The windows over a sequence of <paramref name="length"/> units whose targets start at <paramref name="firstTarget"/> (≥ 1).</summary>
    public static IEnumerable<Window> Over(int length, int firstTarget, int context, int stride)
    {
        Validate(context, stride);
        if (firstTarget < 1) throw new ArgumentOutOfRangeException(nameof(firstTarget), firstTarget, "the first unit has nothing to be predicted from");
        for (var a = firstTarget; a < length;)
        {
            var b = Math.Min(a + stride, length);
            yield return new Window(Math.Max(0, b - context), b, a);
            a = b;
        }
    }

    public static void Validate(int context, int stride)
    {
        if (context < 2) throw new StlmException($"a model with a context of {context} cannot be scored (it needs 2 units: one read, one predicted)");
        if (stride < 1 || stride > context - 1)
            throw new StlmException($"stride {stride} is outside 1..{context - 1} (the model reads {context} units per window, one of them before the first target); pick a stride in that range");
    }

    /// <summary>The default: half the context, so every target sees at least half a context of history.</summary>
    public static int DefaultStride(int context) => Math.Max(1, context / 2);
}
