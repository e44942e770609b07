namespace Stlm.Model.Generation;

/// <summary>
/// How the next token is chosen. Temperature 0 is greedy (argmax). TopK 0 and TopP 1 turn those
/// filters off. The seed makes sampling reproducible without touching torch's generators.
/// </summary>
public sealed record SamplingOptions
{
    public double Temperature { get; init; } = 1.0;
    public int TopK { get; init; } = 0;
    public double TopP { get; init; } = 1.0;
    public int MaxNewTokens { get; init; } = 100;
    public ulong Seed { get; init; } = 1337;
    /// <summary>Generation stops after this token (usually the tokenizer's end of text); null = never.</summary>
    public int? StopToken { get; init; }
    /// <summary>Keep keys/values of past positions (fast) instead of re-running the whole prefix each step.</summary>
    public bool UseKvCache { get; init; } = true;

    public void Validate()
    {
        if (Temperature < 0 || double.IsNaN(Temperature)) throw new StlmException($"temperature must be ≥ 0, got {Temperature}");
        if (TopK < 0) throw new StlmException($"top-k must be ≥ 0 (0 = off), got {TopK}");
        if (TopP is <= 0 or > 1) throw new StlmException($"top-p must be in (0, 1] (1 = off), got {TopP}");
        if (MaxNewTokens < 0) throw new StlmException($"max new tokens must be ≥ 0, got {MaxNewTokens}");
    }
}
