using System.Text.Json;
using Stlm.Model.Data;
using Stlm.Model.Schedules;

namespace Stlm.Actors.Training.DataParallel;

public enum RankOp
{
    /// <summary>Take the start point: a committed checkpoint (path and hash) or, with none, the run's initial weights.</summary>
    Load,
    /// <summary>Train one step on the rank's slice of the batch at the cursor, with these schedule values.</summary>
    Step,
    /// <summary>Rank 0 checkpoints after <see cref="RankCommand.Step"/>: compare weight hashes, hand over the generator states.</summary>
    Checkpoint,
    /// <summary>`stlm bench data-parallel`, after its steps: time the training all-reduce against a bare Gloo one on <see cref="RankCommand.ReferencePort"/>.</summary>
    TimeAllReduce,
    /// <summary>Training is over: leave the group, exit.</summary>
    Stop,
}

/// <summary>
/// What rank 0 tells every other rank before each thing they do together (<see cref="Model.Training.DataParallel.RankChannel"/>):
/// everything that decides a step's result is in it, so a rank keeps no state of the run beyond
/// its weights, optimizer and generator — the cursor, the schedule values (config and journaled
/// overrides) and the start point all come from rank 0, which alone reads the journal.
/// </summary>
public sealed record RankCommand(
    RankOp Op, long Step,
    long Epoch = 0, long Position = 0,
    long ScheduleStep = 0, double Lr = 0, double Dropout = 0, double[]? LayerDropout = null, double[]? ExitLossWeights = null,
    bool SkipNonFinite = false,
    string? CheckpointPath = null, string CheckpointHash = "",
    int Iterations = 0, int ReferencePort = 0)
{
    public DataCursor Cursor => new(Epoch, Position);

    public ScheduleValues Schedule => new(ScheduleStep, Lr, Dropout, new EarlyExitPolicy(LayerDropout ?? [], ExitLossWeights ?? []));

    public static RankCommand ForStep(long step, DataCursor from, ScheduleValues values, bool skipNonFinite) =>
        new(RankOp.Step, step, from.Epoch, from.Position, values.Step, values.LearningRate, values.Dropout,
            [.. values.EarlyExit.LayerDropout], [.. values.EarlyExit.ExitLossWeights], skipNonFinite);

    public byte[] ToBytes() => JsonSerializer.SerializeToUtf8Bytes(this);

    public static RankCommand FromBytes(byte[] bytes) =>
        JsonSerializer.Deserialize<RankCommand>(bytes) ?? throw new InvalidDataException("an empty rank command");
}
