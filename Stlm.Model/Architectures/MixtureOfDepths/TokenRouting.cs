using Stlm.Model.LibTorch;
using Stlm.Model.Nn;

namespace Stlm.Model.Architectures;

/// <summary>
/// Runs a block on a chosen subset of each row's tokens and leaves the others as they are.
/// The chosen tokens keep their order and their own rotary positions, so within the subset the
/// block's attention is still causal. The update of a chosen token is scaled by its router
/// weight σ(s) divided by that weight's stopped value: the factor is exactly 1, but its
/// gradient (1 − σ(s)) · ⟨∂L/∂y, update⟩ flows into the score, so the router learns which tokens
/// gain from the block (and saturates instead of drifting, as a bare straight-through score
/// would); with every token chosen the result equals the block applied to all of them.
/// </summary>
public static class TokenRouting
{
    /// <summary>
    /// Training rule: the top-k scores of each row (k = ⌈capacity · T⌉). Not causal across
    /// tokens (a token's choice depends on later scores), which is why inference uses
    /// <see cref="ByThreshold"/>. Returns the new x [B, T, d] and the chosen mask [B, T] (float).
    /// </summary>
    public static (Tensor X, Tensor Chosen) TopK(TransformerBlock block, Tensor x, Tensor scores, RopeAngles rope, double capacity)
    {
        using var scope = TorchScope.Begin();
        var (b, t) = (x.Size(0), x.Size(1));
        var k = Math.Min(t, Math.Max(1, (long)Math.Ceiling(capacity * t)));
        var chosen = k == t
            ? Torch.Arange(t, DType.Int64, x.Device).Unsqueeze(0).Expand(b, t)   // [B, T]: everyone
            : scores.TopK(k, 1).Indices.Sort(1).Values;                          // [B, k], in position order
        var y = Apply(block, x, scores, chosen, rope);
        var mask = scores.ZerosLike().Scatter(1, chosen, scores.OnesLike().Narrow(1, 0, k));
        return (scope.Keep(y), scope.Keep(mask));
    }

    /// <summary>
    /// Inference rule, causal by construction: a token passes when its own router score is
    /// positive (what the auxiliary loss trains it to predict), whatever the other tokens' scores.
    /// </summary>
    public static Tensor ByThreshold(TransformerBlock block, Tensor x, Tensor scores, RopeAngles rope)
    {
        using var scope = TorchScope.Begin();
        var rows = new Tensor[x.Size(0)];
        var pass = (scores > 0).ToArray<bool>();
        var t = (int)x.Size(1);
        for (var row = 0; row < rows.Length; row++)
        {
            var xs = x.Narrow(0, row, 1);                                              // [1, T, d]
            var chosen = Enumerable.Range(0, t).Where(i => pass[row * t + i]).Select(i => (long)i).ToArray();
            rows[row] = chosen.Length == 0 ? xs
                : Apply(block, xs, scores.Narrow(0, row, 1), Torch.From(chosen, 1, chosen.Length).To(x.Device), rope);
        }
        return scope.Keep(Torch.Cat(rows, 0));                                          // [B, T, d]
    }

    /// <summary>x [B, T, d], scores [B, T], chosen positions [B, k] (ascending), rope of all T positions → x with the chosen updated.</summary>
    static Tensor Apply(TransformerBlock block, Tensor x, Tensor scores, Tensor chosen, RopeAngles rope)
    {
        using var scope = TorchScope.Begin();
        var (b, k, d) = (x.Size(0), chosen.Size(1), x.Size(2));
        var index = chosen.Unsqueeze(-1).Expand(b, k, d);                               // [B, k, d]
        var picked = x.Gather(1, index);                                                // [B, k, d]
        var flat = chosen.Reshape(-1);
        var hd = rope.Cos.Size(-1);
        var ownRope = new RopeAngles(                                                   // [B, 1, k, hd]: each token keeps its position
            rope.Cos.IndexSelect(0, flat).View(b, 1, k, hd),
            rope.Sin.IndexSelect(0, flat).View(b, 1, k, hd));
        var update = block.Forward(picked, ownRope) - picked;                           // [B, k, d]
        var score = scores.Gather(1, chosen).Unsqueeze(-1);                             // [B, k, 1]
        var weight = score.Sigmoid().Clamp(min: 1e-6);                                  // the router weight, never 0
        var gate = weight / weight.Detach();                                            // value 1, gradient into the router
        return scope.Keep(x.Scatter(1, index, picked + gate * update));                 // [B, T, d]
    }
}
