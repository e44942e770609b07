using Stlm.Model.Architectures;
using Stlm.Model.LibTorch;
using Stlm.Model.Nn;

namespace Stlm.Model.Training;

/// <summary>Any token-level causal model (logits [B, T, V]) trained on next-token cross-entropy.</summary>
public sealed class CausalLanguageModel(Module module, ICausalLanguageModel model) : ILanguageModel
{
    public Module Module { get; } = module;
    public ICausalLanguageModel Model { get; } = model;

    public Tensor Loss(Tensor inputs, Tensor targets)
    {
        // Llama fuses its head with the loss (the logits are never kept); others go through their logits.
        if (Model is LlamaForCausalLM llama) return llama.Loss(inputs, targets);
        using var scope = TorchScope.Begin();
        return scope.Keep(LanguageModelLoss.CrossEntropy(Model.Forward(inputs), targets));
    }

    public static CausalLanguageModel Of(LlamaForCausalLM llama) => new(llama, llama);
}
