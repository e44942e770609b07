namespace Stlm.Model.LibTorch.Optim;

/// <summary>
/// torch.optim.AdamW (Loshchilov and Hutter): Adam with decoupled weight decay, bias-corrected
/// moments and eps added after the square root, exactly as PyTorch 1.13's single-tensor path:
/// <code>
/// p *= 1 - lr·wd;  m = β1·m + (1-β1)·g;  v = β2·v + (1-β2)·g²
/// p -= lr/(1-β1^t) · m / (√v / √(1-β2^t) + eps)
/// </code>
/// </summary>
public sealed class AdamW : Optimizer
{
    public AdamW(IEnumerable<Tensor> parameters, AdamWOptions? options = null)
        : this([new ParamGroup(parameters.ToList(), options ?? new AdamWOptions())]) { }

    public AdamW(IEnumerable<ParamGroup> groups) : base("adamw", groups, 0, [(0, "exp_avg"), (1, "exp_avg_sq")]) { }
}

/// <summary>
/// torch.optim.SGD: weight decay added to the gradient, heavy-ball momentum with dampening
/// (the buffer starts as the first gradient) and optional Nesterov momentum.
/// </summary>
public sealed class Sgd : Optimizer
{
    public Sgd(IEnumerable<Tensor> parameters, SgdOptions options)
        : this([new ParamGroup(parameters.ToList(), options)]) { }

    public Sgd(IEnumerable<ParamGroup> groups) : base("sgd", groups, 1, [(2, "momentum_buffer")]) { }
}
