using Stlm.Actors.Configuration;
using Stlm.Actors.Training.Run;
using Stlm.Model.LibTorch;

namespace Stlm.Actors.Cluster;

/// <summary>
/// Whether a run trains on a GPU (its journaled torch.device is "cuda" or "cuda:N"), which decides
/// the kind of trainer slot it takes (<see cref="TrainerSlots"/>): the node, not the run, picks
/// which of its devices, so a run configured "cuda:1" may train on another node's cuda:0.
/// </summary>
public static class RunDevice
{
    public static bool TrainsOnGpu(RunCreated created) => TrainsOnGpu(created.Config());

    /// <summary>The same, from the run's journaled config already read.</summary>
    public static bool TrainsOnGpu(Config runConfig) => Device.Parse(runConfig.GetString("torch.device")).IsCuda;
}
