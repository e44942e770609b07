using Stlm.Tests.Support;


namespace Stlm.Tests.Model.Training;

/// <summary>Runs alone: resident memory is a property of the whole process.</summary>
[Collection(nameof(TorchGlobalState))]
public class TrainingMemoryTests(TrainingCorpus corpus, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<TrainingCorpus>
{
    static long ResidentBytes()
    {
        var fields = File.ReadAllText("/proc/self/statm").Split(' ');
        return long.Parse(fields[1]) * Environment.SystemPageSize;
    }

    [Fact]
    public void Resident_memory_stays_flat_over_200_steps()
    {
        using var rig = new TrainingRig(corpus, microBatch: 4, gradAccum: 2);
        rig.Train(40);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var warm = ResidentBytes();
        rig.Train(200);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var growth = ResidentBytes() - warm;
        output.WriteLine($"resident memory change over 200 steps: {growth >> 10} KiB");
        // A leaked [4, 32, 258] logits tensor per micro-batch alone would add ~50 MB here.
        Assert.True(growth < 8 << 20, $"resident memory grew by {growth >> 10} KiB over 200 steps");
    }
}
