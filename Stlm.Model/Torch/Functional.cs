using Stlm.Model.LibTorch.Interop;

namespace Stlm.Model.LibTorch;

/// <summary>How a loss combines its per-element values (values are libtorch's).</summary>
public enum Reduction
{
    None = 0,
    Mean = 1,
    Sum = 2,
}

/// <summary>
/// torch.nn.functional: stateless building blocks of networks. Alias it as PyTorch code does:
/// <code>using F = Stlm.Model.LibTorch.Functional;</code>
/// </summary>
public static unsafe class Functional
{
    /// <summary>softmax along dim; <paramref name="dtype"/> casts first (e.g. f32 for bf16 logits).</summary>
    public static Tensor Softmax(Tensor x, long dim, DType? dtype = null) =>
        Tensor.FromHandle(Native.stlm_softmax(x.Handle, dim, dtype is { } d ? (int)d : -1));

    public static Tensor LogSoftmax(Tensor x, long dim, DType? dtype = null) =>
        Tensor.FromHandle(Native.stlm_log_softmax(x.Handle, dim, dtype is { } d ? (int)d : -1));

    /// <summary>
    /// Cross-entropy of logits (N, C) or (N, C, d...) against class indices (N) or (N, d...).
    /// Targets equal to <paramref name="ignoreIndex"/> add nothing and do not count in the mean.
    /// </summary>
    public static Tensor CrossEntropy(Tensor logits, Tensor target, Reduction reduction = Reduction.Mean,
        long ignoreIndex = -100, double labelSmoothing = 0, Tensor? weight = null) =>
        Tensor.FromHandle(Native.stlm_cross_entropy(logits.Handle, target.Handle, weight?.Handle ?? 0, (int)reduction, ignoreIndex, labelSmoothing));

    /// <summary>
    /// Mean cross-entropy of the logits hidden · weightᵀ against class indices, without keeping the
    /// logits: the same value and gradients as CrossEntropy(Linear(hidden, weight), target), fused
    /// with a hand-written backward for f32/f64 (half types take that unfused path).
    /// hidden [..., d], weight [C, d], target [...] (int64).
    /// </summary>
    public static Tensor LinearCrossEntropy(Tensor hidden, Tensor weight, Tensor target, long ignoreIndex = -100) =>
        Tensor.FromHandle(Native.stlm_linear_cross_entropy(hidden.Handle, weight.Handle, target.Handle, ignoreIndex));

    /// <summary>Negative log-likelihood of log-probabilities against class indices.</summary>
    public static Tensor NllLoss(Tensor logProbs, Tensor target, Reduction reduction = Reduction.Mean,
        long ignoreIndex = -100, Tensor? weight = null) =>
        Tensor.FromHandle(Native.stlm_nll_loss(logProbs.Handle, target.Handle, weight?.Handle ?? 0, (int)reduction, ignoreIndex));

    public static Tensor MseLoss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean) =>
        Tensor.FromHandle(Native.stlm_mse_loss(input.Handle, target.Handle, (int)reduction));

    /// <summary>Rows of <paramref name="weight"/> picked by integer <paramref name="indices"/>; the padding row gets no gradient.</summary>
    public static Tensor Embedding(Tensor indices, Tensor weight, long? paddingIdx = null) =>
        Tensor.FromHandle(Native.stlm_embedding(weight.Handle, indices.Handle, paddingIdx ?? -1));

    /// <summary>Zeroes each element with probability p and scales the rest by 1/(1-p) when training; identity otherwise.</summary>
    public static Tensor Dropout(Tensor x, double p, bool training) => Tensor.FromHandle(Native.stlm_dropout(x.Handle, p, training ? 1 : 0));

    /// <summary>x W^T + b, with W of shape (out, in).</summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias = null) =>
        Tensor.FromHandle(Native.stlm_linear(x.Handle, weight.Handle, bias?.Handle ?? 0));

    public static Tensor LayerNorm(Tensor x, ReadOnlySpan<long> normalizedShape, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5)
    {
        fixed (long* s = normalizedShape)
            return Tensor.FromHandle(Native.stlm_layer_norm(x.Handle, s, normalizedShape.Length, weight?.Handle ?? 0, bias?.Handle ?? 0, eps));
    }

    /// <summary>x / sqrt(mean(x², last dim) + eps) · weight; f16/bf16 inputs are normalised in f32.</summary>
    public static Tensor RmsNorm(Tensor x, Tensor? weight = null, double eps = 1e-6) =>
        Tensor.FromHandle(Native.stlm_rms_norm(x.Handle, weight?.Handle ?? 0, eps));

    /// <summary>
    /// Rotary positions, Hugging Face Llama's "rotate half" layout: x·cos + [−x₂, x₁]·sin for x
    /// [B, H, T, hd] and cos, sin [T, hd] (one fused op with its own backward in f32/f64 on the
    /// CPU) or any shapes that broadcast. cos and sin take no gradient.
    /// </summary>
    public static Tensor Rotary(Tensor x, Tensor cos, Tensor sin) =>
        Tensor.FromHandle(Native.stlm_rotary(x.Handle, cos.Handle, sin.Handle));

    /// <summary>silu(gate) · up, SwiGLU's gate (one fused op with its own backward in f32/f64 on the CPU).</summary>
    public static Tensor SwiGlu(Tensor gate, Tensor up) => Tensor.FromHandle(Native.stlm_swiglu(gate.Handle, up.Handle));

    public static Tensor Relu(Tensor x) => x.Relu();
    public static Tensor Silu(Tensor x) => x.Silu();
    public static Tensor Gelu(Tensor x, bool tanhApproximation = false) => x.Gelu(tanhApproximation);
    public static Tensor Tanh(Tensor x) => x.Tanh();
    public static Tensor Sigmoid(Tensor x) => x.Sigmoid();

    /// <summary>
    /// softmax(q kᵀ · scale + mask) v over (..., L, E) queries and (..., S, E) keys. mask: bool
    /// (true = may attend) or additive float, broadcast to (..., L, S). isCausal masks keys after
    /// the query's position (top-left aligned). Dropout on the weights applies whenever p &gt; 0:
    /// pass 0 at evaluation. libtorch's fused kernel on 2.x, the same formula by hand on 1.13.
    /// </summary>
    public static Tensor ScaledDotProductAttention(Tensor query, Tensor key, Tensor value, Tensor? mask = null,
        double dropoutP = 0, bool isCausal = false, double? scale = null) =>
        Tensor.FromHandle(Native.stlm_sdpa(query.Handle, key.Handle, value.Handle, mask?.Handle ?? 0, dropoutP, isCausal ? 1 : 0, scale ?? double.NaN));

    /// <summary>The hand-written attention (the definition), whatever the libtorch version.</summary>
    public static Tensor ScaledDotProductAttentionMath(Tensor query, Tensor key, Tensor value, Tensor? mask = null,
        double dropoutP = 0, bool isCausal = false, double? scale = null) =>
        Tensor.FromHandle(Native.stlm_sdpa_math(query.Handle, key.Handle, value.Handle, mask?.Handle ?? 0, dropoutP, isCausal ? 1 : 0, scale ?? double.NaN));

    /// <summary>Whether <see cref="ScaledDotProductAttention"/> uses libtorch's own kernel (libtorch ≥ 2).</summary>
    public static bool AttentionIsFused => Native.stlm_sdpa_is_native() != 0;
}
