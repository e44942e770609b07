namespace Stlm.Model.Eval;

/// <summary>log P(continuation | context) in nats, summed over the <paramref name="Units"/> predicted, and the continuation's UTF-8 length.</summary>
public sealed record ContinuationScore(double LogProb, int Units, int Bytes);

/// <summary>One lm-evaluation-harness loglikelihood request: a continuation to score after a context.</summary>
public readonly record struct ContinuationRequest(string Context, string Continuation);

/// <summary>
/// What evaluation needs of a trained model, whatever its architecture and units (BPE tokens,
/// byte chunks, bytes): the likelihood of a text and of a continuation given a context.
/// </summary>
public interface IScoringModel
{
    /// <summary>What the model predicts one at a time: "tokens", "chunks" or "bytes".</summary>
    string Unit { get; }

    /// <summary>Units one forward pass reads; a window scores at most ContextLength − 1 new ones.</summary>
    int ContextLength { get; }

    /// <summary>Whether <see cref="ScoreText"/>'s loss is the model's exact −log P(text) or an upper bound on it, and why.</summary>
    ScoreExactness Exactness => ScoreExactness.Unstated;

    /// <summary>
    /// The text's negative log-likelihood over sliding windows (<see cref="SlidingWindows"/>):
    /// each window scores up to <paramref name="stride"/> units not scored before, reading up to
    /// ContextLength − stride units before them. Bytes are the text's UTF-8 length, so bits per
    /// byte compare across tokenizers. <paramref name="progress"/> hears (units scored, units in all) as windows finish.
    /// </summary>
    BitsPerByte ScoreText(string text, int stride, Action<long, long>? progress = null);

    /// <summary>log P(continuation | context), as lm-evaluation-harness's loglikelihood requests.</summary>
    ContinuationScore LogLikelihood(string context, string continuation);

    /// <summary>
    /// Many <see cref="LogLikelihood"/>s at once, in order; a model may batch them (the results
    /// equal one-by-one scoring). The default scores them one at a time.
    /// </summary>
    IReadOnlyList<ContinuationScore> LogLikelihoods(IReadOnlyList<ContinuationRequest> requests) =>
        requests.Select(r => LogLikelihood(r.Context, r.Continuation)).ToArray();
}
