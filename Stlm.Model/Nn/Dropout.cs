using Stlm.Model.LibTorch;
using F = Stlm.Model.LibTorch.Functional;

namespace Stlm.Model.Nn;

/// <summary>
/// Dropout whose probability may change between steps: <see cref="P"/> is read at each forward,
/// so the dropout scheduler (early / late dropout) sets it on a live model. Identity in eval mode.
/// </summary>
public sealed class Dropout : Module
{
    double p;

    public Dropout(double p) => P = p;

    public double P
    {
        get => p;
        set => p = value is >= 0 and < 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "dropout p must be in [0, 1)");
    }

    /// <summary>The probability to apply now: P when training, 0 in eval mode.</summary>
    public double ActiveP => Training ? p : 0;

    public Tensor Forward(Tensor x) => ActiveP > 0 ? F.Dropout(x, p, training: true) : x.Alias();
}
