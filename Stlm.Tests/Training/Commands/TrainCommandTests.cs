using static Stlm.Tests.Training.Commands.RunCommandRig;

namespace Stlm.Tests.Training.Commands;

public sealed class TrainCommandTests : IDisposable
{
    readonly RunCommandRig _rig = new();

    public void Dispose() => _rig.Dispose();

    [Fact]
    public void Train_prepares_the_corpus_once_for_its_check_and_its_session()
    {
        var train = _rig.Train("r-once", 2);

        Ok(train);
        var corpusLines = (train.StdOut + "\n" + train.StdErr).Split('\n').Count(l => l.Contains(" Corpus ", StringComparison.Ordinal));
        Assert.Equal(1, corpusLines);
    }
}
