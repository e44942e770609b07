namespace Stlm.Model.Training;

/// <summary>
/// How one optimizer step is taken: micro-batches accumulated into it, the global gradient
/// norm it is clipped to (0 = measured but not clipped), and the precision its forward passes run in.
/// </summary>
public sealed record TrainStepOptions(int GradAccum = 1, double GradClip = 1.0, Precision Precision = Precision.Float32)
{
    public void Validate()
    {
        if (GradAccum < 1) throw new StlmException($"training.grad-accum must be at least 1, got {GradAccum}");
        if (!(GradClip >= 0)) throw new StlmException($"training.grad-clip must be >= 0 (0 = no clipping), got {GradClip}");
    }
}
