using Stlm.Model;
using Stlm.Model.Checkpoints;
using Stlm.Model.LibTorch;
using F = Stlm.Model.LibTorch.Functional;
using Stlm.Tests.Support;

namespace Stlm.Tests.Model.Checkpoints;

// Other tests draw from the global generator too: run these alone so the trajectories are ours.
[Collection(nameof(TorchGlobalState))]
public class CheckpointRoundTripTests : IDisposable
{
    readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    [Fact]
    public async Task Resuming_from_a_checkpoint_continues_with_bit_identical_losses_and_weights()
    {
        float[] expectedLosses;
        float[] expectedW1, expectedW2;
        CommittedCheckpoint committed;
        using (var original = new TinyTrainer(seed: 7))
        {
            original.Train(5);
            using (var snapshot = original.Capture())
                committed = await snapshot.WriteAsync(dir.Path);
            expectedLosses = original.Train(6);
            expectedW1 = original.W1.ToArray<float>();
            expectedW2 = original.W2.ToArray<float>();
        }

        using var resumed = new TinyTrainer(seed: 99);   // other initial weights and RNG state
        var info = resumed.RestoreFrom(Checkpoint.Open(committed.Path, committed.ContentHash));
        Assert.Equal(5, info.Step);
        Assert.Equal(new Stlm.Model.Data.DataCursor(0, 40), info.Cursor);
        Assert.Equal(CheckpointInfo.ConfigHash(TinyTrainer.ConfigText), info.ConfigSha256);
        Assert.Equal([5L], resumed.Steps.ToArray<long>());
        Assert.Equal([5L, 5L], resumed.Optimizer.Steps());

        Assert.Equal(expectedLosses, resumed.Train(6));
        Assert.Equal(expectedW1, resumed.W1.ToArray<float>());
        Assert.Equal(expectedW2, resumed.W2.ToArray<float>());
    }

    [Fact]
    public void Restoring_the_rng_reproduces_the_dropout_masks()
    {
        using var trainer = new TinyTrainer(seed: 3);
        trainer.Train(2);
        using (var snapshot = trainer.Capture()) snapshot.Write(dir.Path);
        using var ones = Torch.Ones([64]);
        using var first = F.Dropout(ones, 0.5, training: true);
        using var _ = F.Dropout(ones, 0.5, training: true);   // move the generator on

        Checkpoint.Open(Path.Combine(dir.Path, "step-000000002")).Restore(trainer.Weights);
        using var again = F.Dropout(ones, 0.5, training: true);
        Assert.Equal(first.ToArray<float>(), again.ToArray<float>());
    }

    [Fact]
    public void The_checkpoint_folder_holds_the_weights_optimizer_rng_and_a_manifest_listing_their_hashes()
    {
        using var trainer = new TinyTrainer(seed: 1);
        trainer.Train(3);
        using var snapshot = trainer.Capture();
        var committed = snapshot.Write(dir.Path);

        Assert.Equal(Path.Combine(dir.Path, "step-000000003"), committed.Path);
        Assert.Equal(["checkpoint.json", "checkpoint.sha256", "model.safetensors", "optimizer.safetensors", "rng.safetensors"],
            Directory.GetFiles(committed.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path, ".tmp-*"));
        var checkpoint = Checkpoint.Open(committed.Path);
        Assert.Equal(committed.ContentHash, checkpoint.ContentHash);
        Assert.Equal(committed.ContentHash, File.ReadAllText(Path.Combine(committed.Path, "checkpoint.sha256")).Trim());
        Assert.Equal(["model.safetensors", "optimizer.safetensors", "rng.safetensors"], checkpoint.Manifest.Files.Select(f => f.Name));
        Assert.Equal("adamw", checkpoint.Manifest.Optimizer!.Kind);
        Assert.Equal(0.01, checkpoint.Manifest.Optimizer.Groups[0].Lr);
        Assert.Equal("test-build", checkpoint.Info.CodeVersion);

        var weights = checkpoint.LoadWeights();
        Assert.Equal(trainer.W1.ToArray<float>(), weights["layers.0.weight"].ToArray<float>());
        Assert.Equal(DType.Int64, weights["steps"].DType);
    }

    [Fact]
    public void Saving_the_same_state_twice_is_a_no_op_but_other_content_at_the_same_step_is_refused()
    {
        using var trainer = new TinyTrainer(seed: 1);
        trainer.Train(2);
        CommittedCheckpoint first, second;
        using (var snapshot = trainer.Capture()) first = snapshot.Write(dir.Path);
        using (var snapshot = trainer.Capture()) second = snapshot.Write(dir.Path);
        Assert.Equal(first.ContentHash, second.ContentHash);

        using var other = CheckpointSnapshot.Capture(trainer.Info("another-run"), trainer.Weights, trainer.Optimizer);
        var e = Assert.Throws<StlmException>(() => other.Write(dir.Path));
        Assert.Contains("step-000000002 already exists", e.Message);
        Assert.Equal(first.ContentHash, Checkpoint.Open(first.Path).ContentHash);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path, ".tmp-*"));
    }

    [Fact]
    public void Restoring_into_a_model_of_another_shape_names_the_tensor()
    {
        using var trainer = new TinyTrainer(seed: 1);
        trainer.Train(1);
        using (var snapshot = trainer.Capture()) snapshot.Write(dir.Path);
        var checkpoint = Checkpoint.Open(Path.Combine(dir.Path, "step-000000001"));

        using var wider = new TinyTrainer(seed: 1, hidden: 32);
        var e = Assert.Throws<StlmException>(() => checkpoint.Restore(wider.Weights, wider.Optimizer));
        Assert.Contains("'layers.0.weight' is F32 [16, 8] but the model's is F32 [32, 8]", e.Message);
        Assert.Contains("changes the architecture", e.Message);

        var renamed = trainer.Weights.Select(kv => kv.Key == "steps" ? new KeyValuePair<string, Tensor>("counter", kv.Value) : kv);
        e = Assert.Throws<StlmException>(() => checkpoint.Restore(renamed));
        Assert.Contains("'steps' that this model does not have", e.Message);
    }

    [Fact]
    public void Captured_tensors_are_copies_that_later_training_does_not_change()
    {
        using var trainer = new TinyTrainer(seed: 5);
        trainer.Train(1);
        var before = trainer.W1.ToArray<float>();
        using var snapshot = trainer.Capture();
        trainer.Train(2);
        var committed = snapshot.Write(dir.Path);
        Assert.Equal(before, Checkpoint.Open(committed.Path).LoadWeights()["layers.0.weight"].ToArray<float>());
    }
}
