using Stlm.Model.LibTorch;

namespace Stlm.Model.Training;

/// <summary>
/// The arithmetic a training step runs in (`torch.precision`). Weights, optimizer state and
/// checkpoints are float32 in both; bf16-mixed runs the forward's matmuls, attention products and
/// the fused head in bfloat16 (autocast), norms, softmax, losses and reductions in float32.
/// </summary>
public enum Precision
{
    Float32,
    Bf16Mixed,
}

public static class Precisions
{
    public const string Names = "float32 or bf16-mixed";

    /// <summary>The config spelling ("float32", "bf16-mixed"), or null for anything else.</summary>
    public static Precision? TryParse(string text) => text.Trim() switch
    {
        "float32" => Precision.Float32,
        "bf16-mixed" => Precision.Bf16Mixed,
        _ => null,
    };

    public static string Name(this Precision precision) => precision switch
    {
        Precision.Float32 => "float32",
        Precision.Bf16Mixed => "bf16-mixed",
        _ => throw new ArgumentOutOfRangeException(nameof(precision), precision, null),
    };

    /// <summary>
    /// Why <paramref name="precision"/> will be slow on <paramref name="device"/>, or null: bf16 on
    /// a CPU without bf16 dot-product instructions takes libtorch's scalar fallback (~15× slower
    /// than float32 measured on an AVX2 EPYC). It still trains correctly, so this is a warning.
    /// </summary>
    public static string? SlowOn(this Precision precision, Device device) =>
        precision == Precision.Bf16Mixed && !device.IsCuda && !CpuFeatures.HasBf16Matmul
            ? "this CPU has no avx512_bf16 or amx_bf16: bf16 matmuls take libtorch's slow fallback here"
            : null;

    /// <summary>
    /// The region a forward pass runs in on <paramref name="device"/>: none for float32, an
    /// autocast region otherwise (disposing a default scope does nothing).
    /// </summary>
    public static IDisposable? Region(this Precision precision, Device device) =>
        precision == Precision.Bf16Mixed ? Torch.Autocast(device, DType.BFloat16) : null;
}
