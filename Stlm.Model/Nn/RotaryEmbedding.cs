using Stlm.Model.LibTorch;

namespace Stlm.Model.Nn;

/// <summary>cos and sin of the rotation angles for a run of positions: [T, head_dim] each.</summary>
public sealed record RopeAngles(Tensor Cos, Tensor Sin)
{
    /// <summary>
    /// Rotates pairs (x_i, x_{i+d/2}) of the last dim by position-dependent angles — Hugging Face
    /// Llama's "rotate half" layout: x·cos + rotate_half(x)·sin, rotate_half(x) = [-x₂, x₁].
    /// x: [B, H, T, head_dim] → same shape.
    /// </summary>
    public Tensor Apply(Tensor x)
    {
        using var scope = TorchScope.Begin();
        var half = x.Size(-1) / 2;
        var x1 = x.Narrow(-1, 0, half);
        var x2 = x.Narrow(-1, half, half);
        var rotated = Torch.Cat([-x2, x1], -1);
        // Angles are f32; a half-precision model rotates in its own dtype, as Hugging Face does.
        var cos = Cos.DType == x.DType ? Cos : Cos.To(x.DType);
        var sin = Sin.DType == x.DType ? Sin : Sin.To(x.DType);
        return scope.Keep(x * cos + rotated * sin);
    }
}

/// <summary>
/// Rotary position embedding (Su et al. 2021): inv_freq_i = θ^(-2i/d); the angle of position p is
/// p·inv_freq, repeated for both halves of the head. Angles are computed per forward for the
/// positions in use, so a KV cache simply asks for positions starting at its length.
/// </summary>
public sealed class RotaryEmbedding : Module
{
    Tensor invFreq;

    public RotaryEmbedding(int headDim, double theta)
    {
        HeadDim = headDim;
        Theta = theta;
        using var scope = TorchScope.Begin();
        var exponents = Torch.Arange(0, headDim, 2, DType.Float32) / headDim;   // [d/2]
        // Same formula and f32 rounding as Hugging Face: 1 / θ^(2i/d).
        invFreq = RegisterBuffer("inv_freq", scope.Keep(1.0 / Torch.Full([], theta).Pow(exponents)), persistent: false);
    }

    public int HeadDim { get; }
    public double Theta { get; }

    protected override void OnBufferMoved(string name, Tensor tensor) => invFreq = tensor;

    /// <summary>Angles for positions start, ..., start + length - 1.</summary>
    public RopeAngles Angles(long start, long length)
    {
        using var scope = TorchScope.Begin();
        var positions = Torch.Arange(start, start + length, 1, DType.Float32, invFreq.Device);   // [T]
        var freqs = positions.Outer(invFreq.To(DType.Float32));                                  // [T, d/2]
        var angles = Torch.Cat([freqs, freqs], -1);                                              // [T, d]
        return new RopeAngles(scope.Keep(angles.Cos()), scope.Keep(angles.Sin()));
    }
}
