using Stlm.Model.LibTorch.Optim;

namespace Stlm.Model.Nn;

public static class OptimizerGroups
{
    /// <summary>
    /// AdamW's parameter groups by nanoGPT's rule: matrices and embeddings decay with the given
    /// options, vectors (norm gains) get weight decay 0. Build the optimizer after any
    /// <see cref="Module.To(Stlm.Model.LibTorch.Device, Stlm.Model.LibTorch.DType?)"/>: a move replaces the tensors.
    /// </summary>
    public static IReadOnlyList<ParamGroup> DecayGroups(this Module model, OptimizerOptions options)
    {
        var (decay, noDecay) = model.OptimizerGroups();
        var groups = new List<ParamGroup>();
        if (decay.Count > 0) groups.Add(new ParamGroup(decay.Select(p => p.Value).ToList(), options));
        if (noDecay.Count > 0) groups.Add(new ParamGroup(noDecay.Select(p => p.Value).ToList(), WithoutDecay(options)));
        return groups;
    }

    static OptimizerOptions WithoutDecay(OptimizerOptions options) => options switch
    {
        AdamWOptions a => a with { WeightDecay = 0 },
        SgdOptions s => s with { WeightDecay = 0 },
        _ => throw new ArgumentException($"unknown optimizer options {options.GetType().Name}"),
    };
}
