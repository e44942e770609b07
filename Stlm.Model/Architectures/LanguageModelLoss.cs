using Stlm.Model.LibTorch;
using F = Stlm.Model.LibTorch.Functional;

namespace Stlm.Model.Architectures;

public static class LanguageModelLoss
{
    /// <summary>
    /// Mean cross-entropy of logits [B, T, V] against targets [B, T] (the ids shifted by one);
    /// targets equal to <paramref name="ignoreIndex"/> (padding) neither add nor count.
    /// </summary>
    public static Tensor CrossEntropy(Tensor logits, Tensor targets, long ignoreIndex = -100)
    {
        using var scope = TorchScope.Begin();
        var v = logits.Size(-1);
        return scope.Keep(F.CrossEntropy(logits.Reshape(-1, v), targets.Reshape(-1), ignoreIndex: ignoreIndex));
    }
}
