using Stlm.Actors.Cluster.Transfer;
using Stlm.Actors.Configuration;
using Stlm.Actors.Training.Recipe;
using Stlm.Model.Checkpoints;
using Stlm.Model.Data;
using Stlm.Model.LibTorch;
using Stlm.Model.LibTorch.Distributed;
using Stlm.Model.LibTorch.Optim;
using Stlm.Model.Training;
using Stlm.Model.Training.DataParallel;

namespace Stlm.Actors.Training.DataParallel;

/// <summary>
/// Rank 1 and up of a data-parallel run (`stlm debug dp-rank`, started by `stlm train --nproc N`,
/// or by a trainer node's <see cref="Cluster.RankHost"/>): it builds the run's model from the
/// config rank 0 hands it, joins rank 0's group at <c>host:port</c> and then does
/// what rank 0 tells it (<see cref="RankCommand"/>) until told to stop: load a start point
/// (verifying the checkpoint and restoring this rank's own generator state), train steps on its
/// slice of each batch, compare weights and hand over its generator state at checkpoints. It
/// never touches the journal. Any failure (rank 0 went away, the weights diverged) ends it with
/// one line.
/// </summary>
public static class RankFollower
{
    /// <param name="device">the GPU a GPU trainer node gave this rank; null: <see cref="TrainingRecipe.DeviceOfRank"/> (all ranks on one machine)</param>
    public static void Run(Config config, int rank, string host, int port, Device? device = null, CancellationToken cancel = default)
    {
        var configured = TrainingRecipe.From(config);
        var recipe = configured.OnDevice(device ?? configured.DeviceOfRank(rank));
        if (rank < 1 || rank >= recipe.WorldSize)
            throw new Model.StlmException($"rank {rank} is not a follower of a world of {recipe.WorldSize} (ranks 1..{recipe.WorldSize - 1})");
        var corpus = recipe.PrepareCorpus(cancel);
        using var data = TokenDataset.Open(corpus.ShardDirectory, DataSplit.Train, recipe.WindowLength);
        var batches = recipe.Batches(data, rank);
        var state = new State(recipe, host, CheckpointCatalog.InDataFolder(config.GetString("stlm.data-dir")));
        state.Build();
        using var group = ProcessGroup.Create(recipe.GroupOptions(rank, host, port));
        var channel = new RankChannel(group);
        try
        {
            state.Join(group);
            while (RankCommand.FromBytes(channel.Receive()) is { Op: not RankOp.Stop } command)
                state.Do(command, rank, batches);
        }
        finally
        {
            state.Dispose();
        }
    }

    /// <param name="copies">where this machine keeps copies of checkpoints fetched from other nodes (a cluster node's cache)</param>
    sealed class State(TrainingRecipe recipe, string host, CheckpointCatalog copies) : IDisposable
    {
        ILanguageModel _model = null!;
        Optimizer? _optimizer;
        DataParallelStep? _step;
        ProcessGroup? _group;
        // Built and not yet trained: a start from the initial weights needs no second build.
        bool _fresh;

        public void Build()
        {
            _step?.Dispose();
            _optimizer?.Dispose();
            _model = recipe.BuildModel();
            _optimizer = recipe.BuildOptimizer(_model);
            _step = _group is null ? null : recipe.BuildDataParallelStep(_group, _model, _optimizer);
            _fresh = true;
        }

        public void Join(ProcessGroup group)
        {
            _group = group;
            _step = recipe.BuildDataParallelStep(group, _model, _optimizer!);
        }

        public void Do(RankCommand command, int rank, StepBatches batches)
        {
            switch (command.Op)
            {
                case RankOp.Load:
                    Load(command, rank);
                    _step!.CheckRanksAgree(_model.Module, command.Step);
                    break;
                case RankOp.Step:
                    var before = command.SkipNonFinite ? Rng.Capture() : null;
                    var (micro, _) = batches.Read(command.Cursor);
                    var result = _step!.Run(command.Schedule, micro, command.SkipNonFinite);
                    // Rank 0 skips the batch too (the averaged loss is the same on every rank) and gives back its draws.
                    if (before is not null && !result.IsFinite) Rng.Restore(before);
                    break;
                case RankOp.TimeAllReduce:
                    using (var bare = new GlooReference(host, command.ReferencePort, rank, recipe.WorldSize, _step!.GradientElements, recipe.Training.DataParallel.Timeout))
                        _step.TimeAllReduce(bare, command.Iterations);
                    break;
                case RankOp.Checkpoint:
                    _step!.CheckRanksAgree(_model.Module, command.Step);
                    _step.GatherGeneratorStates(Rng.GetStateBytes(Device.Cpu), command.Step);
                    break;
            }
        }

        void Load(RankCommand command, int rank)
        {
            if (!_fresh || command.CheckpointPath is not null) Build();
            _fresh = false;
            if (command.CheckpointPath is not { } path)
            {
                recipe.SeedRankGenerator(rank, command.Step);
                return;
            }
            // Rank 0's path when this machine sees it (one machine, a shared folder), else this node's verified copy.
            path = copies.Find(command.CheckpointHash, path) ?? path;
            var checkpoint = Checkpoint.Open(path, command.CheckpointHash);
            var info = checkpoint.Restore(_model.Module.StateDict(), _optimizer, restoreRng: false);
            if (info.Step != command.Step)
                throw new Model.StlmException($"checkpoint {path} holds step {info.Step} but rank 0 starts from step {command.Step}");
            // A checkpoint of fewer ranks (a fork to more) has no stream for this rank: a fresh one, a function of the step.
            if (checkpoint.LoadRng().ForRank(rank) is { } mine) Rng.Restore(mine);
            else recipe.SeedRankGenerator(rank, command.Step);
        }

        public void Dispose()
        {
            _step?.Dispose();
            _optimizer?.Dispose();
        }
    }
}
