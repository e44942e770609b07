namespace Stlm.Model.Eval;

/// <summary>
/// Sums a model's negative log-likelihood (in nats) over a text and turns it into bits per
/// byte — normalised by the UTF-8 length of the ORIGINAL text, so models with different
/// tokenizers (and byte-level models) compare — and token perplexity, exp(nll / tokens).
/// Add the loss of every predicted token and the byte length of the text those tokens encode.
/// </summary>
public sealed record BitsPerByte(double NllNats, long Tokens, long Bytes)
{
    public static readonly BitsPerByte Empty = new(0, 0, 0);

    /// <summary>bpb = nll / (ln 2 · bytes).</summary>
    public double Bpb => Bytes > 0 ? NllNats / (Math.Log(2) * Bytes) : double.NaN;

    /// <summary>Mean loss per token in nats.</summary>
    public double NatsPerToken => Tokens > 0 ? NllNats / Tokens : double.NaN;

    public double TokenPerplexity => Math.Exp(NatsPerToken);

    /// <summary>Bytes per token of this text under the tokenizer used (its compression).</summary>
    public double BytesPerToken => Tokens > 0 ? (double)Bytes / Tokens : double.NaN;

    /// <summary>Adds <paramref name="tokens"/> predictions whose summed loss is <paramref name="nllNats"/>.</summary>
    public BitsPerByte AddLoss(double nllNats, long tokens)
    {
        if (tokens < 0 || double.IsNaN(nllNats) || nllNats < 0)
            throw new ArgumentOutOfRangeException(nameof(nllNats), $"a loss of {nllNats} nats over {tokens} tokens is not a negative log-likelihood");
        return this with { NllNats = NllNats + nllNats, Tokens = Tokens + tokens };
    }

    /// <summary>Adds the UTF-8 length of the original text the predicted tokens cover.</summary>
    public BitsPerByte AddText(string text) => AddBytes(System.Text.Encoding.UTF8.GetByteCount(text));

    public BitsPerByte AddBytes(long bytes) => bytes >= 0
        ? this with { Bytes = Bytes + bytes }
        : throw new ArgumentOutOfRangeException(nameof(bytes));

    /// <summary>
    /// Bits per byte of a whole split estimated from a part of it: the loss over
    /// <paramref name="tokensScored"/> of the split's <paramref name="splitTokens"/> tokens, credited
    /// with the same share of the split's <paramref name="splitBytes"/> (nats/token × tokens/byte).
    /// For evaluating a token shard split whose last, partial window is not scored.
    /// </summary>
    public static BitsPerByte FromSample(double nllNats, long tokensScored, long splitTokens, long splitBytes)
    {
        if (tokensScored <= 0 || splitTokens <= 0 || tokensScored > splitTokens)
            throw new ArgumentOutOfRangeException(nameof(tokensScored), $"{tokensScored} tokens scored of a split of {splitTokens}");
        return new BitsPerByte(nllNats, tokensScored, (long)Math.Round((double)splitBytes * tokensScored / splitTokens));
    }

    public static BitsPerByte operator +(BitsPerByte a, BitsPerByte b) => new(a.NllNats + b.NllNats, a.Tokens + b.Tokens, a.Bytes + b.Bytes);
}
