using Stlm.Actors.Training.Replay;
using Stlm.Actors.Training.Run;
using Stlm.Tests.Actors.Training.Run;
using Stlm.Tests.Support;

namespace Stlm.Tests.Actors.Training.Replay;

[Collection(nameof(TorchGlobalState))]
public sealed class ReplayVerifierTests : IAsyncLifetime
{
    readonly RunTestJournal _journal = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _journal.DisposeAsync();

    async Task<ReplayReport> VerifyAsync(RunState run, long? from = null, long? to = null)
    {
        var plan = ReplayPlan.For(run, null, from, to);
        var steps = await JournaledSteps.LoadAsync(_journal.OpenStoreQuery(), run.RunId, plan.Start.Step + 1, plan.ToStep);
        return new ReplayVerifier(plan, run.Created!, steps, ReplaySteps.Overrides(run.Overrides), run.Skips).Run(null, CancellationToken.None);
    }

    [Fact]
    public async Task An_untouched_run_verifies_from_a_checkpoint_to_the_weights_of_a_later_one()
    {
        var run = await RecordedRun.TrainAsync(_journal, "r-ok", RecordedRun.TinyConfig(_journal.DataDir), steps: 6, checkpointEvery: 2);

        var report = await VerifyAsync(run, from: 3, to: 6);

        Assert.True(report.Ok, string.Join("\n", report.Verdicts));
        Assert.Equal((2L, 4L), (report.StartStep, report.StepsRun));
        Assert.Contains("bit-identical to checkpoint step-000000006", report.Verdicts.Single(v => v.Check == "weights").Detail);
        Assert.Null(report.FirstMismatch);
    }

    [Fact]
    public async Task A_run_verifies_from_its_start_with_weights_built_from_the_config()
    {
        var run = await RecordedRun.TrainAsync(_journal, "r-start", RecordedRun.TinyConfig(_journal.DataDir), steps: 3, checkpointEvery: 2);

        var report = await VerifyAsync(run);

        Assert.True(report.Ok, string.Join("\n", report.Verdicts));
        Assert.Equal((0L, 3L), (report.StartStep, report.StepsRun));
        Assert.Contains("step-000000002", report.Verdicts.Single(v => v.Check == "weights").Detail);
    }

    [Fact]
    public async Task A_journaled_loss_off_by_one_bit_is_reported_at_its_step()
    {
        var run = await RecordedRun.TrainAsync(_journal, "r-bad", RecordedRun.TinyConfig(_journal.DataDir), steps: 5, checkpointEvery: 2,
            journaledLoss: (step, loss) => step == 4 ? BitConverter.Int64BitsToDouble(BitConverter.DoubleToInt64Bits(loss) + 1) : loss);

        var report = await VerifyAsync(run, from: 3);

        Assert.False(report.Ok);
        Assert.Equal(4, report.FirstMismatch!.Step);
        Assert.Equal("loss", report.FirstMismatch.Field);
        Assert.NotEqual(report.FirstMismatch.Journaled, report.FirstMismatch.Recomputed);
        Assert.Equal(2, report.StepsRun);   // 3 matched, 4 did not, nothing after it ran
        Assert.StartsWith("step 4: journaled loss", Assert.Single(report.Verdicts).Detail);
    }

    [Fact]
    public async Task A_tampered_start_checkpoint_fails_with_the_verifiers_message()
    {
        var run = await RecordedRun.TrainAsync(_journal, "r-tamper", RecordedRun.TinyConfig(_journal.DataDir), steps: 4, checkpointEvery: 2);
        FlipOneByte(Path.Combine(run.Checkpoints[0].Path, "model.safetensors"));

        var report = await VerifyAsync(run, from: 3);

        Assert.False(report.Ok);
        var verdict = Assert.Single(report.Verdicts);
        Assert.Equal("checkpoint", verdict.Check);
        Assert.Contains("model.safetensors is corrupt (sha256 mismatch)", verdict.Detail);
    }

    [Fact]
    public async Task A_tampered_final_checkpoint_fails_after_the_losses_matched()
    {
        var run = await RecordedRun.TrainAsync(_journal, "r-tamper2", RecordedRun.TinyConfig(_journal.DataDir), steps: 4, checkpointEvery: 2);
        FlipOneByte(Path.Combine(run.Checkpoints[1].Path, "optimizer.safetensors"));

        var report = await VerifyAsync(run, from: 3);

        Assert.False(report.Ok);
        Assert.True(report.Verdicts.Single(v => v.Check == "steps").Ok);
        Assert.Contains("optimizer.safetensors is corrupt", report.Verdicts.Single(v => !v.Ok).Detail);
    }

    internal static void FlipOneByte(string file)
    {
        var bytes = File.ReadAllBytes(file);
        bytes[^3] ^= 0x01;
        File.WriteAllBytes(file, bytes);
    }
}
