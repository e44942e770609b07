namespace Stlm.Model.LibTorch.Safetensors;

/// <summary>What is wrong with a safetensors file; one kind per check of the reference reader.</summary>
public enum SafetensorsProblem
{
    HeaderTooSmall,
    HeaderTooLarge,
    HeaderBeyondFile,
    HeaderNotUtf8,
    HeaderStart,
    HeaderNotJson,
    HeaderShape,
    DuplicateName,
    UnknownDType,
    InvalidShape,
    SizeMismatch,
    OffsetsOutOfOrder,
    Overlap,
    Gap,
    TrailingBytes,
    Truncated,
}

/// <summary>A safetensors file that cannot be read; the message names the file and the problem.</summary>
public sealed class SafetensorsException(string source, SafetensorsProblem problem, string detail)
    : StlmException($"{source}: {detail} (not a valid safetensors file: corrupt, truncated, or written by something else)")
{
    public string FilePath { get; } = source;
    public SafetensorsProblem Problem { get; } = problem;
}
