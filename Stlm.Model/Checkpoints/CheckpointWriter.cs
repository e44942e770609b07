using Stlm.Model.Faults;
using Stlm.Model.LibTorch;
using Stlm.Model.LibTorch.Safetensors;

namespace Stlm.Model.Checkpoints;

/// <summary>
/// Writes a snapshot as one folder, atomically: every file goes into a temp folder beside the
/// target (".tmp-step-…", guarded by a locked ".lock" file beside it); the files and the folder
/// are fsync'd together (<see cref="DurableFileSet"/>), then the folder is renamed to
/// step-NNNNNNNNN and the parent synced. A crash at any moment
/// leaves no checkpoint or a complete one; leftovers are removed by <see cref="CheckpointFolders.CleanStale"/>.
/// </summary>
static class CheckpointWriter
{
    /// <summary>The stages at which <see cref="CheckpointWriteOptions.Fault"/> is called, in order.</summary>
    public static readonly IReadOnlyList<string> Stages =
        [CheckpointNames.Model, CheckpointNames.Optimizer, CheckpointNames.Rng, CheckpointNames.Manifest, "rename"];

    public static CommittedCheckpoint Write(CheckpointSnapshot snapshot, string checkpointsDir, CheckpointWriteOptions options)
    {
        var parent = Path.GetFullPath(checkpointsDir);
        Directory.CreateDirectory(parent);
        var name = snapshot.Info.FolderName;
        var final = Path.Combine(parent, name);
        var temp = Path.Combine(parent, $"{CheckpointNames.TempPrefix}{snapshot.Info.Step:D9}-{Guid.NewGuid():N}");
        using var guard = CheckpointFolders.LockTemp(temp);
        try
        {
            Directory.CreateDirectory(temp);
            using var set = new DurableFileSet(temp);
            var files = new List<CheckpointFile>
            {
                Tensors(set, CheckpointNames.Model, snapshot.Weights, options, temp),
                Tensors(set, CheckpointNames.Optimizer, snapshot.OptimizerTensors, options, temp),
                Rng(set, snapshot.Rng, options, temp),
            };
            var manifest = new CheckpointManifest(snapshot.Info, snapshot.OptimizerRecord, files, (options.Clock ?? TimeProvider.System).GetUtcNow());
            var hash = manifest.ContentHash();
            var json = manifest.ToJsonBytes();
            set.Write(CheckpointNames.Manifest, s => s.Write(json));
            set.Write(CheckpointNames.ContentHash, s => s.Write(System.Text.Encoding.ASCII.GetBytes(hash + "\n")));
            Stage(options, CheckpointNames.Manifest, temp);
            set.SyncAll();
            set.Dispose();
            var bytes = files.Sum(f => f.Bytes) + json.Length + hash.Length + 1;

            Stage(options, "rename", temp);
            if (Directory.Exists(final)) return SameOrError(final, name, hash, temp);
            Directory.Move(temp, final);
            Durability.SyncDirectory(parent);
            return new CommittedCheckpoint(final, snapshot.Info.Step, hash, bytes);
        }
        catch
        {
            CheckpointFolders.DeleteQuietly(temp);
            throw;
        }
    }

    /// <summary>A committed checkpoint is never overwritten: the same content is a no-op, other content an error.</summary>
    static CommittedCheckpoint SameOrError(string final, string name, string hash, string temp)
    {
        var existing = Checkpoint.Open(final);
        if (existing.ContentHash != hash)
            throw new StlmException(
                $"checkpoint {name} already exists in {Path.GetDirectoryName(final)} with other content (sha256 {existing.ContentHash[..12]}…, new {hash[..12]}…); committed checkpoints are never overwritten — save this run's checkpoints to another folder");
        CheckpointFolders.DeleteQuietly(temp);
        return new CommittedCheckpoint(final, existing.Manifest.Info.Step, hash, existing.Bytes);
    }

    static CheckpointFile Tensors(DurableFileSet set, string file, IReadOnlyList<KeyValuePair<string, Tensor>> tensors, CheckpointWriteOptions options, string temp)
    {
        var copies = new List<Tensor>();
        try
        {
            var entries = TensorSafetensors.Entries(tensors, copies);
            var result = set.Write(file, s => SafetensorsWriter.Write(s, entries));
            Stage(options, file, temp);
            return result;
        }
        finally
        {
            foreach (var c in copies) c.Dispose();
        }
    }

    static CheckpointFile Rng(DurableFileSet set, RngSnapshot rng, CheckpointWriteOptions options, string temp)
    {
        var entries = new List<SafetensorsEntry>
        {
            SafetensorsEntry.FromBytes("rng.cpu", SafetensorsDType.U8, [rng.Cpu.Length], rng.Cpu),
        };
        for (var i = 0; i < rng.Cuda.Count; i++)
            entries.Add(SafetensorsEntry.FromBytes($"rng.cuda.{i}", SafetensorsDType.U8, [rng.Cuda[i].Length], rng.Cuda[i]));
        for (var r = 1; r <= rng.OtherRanks.Count; r++)
            entries.Add(SafetensorsEntry.FromBytes(RngSnapshot.RankCpuName(r), SafetensorsDType.U8, [rng.OtherRanks[r - 1].Length], rng.OtherRanks[r - 1]));
        var result = set.Write(CheckpointNames.Rng, s => SafetensorsWriter.Write(s, entries));
        Stage(options, CheckpointNames.Rng, temp);
        return result;
    }

    /// <summary>A stage is done: the caller's fault callback, then the STLM_FAULT hook (<see cref="FaultPoint"/>).</summary>
    static void Stage(CheckpointWriteOptions options, string stage, string temp)
    {
        options.Fault?.Invoke(stage, temp);
        if (FaultPoint.Armed) FaultPoint.Reach("checkpoint:" + stage);
    }
}
