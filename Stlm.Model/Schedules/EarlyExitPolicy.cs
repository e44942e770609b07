namespace Stlm.Model.Schedules;

/// <summary>
/// What the LayerSkip recipe asks of one training step: the probability of skipping each layer
/// (index 0 = first layer) and the weight of each layer's exit loss through the shared head
/// (the weights sum to 1; the last entry weights the model's ordinary final loss).
/// </summary>
public sealed record EarlyExitPolicy(IReadOnlyList<double> LayerDropout, IReadOnlyList<double> ExitLossWeights)
{
    public bool SameAs(EarlyExitPolicy other) =>
        LayerDropout.SequenceEqual(other.LayerDropout) && ExitLossWeights.SequenceEqual(other.ExitLossWeights);
}
