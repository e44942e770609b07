using Stlm.Model.LibTorch;
using Stlm.Model.LibTorch.Optim;
using Stlm.Model.LibTorch.Safetensors;

namespace Stlm.Model.Checkpoints;

/// <summary>
/// A committed checkpoint, verified when opened (<see cref="Open"/>): restore it into a model's
/// tensors, an optimizer and the generators, or load its weights as new tensors.
/// </summary>
public sealed class Checkpoint
{
    public string Path { get; }
    public CheckpointManifest Manifest { get; }

    /// <summary>The checkpoint's id, as the journal's CheckpointCommitted event names it.</summary>
    public string ContentHash { get; }

    public CheckpointInfo Info => Manifest.Info;
    public string Name => System.IO.Path.GetFileName(Path);
    public long Bytes => Manifest.Files.Sum(f => f.Bytes);

    Checkpoint(string path, CheckpointManifest manifest, string contentHash)
    {
        Path = path;
        Manifest = manifest;
        ContentHash = contentHash;
    }

    /// <summary>
    /// Opens a checkpoint folder after checking every file's size and SHA-256 and the content
    /// hash (against <paramref name="expectedContentHash"/> too when given); any problem is one
    /// StlmException naming the checkpoint and the file.
    /// </summary>
    public static Checkpoint Open(string dir, string? expectedContentHash = null)
    {
        var result = CheckpointVerifier.Check(dir, expectedContentHash);
        if (!result.Ok) throw CheckpointVerifier.Error(result);
        return new Checkpoint(result.Path, result.Manifest!, result.ContentHash!);
    }

    /// <summary>
    /// Puts the checkpoint's state back: weights into <paramref name="weights"/> in place (the
    /// names must match the checkpoint's exactly, shapes and dtypes too), the optimizer's moments,
    /// steps and hyperparameters, and (unless told not to) the generators' states. Returns the
    /// info so the caller can continue from its step and cursor and compare the config hash.
    /// </summary>
    public CheckpointInfo Restore(IEnumerable<KeyValuePair<string, Tensor>> weights, Optimizer? optimizer = null, bool restoreRng = true)
    {
        var targets = weights.ToList();
        using (var model = OpenFile(CheckpointNames.Model))
        {
            var expected = targets.Select(t => t.Key).ToHashSet(StringComparer.Ordinal);
            var extra = model.Tensors.FirstOrDefault(t => !expected.Contains(t.Name));
            if (extra is not null)
                throw new StlmException(
                    $"checkpoint {Name}: holds a weight '{extra.Name}' that this model does not have; the configuration changes the architecture, so resume with the original one or start a new run");
            foreach (var (name, tensor) in targets)
                if (!model.Contains(name))
                    throw new StlmException(
                        $"checkpoint {Name}: has no weight '{name}' that this model expects; the configuration changes the architecture, so resume with the original one or start a new run");
            model.CopyInto(targets);
        }

        if (optimizer is not null)
        {
            if (Manifest.Optimizer is null)
                throw new StlmException($"checkpoint {Name}: holds no optimizer state, so training cannot resume from it exactly; start a new run from its weights instead");
            using var file = OpenFile(CheckpointNames.Optimizer);
            using var scope = TorchScope.Begin();
            var tensors = file.LoadAll();
            try { optimizer.LoadState(new OptimizerState(Manifest.Optimizer, tensors)); }
            catch (StlmException e) { throw new StlmException($"checkpoint {Name}: {e.Message}", e); }
            catch (TorchException e) { throw new StlmException($"checkpoint {Name}: its optimizer state does not fit this model ({e.Message.ReplaceLineEndings(" ")})", e); }
        }

        if (restoreRng) LibTorch.Rng.Restore(LoadRng());
        return Info;
    }

    /// <summary>The weights as new CPU tensors, by name (for evaluation, generation, export).</summary>
    public Dictionary<string, Tensor> LoadWeights()
    {
        using var model = OpenFile(CheckpointNames.Model);
        return model.LoadAll();
    }

    /// <summary>The generators' states saved with the checkpoint.</summary>
    public RngSnapshot LoadRng()
    {
        using var file = OpenFile(CheckpointNames.Rng);
        using var scope = TorchScope.Begin();
        return RngSnapshot.FromTensors(file.LoadAll());
    }

    SafetensorsFile OpenFile(string name)
    {
        if (Manifest.Files.All(f => f.Name != name))
            throw new StlmException($"checkpoint {Name}: {CheckpointNames.Manifest} lists no {name}; it was written by another tool");
        return SafetensorsFile.Open(System.IO.Path.Combine(Path, name));
    }
}
