using Stlm.Actors.Training.Recipe;
using Stlm.Model.Data;
using Stlm.Model.LibTorch;
using Stlm.Model.LibTorch.Distributed;
using Stlm.Model.LibTorch.Optim;
using Stlm.Model.Schedules;
using Stlm.Model.Training;
using Stlm.Model.Training.DataParallel;

namespace Stlm.Actors.Training.DataParallel;

/// <summary>The other ranks' processes, as the host started them (`stlm train --nproc N` starts them on this machine).</summary>
public interface IRankProcesses : IDisposable
{
    /// <summary>What became of the ranks that ended ("rank 1 (pid 4242) was killed by SIGKILL"); empty while all run.</summary>
    string Ended();

    /// <summary>Waits up to <paramref name="timeout"/> for every rank to exit; false when some still run.</summary>
    bool WaitForExit(TimeSpan timeout);
}

/// <summary>
/// Starts ranks 1..world-size−1 of a run: each joins rank 0's group at <paramref name="host"/>:<paramref name="port"/>
/// and trains with the run's resolved config <paramref name="configHocon"/>.
/// </summary>
public delegate IRankProcesses RankLauncher(string runId, int worldSize, string host, int port, string configHocon);

/// <summary>
/// Rank 0 of a data-parallel run, on the trainer's thread: it joins the group its launcher's
/// ranks join, and at each seam of the trainer tells them what to do (<see cref="RankCommand"/>)
/// before doing it with them — load the start point, train a step on each rank's slice (the
/// gradients and the loss averaged), checkpoint (weights compared by hash; every rank's
/// generator state gathered for rank 0 to write), stop. Only rank 0 reads and writes the journal.
/// </summary>
public sealed class RankLeader : IDisposable
{
    readonly TrainingRecipe _recipe;
    readonly string _host;
    readonly int _port;
    readonly IRankProcesses _processes;
    ProcessGroup? _group;
    RankChannel? _channel;
    DataParallelStep? _step;
    bool _stopped;

    public RankLeader(TrainingRecipe recipe, string host, int port, IRankProcesses processes) =>
        (_recipe, _host, _port, _processes) = (recipe, host, port, processes);

    public int WorldSize => _recipe.WorldSize;

    /// <summary>The step of the last <see cref="Attach"/>: time in collectives, bucket count.</summary>
    public DataParallelStep Step => _step ?? throw new InvalidOperationException("no model is attached to the ranks");

    /// <summary>
    /// Takes the trainer's freshly built (and restored) model and optimizer: joins the group the
    /// first time (waiting for every rank, up to training.data-parallel.timeout), then has every
    /// rank load <paramref name="start"/> too and checks that all now hold the same weights.
    /// </summary>
    public void Attach(ILanguageModel model, Optimizer optimizer, long startStep, string? checkpointPath, string checkpointHash)
    {
        if (_group is null)
        {
            try { _group = ProcessGroup.Create(_recipe.GroupOptions(0, _host, _port)); }
            catch (TorchException e) { throw Lost(new RankLostException($"the {WorldSize - 1} other rank(s) did not join: {e.Message.Split('\n', 2)[0]}")); }
            _channel = new RankChannel(_group);
        }
        _step?.Dispose();
        _step = _recipe.BuildDataParallelStep(_group, model, optimizer);
        Tell(new RankCommand(RankOp.Load, startStep, CheckpointPath: checkpointPath, CheckpointHash: checkpointHash));
        Together(() => _step.CheckRanksAgree(model.Module, startStep));
    }

    /// <summary>Step <paramref name="step"/> on every rank; the result's loss and tokens are the global batch's.</summary>
    public StepResult Run(long step, DataCursor from, ScheduleValues values, IReadOnlyList<MicroBatch> microBatches, bool skipNonFinite)
    {
        Tell(RankCommand.ForStep(step, from, values, skipNonFinite));
        return Together(() => Step.Run(values, microBatches, skipNonFinite));
    }

    /// <summary>
    /// Before rank 0 captures the checkpoint of <paramref name="step"/>: every rank's weights must
    /// hash alike (else <see cref="RanksDivergedException"/>), and the generators' states of all
    /// ranks come back for the checkpoint.
    /// </summary>
    public RngSnapshot CheckpointGenerators(long step, ILanguageModel model)
    {
        Tell(new RankCommand(RankOp.Checkpoint, step));
        var mine = Rng.Capture();
        return Together(() =>
        {
            Step.CheckRanksAgree(model.Module, step);
            var all = Step.GatherGeneratorStates(mine.Cpu, step);
            return mine with { OtherRanks = [.. all.Skip(1)] };
        });
    }

    /// <summary>
    /// `stlm bench data-parallel`, after its steps: every rank times the training all-reduce
    /// against a bare C++ Gloo all-reduce on <paramref name="referencePort"/>
    /// (<see cref="DataParallelStep.TimeAllReduce"/>); rank 0's seconds. No step may follow.
    /// </summary>
    public (double[] Ours, double[] Bare, double[] Prepare) TimeAllReduce(int iterations, int referencePort)
    {
        Tell(new RankCommand(RankOp.TimeAllReduce, 0, Iterations: iterations, ReferencePort: referencePort));
        return Together(() =>
        {
            using var bare = new GlooReference(_host, referencePort, 0, WorldSize, Step.GradientElements, _recipe.Training.DataParallel.Timeout);
            return Step.TimeAllReduce(bare, iterations);
        });
    }

    /// <summary>No more steps come: the other ranks leave (best effort: a rank already gone is no news here).</summary>
    public void Stop()
    {
        if (_stopped || _channel is null) return;
        _stopped = true;
        try { _channel.Send(new RankCommand(RankOp.Stop, 0).ToBytes()); }
        catch (RankLostException) { }
    }

    void Tell(RankCommand command) => Together(() => _channel!.Send(command.ToBytes()));

    T Together<T>(Func<T> action)
    {
        try { return action(); }
        catch (RankLostException e) { throw Lost(e); }
    }

    void Together(Action action) => Together(() => { action(); return 0; });

    /// <summary>The collective's line, with what became of the ranks that ended (the usual cause).</summary>
    RankLostException Lost(RankLostException e)
    {
        // A killed peer closes its sockets at once, but its exit may be seen a moment later.
        _processes.WaitForExit(TimeSpan.FromMilliseconds(500));
        var ended = _processes.Ended();
        return ended.Length == 0 ? e : new RankLostException($"{ended}; {e.Message}");
    }

    public void Dispose()
    {
        Stop();
        _step?.Dispose();
        // Told to stop, they leave at once; a rank that does not is ended by the launcher's Dispose.
        _processes.WaitForExit(TimeSpan.FromSeconds(10));
        _processes.Dispose();
        _group?.Dispose();
    }
}
