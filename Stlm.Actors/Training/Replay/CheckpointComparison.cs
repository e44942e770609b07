using Stlm.Model;
using Stlm.Model.Checkpoints;
using Stlm.Model.Data;
using Stlm.Model.LibTorch.Optim;
using Stlm.Model.Training;
using RunCheckpoint = Stlm.Actors.Training.Run.Checkpoint;

namespace Stlm.Actors.Training.Replay;

/// <summary>
/// The replayed state at a checkpoint's step against the committed checkpoint: the state is
/// saved the way training saves it (same run id, config hash and code version as the committed
/// one, into a temp folder) and the two content hashes compared — equal means weights, optimizer
/// moments, generator states, tokens and data cursor are all bit-identical. On a difference, the
/// files (and fields) that differ are named.
/// </summary>
public static class CheckpointComparison
{
    public static ReplayVerdict Compare(RunCheckpoint committed, ILanguageModel model, Optimizer optimizer,
        long tokensSeen, DataCursor cursor)
    {
        var name = Path.GetFileName(committed.Path);
        Checkpoint stored;
        try
        {
            stored = Checkpoint.Open(committed.Path, committed.Hash);
        }
        catch (StlmException e)
        {
            return new ReplayVerdict("checkpoint", false, e.Message);
        }

        var info = stored.Info with { Step = committed.Step, TokensSeen = tokensSeen, Cursor = cursor };
        var temp = Path.Combine(Path.GetTempPath(), $"stlm-replay-{Guid.NewGuid():N}");
        try
        {
            using var snapshot = CheckpointSnapshot.Capture(info, model.Module.StateDict(), optimizer);
            var replayed = snapshot.Write(temp);
            if (replayed.ContentHash == committed.Hash)
                return new ReplayVerdict("weights", true,
                    $"state at step {committed.Step} is bit-identical to checkpoint {name} (content hash {ReplayStart.Short(committed.Hash)}: weights, optimizer moments, RNG, data cursor)");
            var differences = Differences(stored.Manifest, Checkpoint.Open(replayed.Path).Manifest);
            return new ReplayVerdict("weights", false,
                $"state at step {committed.Step} differs from checkpoint {name}: {string.Join("; ", differences)}");
        }
        finally
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        }
    }

    static List<string> Differences(CheckpointManifest committed, CheckpointManifest replayed)
    {
        var found = new List<string>();
        foreach (var file in committed.Files)
        {
            var other = replayed.Files.FirstOrDefault(f => f.Name == file.Name);
            if (other is null) found.Add($"{file.Name} is not produced by the replay");
            else if (other.Sha256 != file.Sha256)
                found.Add($"{file.Name} differs (sha256 {ReplayStart.Short(file.Sha256)} committed, {ReplayStart.Short(other.Sha256)} replayed)");
        }
        var (a, b) = (committed.Info, replayed.Info);
        if (a.TokensSeen != b.TokensSeen) found.Add($"tokens seen {a.TokensSeen} committed, {b.TokensSeen} replayed");
        if (a.Cursor != b.Cursor) found.Add($"data cursor {a.Cursor} committed, {b.Cursor} replayed");
        if (committed.Optimizer?.ToJson() != replayed.Optimizer?.ToJson())
            found.Add("the optimizer record (hyperparameters or step counts) differs");
        if (found.Count == 0) found.Add("the checkpoint.json content differs");
        return found;
    }
}
