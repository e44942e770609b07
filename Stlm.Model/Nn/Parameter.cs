using Stlm.Model.LibTorch;

namespace Stlm.Model.Nn;

/// <summary>
/// A trainable tensor (a leaf that requires grad) with its group and init rule. Modules that
/// share weights hold the same Parameter object, so a move (<see cref="Module.To(Device, DType?)"/>)
/// or a load replaces the tensor once for every holder. The tensor lives outside all TorchScopes.
/// </summary>
public sealed class Parameter
{
    public Parameter(long[] shape, ParameterGroup group, ParameterInit init)
    {
        Shape = shape;
        Group = group;
        Init = init;
        Value = Torch.Zeros(shape).DetachFromScopes().RequiresGrad_();
    }

    public Tensor Value { get; private set; }
    public ParameterGroup Group { get; }
    public ParameterInit Init { get; }
    public long[] Shape { get; }

    public long NumEl => Shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>nanoGPT's rule for AdamW: matrices (and embeddings) decay, vectors (norm gains) do not.</summary>
    public bool Decays => Shape.Length >= 2;

    /// <summary>The accumulated gradient, or null before a backward.</summary>
    public Tensor? Grad => Value.Grad;

    /// <summary>Replaces the tensor (a move to another device or dtype); the old one is freed.</summary>
    internal void Replace(Tensor value)
    {
        var old = Value;
        Value = value.DetachFromScopes().RequiresGrad_();
        if (!ReferenceEquals(old, Value)) old.Dispose();
    }

    public override string ToString() => $"Parameter[{string.Join(", ", Shape)}] {Group}";
}
