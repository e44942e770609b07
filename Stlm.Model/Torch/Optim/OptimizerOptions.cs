using System.Text.Json.Serialization;
using Stlm.Model.LibTorch.Interop;

namespace Stlm.Model.LibTorch.Optim;

/// <summary>
/// One parameter group's hyperparameters. Immutable: change the lr of a group with
/// <c>optimizer.SetLr(group, lr)</c> (a `with` copy). Serialises to JSON with its kind, so a
/// checkpoint restores the exact values (libtorch's own optimizer load drops them).
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(AdamWOptions), "adamw")]
[JsonDerivedType(typeof(SgdOptions), "sgd")]
public abstract record OptimizerOptions(double Lr, double WeightDecay)
{
    internal abstract NativeGroupOptions ToNative();

    internal virtual void Validate()
    {
        if (!(Lr >= 0)) throw new ArgumentException($"invalid learning rate {Lr}: it must be >= 0");
        if (!(WeightDecay >= 0)) throw new ArgumentException($"invalid weight decay {WeightDecay}: it must be >= 0");
    }
}

/// <summary>torch.optim.AdamW's hyperparameters, with its defaults.</summary>
public sealed record AdamWOptions(
    double Lr = 1e-3, double Beta1 = 0.9, double Beta2 = 0.999, double Eps = 1e-8, double WeightDecay = 1e-2,
    bool Maximize = false) : OptimizerOptions(Lr, WeightDecay)
{
    internal override NativeGroupOptions ToNative() => new()
    {
        Lr = Lr, Beta1 = Beta1, Beta2 = Beta2, Eps = Eps, WeightDecay = WeightDecay, Maximize = Maximize ? 1 : 0,
    };

    internal override void Validate()
    {
        base.Validate();
        if (!(Eps >= 0)) throw new ArgumentException($"invalid epsilon {Eps}: it must be >= 0");
        if (!(Beta1 >= 0 && Beta1 < 1)) throw new ArgumentException($"invalid beta1 {Beta1}: it must be in [0, 1)");
        if (!(Beta2 >= 0 && Beta2 < 1)) throw new ArgumentException($"invalid beta2 {Beta2}: it must be in [0, 1)");
    }
}

/// <summary>torch.optim.SGD's hyperparameters (lr has no default there either).</summary>
public sealed record SgdOptions(
    double Lr, double Momentum = 0, double Dampening = 0, double WeightDecay = 0, bool Nesterov = false,
    bool Maximize = false) : OptimizerOptions(Lr, WeightDecay)
{
    internal override NativeGroupOptions ToNative() => new()
    {
        Lr = Lr, Momentum = Momentum, Dampening = Dampening, WeightDecay = WeightDecay,
        Nesterov = Nesterov ? 1 : 0, Maximize = Maximize ? 1 : 0,
    };

    internal override void Validate()
    {
        base.Validate();
        if (!(Momentum >= 0)) throw new ArgumentException($"invalid momentum {Momentum}: it must be >= 0");
        if (Nesterov && (Momentum <= 0 || Dampening != 0))
            throw new ArgumentException("Nesterov momentum needs a momentum > 0 and zero dampening");
    }
}

/// <summary>Parameters that share hyperparameters (e.g. weights with decay, norms and biases without).</summary>
public sealed record ParamGroup(IReadOnlyList<Tensor> Parameters, OptimizerOptions Options);
